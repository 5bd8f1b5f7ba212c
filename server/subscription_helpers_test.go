package server_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/depot-registry/depot/server/servertest"
)

// subscriptions is the server's depot_subscriptions_active gauge.
func subscriptions(t *testing.T, env *servertest.Env) int {
	t.Helper()
	return int(metricValue(t, env, "depot_subscriptions_active"))
}

// untilSubscriptions waits until the server counts n open subscriptions:
// a subscription counted is one a publish reaches.
func untilSubscriptions(t *testing.T, env *servertest.Env, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := subscriptions(t, env)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d open subscriptions, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
}

// untilEnded reads c until the operation ends with an error carrying code,
// then complete. Events received before are returned.
func untilEnded(t *testing.T, c *websocket.Conn, code string) []feedEvent {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var got []feedEvent
	for {
		var m wsMsg
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("reading the feed: %v (events so far: %+v)", err, got)
		}
		switch m.Type {
		case "ka", "ping", "pong":
		case "next", "data":
			var p struct {
				Data struct{ ReleaseEvents feedEvent }
			}
			_ = json.Unmarshal(m.Payload, &p)
			got = append(got, p.Data.ReleaseEvents)
		case "error":
			var errs []struct {
				Message    string
				Extensions struct{ Code string }
			}
			if err := json.Unmarshal(m.Payload, &errs); err != nil || len(errs) != 1 || errs[0].Extensions.Code != code {
				t.Fatalf("error %s, want one with code %s", m.Payload, code)
			}
			var done wsMsg
			if err := c.ReadJSON(&done); err != nil || done.Type != "complete" || done.ID != m.ID {
				t.Fatalf("after the error: %+v, %v; want complete", done, err)
			}
			return got
		default:
			t.Fatalf("unexpected message %s: %s", m.Type, m.Payload)
		}
	}
}

// closedWith reads c until the server closes it and returns the close code.
func closedWith(t *testing.T, c *websocket.Conn) int {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("connection ended without a close frame: %v", err)
		}
		return ce.Code
	}
}
