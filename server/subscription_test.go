package server_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

type feedEvent struct {
	Cursor      string
	Kind        string
	PackageName string
	Version     string
}

// dialFeed opens a subscription socket speaking protocol (graphql-transport-ws
// or the legacy graphql-ws) and subscribes to releaseEvents.
func dialFeed(t *testing.T, env *servertest.Env, protocol string, header http.Header, init map[string]any, after string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{protocol}, HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(strings.Replace(env.URL, "http", "ws", 1)+"/graphql", header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial (%s): %v (status %d)", protocol, err, status)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.WriteJSON(map[string]any{"type": "connection_init", "payload": init}); err != nil {
		t.Fatal(err)
	}
	var ack wsMsg
	if err := c.ReadJSON(&ack); err != nil || ack.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %+v, %v", ack, err)
	}
	start := "subscribe"
	if protocol == "graphql-ws" {
		start = "start"
	}
	vars := map[string]any{}
	if after != "" {
		vars["after"] = after
	}
	if err := c.WriteJSON(map[string]any{"id": "1", "type": start, "payload": map[string]any{
		"query":     `subscription($after: String) { releaseEvents(after: $after) { cursor kind packageName version } }`,
		"variables": vars,
	}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// next reads the next event of the feed, failing after a timeout.
func next(t *testing.T, c *websocket.Conn) feedEvent {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var m wsMsg
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("reading the feed: %v", err)
		}
		if m.Type == "ka" || m.Type == "ping" || m.Type == "pong" {
			continue
		}
		if m.Type != "next" && m.Type != "data" {
			t.Fatalf("unexpected message %s: %s", m.Type, m.Payload)
		}
		var p struct {
			Data   struct{ ReleaseEvents feedEvent }
			Errors []any
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
			t.Fatalf("bad event payload %s: %v", m.Payload, err)
		}
		return p.Data.ReleaseEvents
	}
}

// Publishes reach subscribers over both websocket subprotocols, in order;
// a subscriber resuming from a cursor gets what it missed and nothing twice.
func TestReleaseFeedOverWebsocket(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	key := alice.WithKey("api:read").Key

	modern := dialFeed(t, env, "graphql-transport-ws", nil, map[string]any{"authorization": "Bearer " + key}, "")
	legacy := dialFeed(t, env, "graphql-ws", nil, nil, "")
	untilSubscriptions(t, env, 2) // registered: a publish now reaches both

	alice.Publish(pkgtest.Tarball(t, "feedy", "1.0.0"), nil).MustOK(t)
	alice.Publish(pkgtest.Tarball(t, "feedy", "1.1.0"), nil).MustOK(t)
	for _, c := range []*websocket.Conn{modern, legacy} {
		first, second := next(t, c), next(t, c)
		if first.Kind != "PUBLISHED" || first.Version != "1.0.0" || second.Version != "1.1.0" {
			t.Fatalf("feed order: %+v then %+v", first, second)
		}
	}

	// Resume after the first event: exactly the second one, then live.
	var hist struct {
		ReleaseEvents struct{ Events []feedEvent }
	}
	alice.Do(`{ releaseEvents(first: 10) { events { cursor version } } }`, nil).MustOK(t).Decode(t, &hist)
	if len(hist.ReleaseEvents.Events) != 2 {
		t.Fatalf("history: %+v", hist)
	}
	resumed := dialFeed(t, env, "graphql-transport-ws", nil, nil, hist.ReleaseEvents.Events[0].Cursor)
	if got := next(t, resumed); got.Version != "1.1.0" {
		t.Fatalf("resumed feed starts with %+v, want 1.1.0", got)
	}
	alice.Publish(pkgtest.Tarball(t, "feedy", "1.2.0"), nil).MustOK(t)
	if got := next(t, resumed); got.Version != "1.2.0" {
		t.Fatalf("after resume, live event %+v, want 1.2.0", got)
	}
}

// A page of another site cannot open a subscription socket with the
// visitor's cookie (cross-site websocket hijacking); a bad cursor is a clear
// error.
func TestReleaseFeedRefusals(t *testing.T) {
	env := servertest.New(t)
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}
	_, resp, err := d.Dial(strings.Replace(env.URL, "http", "ws", 1)+"/graphql", http.Header{"Origin": {"https://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site websocket: err %v, response %+v; want 403", err, resp)
	}
	r := env.Anonymous().Do(`{ releaseEvents(after: "garbage") { events { cursor } } }`, nil)
	if r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("bad cursor: code %q, want BAD_USER_INPUT", r.Code())
	}
}

// Clients without websockets subscribe over Server-Sent Events.
func TestReleaseFeedOverSSE(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	body := strings.NewReader(`{"query":"subscription { releaseEvents { kind packageName version } }"}`)
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("SSE content type %q", ct)
	}
	untilSubscriptions(t, env, 1)
	alice.Publish(pkgtest.Tarball(t, "ssepkg", "0.1.0"), nil).MustOK(t)
	done := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data:") && strings.Contains(line, "ssepkg") {
				done <- line
				return
			}
		}
		done <- ""
	}()
	select {
	case line := <-done:
		if !strings.Contains(line, `"version":"0.1.0"`) {
			t.Fatalf("SSE event %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no SSE event within 10 s of the publish")
	}
}

// A query whose Accept header merely mentions text/event-stream (as fetch
// clients' defaults do) is an ordinary JSON POST, not an event stream.
func TestMixedAcceptIsPlainPOST(t *testing.T) {
	env := servertest.New(t)
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { username } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json, text/event-stream")
	r := env.Anonymous().Send(req)
	if r.Status != http.StatusOK || len(r.Errors) > 0 || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		t.Fatalf("status %d, content type %q: %s", r.Status, r.Header.Get("Content-Type"), r.Raw)
	}
}
