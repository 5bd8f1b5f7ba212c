package server_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server/servertest"
)

// dialRaw opens a subscription socket without initialising it.
func dialRaw(t *testing.T, env *servertest.Env, protocol string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{protocol}, HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial(strings.Replace(env.URL, "http", "ws", 1)+"/graphql", http.Header{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t *testing.T, c *websocket.Conn, m map[string]any) {
	t.Helper()
	if err := c.WriteJSON(m); err != nil {
		t.Fatal(err)
	}
}

func initAck(t *testing.T, c *websocket.Conn, payload map[string]any) {
	t.Helper()
	send(t, c, map[string]any{"type": "connection_init", "payload": payload})
	var ack wsMsg
	if err := c.ReadJSON(&ack); err != nil || ack.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %+v, %v", ack, err)
	}
}

var feedSubscribe = map[string]any{"query": `subscription { releaseEvents { cursor version } }`}

// Every protocol violation of graphql-transport-ws ends the connection with
// the protocol's own close code, which the reference client treats as
// final; none of them is a 1000 it would reconnect after at once.
func TestWebsocketCloseCodes(t *testing.T) {
	env := servertest.New(t)
	for _, tc := range []struct {
		name string
		code int
		run  func(t *testing.T, c *websocket.Conn)
	}{
		{"invalid key in connection_init", 4403, func(t *testing.T, c *websocket.Conn) {
			send(t, c, map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer dpt_not_a_key"}})
		}},
		{"malformed authorization", 4403, func(t *testing.T, c *websocket.Conn) {
			send(t, c, map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Basic abc"}})
		}},
		{"subscribe before ack", 4401, func(t *testing.T, c *websocket.Conn) {
			send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": feedSubscribe})
		}},
		{"second connection_init", 4429, func(t *testing.T, c *websocket.Conn) {
			initAck(t, c, nil)
			send(t, c, map[string]any{"type": "connection_init"})
		}},
		{"duplicate subscription id", 4409, func(t *testing.T, c *websocket.Conn) {
			initAck(t, c, nil)
			send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": feedSubscribe})
			send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": feedSubscribe})
		}},
		{"not JSON", 4400, func(t *testing.T, c *websocket.Conn) {
			initAck(t, c, nil)
			if err := c.WriteMessage(websocket.TextMessage, []byte("{nope")); err != nil {
				t.Fatal(err)
			}
		}},
		{"unknown message type", 4400, func(t *testing.T, c *websocket.Conn) {
			initAck(t, c, nil)
			send(t, c, map[string]any{"type": "bogus"})
		}},
		{"subscribe without id", 4400, func(t *testing.T, c *websocket.Conn) {
			initAck(t, c, nil)
			send(t, c, map[string]any{"type": "subscribe", "payload": feedSubscribe})
		}},
		{"no connection_init in time", 4408, func(t *testing.T, c *websocket.Conn) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, env, "graphql-transport-ws")
			tc.run(t, c)
			if got := closedWith(t, c); got != tc.code {
				t.Fatalf("close code %d, want %d", got, tc.code)
			}
		})
	}
}

// The legacy protocol's clients read connection_error, not close codes: it
// still comes first.
func TestLegacyWebsocketRefusalSendsConnectionError(t *testing.T) {
	env := servertest.New(t)
	c := dialRaw(t, env, "graphql-ws")
	send(t, c, map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer dpt_not_a_key"}})
	var m wsMsg
	if err := c.ReadJSON(&m); err != nil || m.Type != "connection_error" || !strings.Contains(string(m.Payload), "API key") {
		t.Fatalf("first message %+v, %v; want connection_error naming the key", m, err)
	}
	if got := closedWith(t, c); got != 4403 {
		t.Fatalf("close code %d, want 4403", got)
	}
}

// A revoked key's open subscriptions end at once, on every instance, with
// UNAUTHENTICATED then complete, before any event committed after the
// revocation reaches them; other subscribers of the same feed go on.
func TestRevokedKeyEndsSubscriptionsEverywhere(t *testing.T) {
	url := testdb.URL(t)
	a := servertest.NewOnDatabase(t, url)
	b := a
	if testdb.Postgres() {
		b = servertest.NewOnDatabase(t, url) // a second instance: the revocation crosses the bus
	}
	alice := a.SignUp("alice")
	secret, id := createKey(t, alice, "api:read")
	init := map[string]any{"authorization": "Bearer " + secret}
	onA := dialFeed(t, a, "graphql-transport-ws", nil, init, "")
	onB := dialFeed(t, b, "graphql-ws", nil, init, "")
	bystander := dialFeed(t, b, "graphql-transport-ws", nil, nil, "")
	untilSubscriptions(t, a, map[bool]int{true: 3, false: 1}[a == b])
	untilSubscriptions(t, b, map[bool]int{true: 3, false: 2}[a == b])

	alice.Do(`mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } } }`, map[string]any{"id": id}).MustOK(t)
	alice.Publish(pkgtest.Tarball(t, "after_revoke", "1.0.0"), nil).MustOK(t)
	for name, c := range map[string]*websocket.Conn{"A": onA, "B": onB} {
		if got := untilEnded(t, c, "UNAUTHENTICATED"); len(got) > 0 {
			t.Fatalf("revoked key's subscription on %s received %+v", name, got)
		}
	}
	if e := next(t, bystander); e.Version != "1.0.0" {
		t.Fatalf("bystander got %+v", e)
	}
}

// Server-Sent Events subscribers take the same path: a revoked key's stream
// ends with UNAUTHENTICATED, then complete, before the next event.
func TestRevokedKeyEndsSSEStream(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	secret, id := createKey(t, alice, "api:read")
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", strings.NewReader(`{"query":"subscription { releaseEvents { version } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	untilSubscriptions(t, env, 1)

	alice.Do(`mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } } }`, map[string]any{"id": id}).MustOK(t)
	alice.Publish(pkgtest.Tarball(t, "after_revoke", "1.0.0"), nil).MustOK(t)
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l := sc.Text(); l != "" && !strings.HasPrefix(l, ":") {
				lines <- l
			}
		}
	}()
	var got []string
	for l := range lines {
		got = append(got, l)
		if l == "event: complete" {
			break
		}
	}
	if len(got) != 3 || got[0] != "event: next" || !strings.Contains(got[1], `"code":"UNAUTHENTICATED"`) || strings.Contains(got[1], "after_revoke") {
		t.Fatalf("stream after revocation: %q; want the UNAUTHENTICATED error, then complete", got)
	}
}

// A connection authenticated before its key was revoked cannot open a
// subscription afterwards, although it was acknowledged with the key.
func TestRevokedKeyCannotSubscribeOnOpenConnection(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	secret, id := createKey(t, alice, "api:read")
	c := dialRaw(t, env, "graphql-transport-ws")
	initAck(t, c, map[string]any{"authorization": "Bearer " + secret})
	alice.Do(`mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } } }`, map[string]any{"id": id}).MustOK(t)
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": feedSubscribe})
	if got := untilEnded(t, c, "UNAUTHENTICATED"); len(got) > 0 {
		t.Fatalf("revoked key subscribed and received %+v", got)
	}
}
