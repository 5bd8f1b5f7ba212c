package cli_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/depot-registry/depot/cli"
)

// fakeFeed is a graphql-transport-ws server scripted per connection: each
// connection sends the next batch of events, then either drops (to force
// a reconnect) or ends with a GraphQL error.
type fakeFeed struct {
	t       *testing.T
	mu      sync.Mutex
	batches [][]string // event cursors per connection
	afters  []string   // the "after" each subscribe asked for
	inits   []string   // the authorization of each connection_init
}

func (f *fakeFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{Subprotocols: []string{"graphql-transport-ws"}}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	var init struct {
		Type    string
		Payload map[string]string
	}
	if err := c.ReadJSON(&init); err != nil || init.Type != "connection_init" {
		return
	}
	_ = c.WriteJSON(map[string]string{"type": "connection_ack"})
	var sub struct {
		ID      string
		Type    string
		Payload struct {
			Variables map[string]any
		}
	}
	if err := c.ReadJSON(&sub); err != nil || sub.Type != "subscribe" {
		return
	}
	after, _ := sub.Payload.Variables["a"].(string)
	f.mu.Lock()
	f.inits = append(f.inits, init.Payload["authorization"])
	f.afters = append(f.afters, after)
	n := len(f.afters)
	var batch []string
	if n <= len(f.batches) {
		batch = f.batches[n-1]
	}
	f.mu.Unlock()
	_ = c.WriteJSON(map[string]string{"type": "ping"})
	for _, cursor := range batch {
		ev := fmt.Sprintf(`{"data": {"releaseEvents": {"cursor": %q, "kind": "PUBLISHED", "packageName": "alpha", "version": "1.0.0"}}}`, cursor)
		_ = c.WriteJSON(map[string]any{"id": sub.ID, "type": "next", "payload": json.RawMessage(ev)})
	}
	if n > len(f.batches) {
		_ = c.WriteJSON(map[string]any{"id": sub.ID, "type": "error", "payload": json.RawMessage(`[{"message": "feed closed for maintenance", "extensions": {"code": "FORBIDDEN"}}]`)})
		_, _, _ = c.ReadMessage()
		return
	}
	// Drop without a close frame, like a crashed server or a cut network.
	c.UnderlyingConn().Close()
}

func TestWatchResumesAfterReconnect(t *testing.T) {
	feed := &fakeFeed{t: t, batches: [][]string{{"c1", "c2"}, {}, {"c3"}}}
	srv := httptest.NewServer(feed)
	defer srv.Close()
	out, stderr, err := run(t, map[string]string{"DEPOT_URL": srv.URL, "DEPOT_API_KEY": "dpk_k"}, "watch", "--package", "alpha", "--after", "c0")
	var ce *cli.Error
	if !errors.As(err, &ce) || ce.Code != "FORBIDDEN" || !strings.Contains(ce.Message, "maintenance") {
		t.Fatalf("watch ended with %v, want the server's refusal", err)
	}
	var cursors []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev struct{ Cursor string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		cursors = append(cursors, ev.Cursor)
	}
	if strings.Join(cursors, ",") != "c1,c2,c3" {
		t.Errorf("printed %v, want c1,c2,c3 once each", cursors)
	}
	feed.mu.Lock()
	defer feed.mu.Unlock()
	if got := strings.Join(feed.afters, ","); got != "c0,c2,c2,c3" {
		t.Errorf("subscriptions resumed after %s, want c0,c2,c2,c3", got)
	}
	for _, a := range feed.inits {
		if a != "Bearer dpk_k" {
			t.Errorf("connection_init authorization = %q", a)
		}
	}
	if strings.Count(stderr, "reconnecting") != 3 {
		t.Errorf("stderr should report each reconnect:\n%s", stderr)
	}
}
