package events_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/events/eventstest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/viewer"
)

// BenchmarkHubFanout commits one event per iteration and waits until every
// subscriber has it. It reports the delivery latency from Notify to each
// subscriber's receive (p50, p99), the bytes the hub allocates per event
// and subscriber, and the memory a live subscription holds.
func BenchmarkHubFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) { benchFanout(b, n) })
	}
}

func benchFanout(b *testing.B, n int) {
	db := testdb.Open(b)
	bus := events.NewLocalBus()
	defer bus.Close()
	hub := events.NewHub(events.Log{DB: db.Client}, bus, events.Options{Logger: quiet})
	defer hub.Close()
	ctx := viewer.NewContext(context.Background(), member(7))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	subs := make([]*events.Subscription, n)
	for i := range subs {
		s, err := hub.Subscribe(ctx, events.Filter{}, nil, nil)
		if err != nil {
			b.Fatalf("subscribe: %v", err)
		}
		subs[i] = s
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSub := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)

	// Each receiver records how long after the Notify it got the event.
	var sent atomic.Int64
	lat := make([][]time.Duration, n)
	var got sync.WaitGroup
	for i, s := range subs {
		lat[i] = make([]time.Duration, 0, b.N)
		go func() {
			for range s.C {
				lat[i] = append(lat[i], time.Duration(time.Now().UnixNano()-sent.Load()))
				got.Done()
			}
		}()
	}
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := range b.N {
		got.Add(n)
		// Commit without notifying, then time from the Notify on.
		ids, err := eventstest.Append(context.Background(), db.Client, silent{bus}, eventstest.Event{Package: "bench", Version: fmt.Sprint(i)})
		if err != nil {
			b.Fatalf("append: %v", err)
		}
		sent.Store(time.Now().UnixNano())
		if err := bus.Notify(context.Background(), ids[0]); err != nil {
			b.Fatalf("notify: %v", err)
		}
		got.Wait()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(n), "B/event/sub")
	b.ReportMetric(perSub, "B/sub-held")
	for _, s := range subs {
		s.Close()
	}
}

// silent is a bus whose Notify does nothing, so the benchmark can commit
// first and time the fan-out alone.
type silent struct{ events.Bus }

func (silent) Notify(context.Context, int) error { return nil }
