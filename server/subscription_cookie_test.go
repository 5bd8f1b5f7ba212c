package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/depot-registry/depot/server/servertest"
)

// A websocket lets go of its upgrade request (and net/http's buffers) once
// it is open, but a cookie-authenticated socket still acts as its user, and
// a browser mutation over it is still refused without the CSRF header,
// changing nothing.
func TestCookieWebsocketKeepsViewerAndCSRF(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	u, _ := url.Parse(env.URL)
	h := http.Header{}
	for _, c := range alice.HTTP.Jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	if h.Get("Cookie") == "" {
		t.Fatal("no session cookie after sign-up")
	}
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial(strings.Replace(env.URL, "http", "ws", 1)+"/graphql", h)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := c.WriteJSON(map[string]any{"type": "connection_init"}); err != nil {
		t.Fatal(err)
	}
	var ack wsMsg
	if err := c.ReadJSON(&ack); err != nil || ack.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %+v, %v", ack, err)
	}
	op := func(id, query string) string {
		t.Helper()
		if err := c.WriteJSON(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query}}); err != nil {
			t.Fatal(err)
		}
		var m wsMsg
		if err := c.ReadJSON(&m); err != nil || m.Type != "next" || m.ID != id {
			t.Fatalf("want next for %s, got %+v, %v", id, m, err)
		}
		var done wsMsg
		if err := c.ReadJSON(&done); err != nil || done.Type != "complete" || done.ID != id {
			t.Fatalf("want complete for %s, got %+v, %v", id, done, err)
		}
		return string(m.Payload)
	}
	if got := op("1", `{ viewer { username } }`); !strings.Contains(got, `"username":"alice"`) {
		t.Fatalf("viewer over the cookie socket: %s", got)
	}
	if got := op("2", `mutation { signOut { ok } }`); !strings.Contains(got, "X-Depot-CSRF") || !strings.Contains(got, `"code":"FORBIDDEN"`) {
		t.Fatalf("mutation without the CSRF header over the cookie socket: %s", got)
	}
	// Nothing changed: the session still works.
	r := alice.Do(`{ viewer { username } }`, nil)
	if !strings.Contains(string(r.Raw), `"username":"alice"`) {
		t.Fatalf("session after the refused sign-out: %s", r.Raw)
	}
}
