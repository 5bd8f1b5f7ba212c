package server_test

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/depot-registry/depot/server/servertest"
)

// BenchmarkIdleSubscriberMemory opens idle releaseEvents subscribers over
// loopback websockets and reports what the server holds per subscriber:
// goroutine stacks and goroutines (the clients run none), and live heap
// (clients included: their 512-byte buffers and gorilla Conn, about 1.5 KiB).
// FEED_MEM_PROFILE=FILE writes a heap profile with the subscribers open.
func BenchmarkIdleSubscriberMemory(b *testing.B) {
	const n = 2000
	if os.Getenv("FEED_MEM_PROFILE") != "" {
		runtime.MemProfileRate = 1
	}
	for range b.N {
		env := servertest.New(b)
		url := strings.Replace(env.URL, "http", "ws", 1) + "/graphql"
		d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 5 * time.Second,
			ReadBufferSize: 512, WriteBufferSize: 512}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		conns := make([]*websocket.Conn, 0, n)
		for range n {
			c, _, err := d.Dial(url, nil)
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
			_ = c.WriteJSON(map[string]any{"type": "connection_init"})
			var ack wsMsg
			if err := c.ReadJSON(&ack); err != nil || ack.Type != "connection_ack" {
				b.Fatalf("ack: %+v %v", ack, err)
			}
			_ = c.WriteJSON(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
				"query": `subscription { releaseEvents(filter: {packages: ["nothing"]}) { cursor kind packageName version } }`}})
		}
		deadline := time.Now().Add(30 * time.Second)
		for int(metricValue(b, env, "depot_subscriptions_active")) < n {
			if time.Now().After(deadline) {
				b.Fatal("subscribers not counted")
			}
			time.Sleep(20 * time.Millisecond) // polling a condition
		}
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		g1 := runtime.NumGoroutine()
		b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/n, "heap-B/sub")
		b.ReportMetric(float64(int64(after.StackInuse)-int64(before.StackInuse))/n, "stack-B/sub")
		b.ReportMetric(float64(g1-g0)/n, "goroutines/sub")
		if p := os.Getenv("FEED_MEM_PROFILE"); p != "" {
			f, _ := os.Create(p)
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
		for _, c := range conns {
			c.Close()
		}
	}
}
