//go:build !(linux || darwin)

package server

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"syscall"
)

// Elsewhere the reader waits in ReadMessage (see websocket_idle.go).
const idleWait = false

type countingConn struct {
	net.Conn
	read int64
}

type countingHijacker struct {
	http.ResponseWriter
	conn *countingConn
}

func (h *countingHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(h.ResponseWriter).Hijack()
}

func minFrameBytes(n int) int64 { return 0 }

func waitReadable(syscall.RawConn) error { return errors.ErrUnsupported }
