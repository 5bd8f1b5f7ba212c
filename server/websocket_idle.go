//go:build linux || darwin

package server

import (
	"bufio"
	"net"
	"net/http"
	"syscall"
)

// An idle websocket reader blocked inside gorilla's ReadMessage keeps the
// stack that call chain needs (8 KiB with the runtime's adaptive starting
// size). Instead, when nothing read from the socket is still unconsumed,
// the reader waits for the socket to become readable in a shallow call
// (syscall.RawConn.Read), whose stack the runtime shrinks to 4 KiB, and
// calls ReadMessage only when bytes are there.

// countingConn counts the bytes read from the socket (by gorilla's reader).
// Only the connection's reading goroutine uses it.
type countingConn struct {
	net.Conn
	read int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read += int64(n)
	return n, err
}

// countingHijacker hands gorilla's Upgrade a countingConn.
type countingHijacker struct {
	http.ResponseWriter
	conn *countingConn
}

func (h *countingHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = &countingConn{Conn: conn}
	return h.conn, brw, nil
}

// minFrameBytes is the least a client's frames can have taken on the wire
// to carry a message of n bytes: one masked frame with the shortest length
// encoding. Control frames and fragments take more, so the bytes read but
// not accounted for are never fewer than those gorilla holds buffered.
func minFrameBytes(n int) int64 {
	h := 2 + 4
	switch {
	case n >= 1<<16:
		h += 8
	case n >= 126:
		h += 2
	}
	return int64(h + n)
}

const idleWait = true

// waitReadable blocks until the socket has bytes (or an end or error) to
// read, without consuming any.
func waitReadable(rc syscall.RawConn) error {
	var b [1]byte
	return rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN && err != syscall.EWOULDBLOCK
	})
}
