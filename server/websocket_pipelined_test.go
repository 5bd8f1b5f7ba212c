package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/depot-registry/depot/server/servertest"
)

// clientFrame is one masked client frame (payload under 126 bytes).
func clientFrame(opcode byte, payload string) []byte {
	mask := [4]byte{0x12, 0x34, 0x56, 0x78}
	b := []byte{0x80 | opcode, 0x80 | byte(len(payload)), mask[0], mask[1], mask[2], mask[3]}
	for i := 0; i < len(payload); i++ {
		b = append(b, payload[i]^mask[i%4])
	}
	return b
}

// The idle reader waits for the socket outside gorilla's reader; messages
// that arrive together in one segment, behind a control frame or after the
// reader went idle are all answered.
func TestWebsocketPipelinedMessages(t *testing.T) {
	env := servertest.New(t)
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial(strings.Replace(env.URL, "http", "ws", 1)+"/graphql", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	pongs := 0
	c.SetPongHandler(func(string) error { pongs++; return nil })
	// connection_init and a ping in one write: the ack, then the pong.
	raw := append(clientFrame(websocket.TextMessage, `{"type":"connection_init"}`), clientFrame(websocket.TextMessage, `{"type":"ping"}`)...)
	if _, err := c.NetConn().Write(raw); err != nil {
		t.Fatal(err)
	}
	want := func(typ string) {
		t.Helper()
		var m wsMsg
		if err := c.ReadJSON(&m); err != nil || m.Type != typ {
			t.Fatalf("want %s, got %+v, %v", typ, m, err)
		}
	}
	want("connection_ack")
	want("pong")
	// Two pings in one write, once the reader is idle.
	if _, err := c.NetConn().Write(append(clientFrame(websocket.TextMessage, `{"type":"ping"}`), clientFrame(websocket.TextMessage, `{"type":"ping","payload":{}}`)...)); err != nil {
		t.Fatal(err)
	}
	want("pong")
	want("pong")
	// A control ping, then a message, in one write: both answered.
	if _, err := c.NetConn().Write(append(clientFrame(websocket.PingMessage, "hi"), clientFrame(websocket.TextMessage, `{"type":"ping"}`)...)); err != nil {
		t.Fatal(err)
	}
	want("pong")
	if pongs != 1 {
		t.Fatalf("%d control pongs, want 1", pongs)
	}
	// And one more on its own: nothing is left waiting behind the control frame.
	if err := c.WriteJSON(map[string]any{"type": "ping"}); err != nil {
		t.Fatal(err)
	}
	want("pong")
}
