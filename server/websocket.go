package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/internal/httpctx"
)

// Subprotocols of GraphQL over websockets: graphql-transport-ws (the
// graphql-ws library's protocol) and the legacy graphql-ws
// (subscriptions-transport-ws). A client that names none gets the legacy one.
const (
	protoTransportWS = "graphql-transport-ws"
	protoLegacyWS    = "graphql-ws"
)

// Close codes of graphql-transport-ws. The reference client treats them as
// terminal; 1000 would make it reconnect at once, in a loop, with a key
// that will never work.
const (
	closeBadMessage      = 4400
	closeUnauthorized    = 4401
	closeForbidden       = 4403
	closeInitTimeout     = 4408
	closeDuplicateID     = 4409
	closeTooManyInits    = 4429
	closeTryAgainLater   = 1013
	closeNormal          = websocket.CloseNormalClosure
	closeGoingAway       = websocket.CloseGoingAway
	maxCloseReason       = 123             // bytes a close frame's reason may hold
	wsWriteTimeout       = 2 * time.Second // a client whose socket takes nothing for this long is cut off
	wsWriters            = 16              // goroutines writing every connection's frames
	wsWriterQueue        = 1 << 16
	wsMaxQueued          = 1024 // frames a connection may have unwritten before it is cut off as too slow
	wsLegacyKeepAlive    = 15 * time.Second
	wsInitTimeoutDefault = 10 * time.Second
)

// wsWriteBuffers is shared by every connection: a buffer is taken for one
// message and returned, so an idle subscriber holds none.
var wsWriteBuffers = &sync.Pool{}

// wsTransport serves GraphQL over websockets. It speaks the protocol itself
// rather than through gqlgen's transport so that it can close with the
// protocol's codes and hand releaseEvents subscriptions to the feeds, which
// render each event once for every subscriber that sees the same thing.
// Per connection it runs one goroutine (the reader, the request's own); the
// writer runs only while frames are queued.
type wsTransport struct {
	// writers is the queue of connections with frames to write, drained
	// by a fixed pool of goroutines: a fan-out to thousands of connections
	// then costs no goroutine per connection and event. A write blocks
	// only when the client left its socket buffers full; wsWriteTimeout
	// bounds that, so a stuck client holds a writer up briefly, once.
	writers     chan *wsConn
	batches     chan []*wsConn // see wsBatch
	allowed     func(*http.Request) bool
	init        transport.WebsocketInitFunc
	feeds       *feeds
	initTimeout time.Duration
	readLimit   int64
}

// Supports implements graphql.Transport.
func (t *wsTransport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// Do implements graphql.Transport.
func (t *wsTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	up := websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		Subprotocols:     []string{protoTransportWS, protoLegacyWS},
		CheckOrigin:      t.allowed,
		ReadBufferSize:   512, // subscribe messages are small; larger ones are read in pieces
		WriteBufferSize:  1024,
		WriteBufferPool:  wsWriteBuffers,
	}
	var hj http.ResponseWriter = w
	var counted *countingHijacker
	if idleWait {
		counted = &countingHijacker{ResponseWriter: w}
		hj = counted
	}
	ws, err := up.Upgrade(hj, r, nil)
	if err != nil {
		return // Upgrade answered the request
	}
	if t.readLimit > 0 {
		ws.SetReadLimit(t.readLimit)
	}
	// The socket outlives the request: net/http cancels the request's
	// context when the handler returns.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	// The request's context holds the response writer, and through it
	// net/http's 8 KiB of buffers for the connection: detach it, keeping
	// the headers resolvers read (the session cookie, the CSRF header).
	headers := httpctx.Detach(ctx, CSRFHeader)
	if headers == nil {
		headers = http.Header{}
	}
	c := &wsConn{
		ws: ws, t: t, exec: exec, ctx: ctx, cancel: cancel, headers: headers,
		legacy: ws.Subprotocol() != protoTransportWS,
		ops:    map[string]*wsOp{},
	}
	if counted != nil && counted.conn != nil {
		// Plain TCP only: a TLS connection buffers records of its own.
		if tc, ok := counted.conn.Conn.(*net.TCPConn); ok {
			if rc, err := tc.SyscallConn(); err == nil {
				c.counted, c.raw = counted.conn, rc
			}
		}
	}
	// A fresh goroutine reads, and the handler's returns: an idle
	// connection then keeps a small stack, not one grown through the
	// middleware, and net/http lets go of its buffers.
	go c.serve()
}

// wsConn is one websocket connection.
type wsConn struct {
	ws      *websocket.Conn
	t       *wsTransport
	exec    graphql.GraphExecutor
	ctx     context.Context // the connection's; cancelled when it closes
	cancel  context.CancelFunc
	headers http.Header
	legacy  bool
	// counted and raw, when set, let the idle reader wait for the socket
	// outside gorilla's reader (websocket_idle.go); consumed is the least
	// the messages read so far took on the wire. Reader only.
	counted  *countingConn
	raw      syscall.RawConn
	consumed int64

	mu      sync.Mutex
	ops     map[string]*wsOp // open operations by id
	queue   []wsFrame
	writing bool // a writer goroutine is draining queue
	closed  bool
	ka      *time.Timer
}

// wsOp is one open operation. It is registered by the reader as soon as
// its subscribe arrives, so duplicates and an early complete are seen in
// order; the goroutine that starts it attaches the function that ends it.
type wsOp struct {
	mu      sync.Mutex
	end     func()
	stopped bool
}

// stop ends the operation from the client's side (or the connection's).
func (op *wsOp) stop() {
	op.mu.Lock()
	op.stopped = true
	end := op.end
	op.mu.Unlock()
	if end != nil {
		end()
	}
}

// attach sets what ends the operation; when it was stopped already, end
// runs now.
func (op *wsOp) attach(end func()) {
	op.mu.Lock()
	if op.stopped {
		op.mu.Unlock()
		end()
		return
	}
	op.end = end
	op.mu.Unlock()
}

// wsFrame is one message waiting to be written. A next/data frame keeps the
// rendered payload apart from the operation id, so the payload can be shared
// by every subscriber of a feed and is never re-encoded.
type wsFrame struct {
	id      string
	payload []byte // rendered once, shared: never modified
	raw     []byte // a whole message (acks, completes, errors)
	end     bool   // SSE: the stream's complete
	// shared, when set, holds the event's whole messages by protocol and
	// id, framed once for every connection that sends the same bytes.
	shared *sharedFrames
}

// sharedFrames are one event's websocket messages, built on first use.
type sharedFrames struct {
	mu     sync.Mutex
	byKind map[sharedKey]*websocket.PreparedMessage
}

type sharedKey struct {
	legacy bool
	id     string
}

func (s *sharedFrames) get(legacy bool, id string, payload []byte) (*websocket.PreparedMessage, error) {
	k := sharedKey{legacy, id}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pm := s.byKind[k]; pm != nil {
		return pm, nil
	}
	var b bytes.Buffer
	b.Grow(len(payload) + len(id) + 40)
	b.WriteString(`{"id":"`)
	writeJSONStringBody(&b, id)
	if legacy {
		b.Write(dataPrefix)
	} else {
		b.Write(nextPrefix)
	}
	b.Write(payload)
	b.WriteByte('}')
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, b.Bytes())
	if err != nil {
		return nil, err
	}
	if s.byKind == nil {
		s.byKind = map[sharedKey]*websocket.PreparedMessage{}
	}
	s.byKind[k] = pm
	return pm, nil
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// serve runs the handshake, then hands the connection to a fresh reader:
// the handshake (authentication, the database) grows a stack that the
// idle reader would otherwise keep for the connection's life.
func (c *wsConn) serve() {
	if !c.handshake() {
		c.shutdown()
		return
	}
	go c.readLoop()
}

// readLoop reads messages until the connection ends. Idle, it is blocked in
// the socket's read with a shallow stack (4 KiB here; 8 KiB when it also
// ran the handshake).
func (c *wsConn) readLoop() {
	defer c.shutdown()
	for {
		if c.raw != nil && c.counted.read == c.consumed {
			// Nothing buffered: wait with a shallow stack.
			if err := waitReadable(c.raw); err != nil {
				return
			}
		}
		m, err := c.read()
		if err != nil {
			if errors.Is(err, errBadMessage) {
				c.closeWith(closeBadMessage, "Invalid message received")
			}
			return
		}
		if !c.handle(m) {
			return
		}
	}
}

// handle acts on one message after the handshake; false ends the connection.
func (c *wsConn) handle(m wsMessage) bool {
	{
		switch m.Type {
		case "connection_init":
			c.closeWith(closeTooManyInits, "Too many initialisation requests")
			return false
		case "subscribe", "start":
			if m.ID == "" || (m.Type == "start") != c.legacy {
				c.closeWith(closeBadMessage, "Invalid message received")
				return false
			}
			op, ok := c.register(m.ID)
			if !ok {
				c.closeWith(closeDuplicateID, truncate("Subscriber for "+m.ID+" already exists", maxCloseReason))
				return false
			}
			// Parsing, validating and starting run on a goroutine of their
			// own, so the reader's stack stays small while it idles.
			go c.start(m, op)
		case "complete", "stop":
			c.mu.Lock()
			op := c.ops[m.ID]
			c.mu.Unlock()
			if op != nil {
				op.stop()
			}
		case "ping":
			c.send(wsFrame{raw: message("", "pong", m.Payload)})
		case "pong":
		case "connection_terminate":
			c.closeWith(closeNormal, "terminated")
			return false
		default:
			c.closeWith(closeBadMessage, "Invalid message received")
			return false
		}
	}
	return true
}

var errBadMessage = errors.New("bad message")

// read returns the next message. Only the serve goroutine reads.
func (c *wsConn) read() (wsMessage, error) {
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return wsMessage{}, err
	}
	c.consumed += minFrameBytes(len(data))
	return decode(data)
}

// decode decodes one protocol message.
func decode(data []byte) (wsMessage, error) {
	var m wsMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return m, errBadMessage
	}
	if m.Type == "" {
		return m, errBadMessage
	}
	return m, nil
}

// handshake waits for connection_init and authenticates it.
func (c *wsConn) handshake() bool {
	timeout := c.t.initTimeout
	if timeout <= 0 {
		timeout = wsInitTimeoutDefault
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(timeout))
	for {
		m, err := c.read()
		if err != nil {
			var ne interface{ Timeout() bool }
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				c.closeWith(closeInitTimeout, "Connection initialisation timeout")
			case errors.Is(err, errBadMessage):
				c.closeWith(closeBadMessage, "Invalid message received")
			}
			return false
		}
		switch m.Type {
		case "connection_init":
		case "ping":
			c.send(wsFrame{raw: message("", "pong", m.Payload)})
			continue
		case "subscribe", "start":
			c.refuse(closeUnauthorized, "Unauthorized")
			return false
		default:
			c.refuse(closeBadMessage, "Invalid message received")
			return false
		}
		var p transport.InitPayload
		if len(m.Payload) > 0 && !bytes.Equal(m.Payload, []byte("null")) {
			if err := json.Unmarshal(m.Payload, &p); err != nil {
				c.refuse(closeBadMessage, "Invalid connection_init payload")
				return false
			}
		}
		ctx, _, err := c.t.init(c.ctx, p)
		if err != nil {
			c.refuse(closeForbidden, "Forbidden: "+err.Error())
			return false
		}
		// The init function derives from the connection's context; keep
		// the cancel of the original.
		c.ctx = ctx
		_ = c.ws.SetReadDeadline(time.Time{})
		c.send(wsFrame{raw: message("", "connection_ack", nil)})
		if c.legacy {
			c.keepAlive()
		}
		return true
	}
}

// refuse ends a connection that was never acknowledged. The legacy protocol
// has no close codes its clients read, so it is told with connection_error
// first.
func (c *wsConn) refuse(code int, reason string) {
	if c.legacy {
		b, _ := json.Marshal(&gqlerror.Error{Message: reason})
		_ = c.ws.SetWriteDeadline(time.Now().Add(time.Second))
		_ = c.ws.WriteMessage(websocket.TextMessage, message("", "connection_error", b))
	}
	c.closeWith(code, reason)
}

// keepAlive sends the legacy protocol's "ka" every few seconds, from a timer
// rather than a goroutine.
func (c *wsConn) keepAlive() {
	c.send(wsFrame{raw: message("", "ka", nil)})
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.ka = time.AfterFunc(wsLegacyKeepAlive, func() {
		c.send(wsFrame{raw: message("", "ka", nil)})
		c.mu.Lock()
		if !c.closed {
			c.ka.Reset(wsLegacyKeepAlive)
		}
		c.mu.Unlock()
	})
}

// register records a new operation id; false for an id already open.
func (c *wsConn) register(id string) (*wsOp, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.ops[id]; dup {
		return nil, false
	}
	op := &wsOp{}
	if c.closed {
		op.stopped = true // whatever it attaches ends at once
	} else {
		c.ops[id] = op
	}
	return op, true
}

// start begins the operation of a subscribe (start) message.
func (c *wsConn) start(m wsMessage, op *wsOp) {
	begin := graphql.Now()
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(m.Payload))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		if c.legacy {
			c.removeOp(m.ID, op)
			c.sendErrors(m.ID, gqlerror.List{{Message: "invalid json"}})
			c.complete(m.ID)
			return
		}
		c.closeWith(closeBadMessage, "Invalid message received")
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: begin, End: graphql.Now()}
	params.Headers = c.headers
	ctx := graphql.StartOperationTrace(c.ctx)
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		if !c.removeOp(m.ID, op) {
			return
		}
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			c.sendErrors(m.ID, resp.Errors)
			if c.legacy {
				c.complete(m.ID)
			}
			return
		}
		c.sendResponse(m.ID, resp)
		c.complete(m.ID)
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	if c.t.feeds != nil && c.t.feeds.subscribe(c, m.ID, op, ctx, rc) {
		return
	}
	c.run(m.ID, op, ctx, rc)
}

// run executes an operation the feeds do not take (queries, mutations,
// subscriptions of another shape)
// on the calling goroutine (start's own).
func (c *wsConn) run(id string, op *wsOp, ctx context.Context, rc *graphql.OperationContext) {
	ctx, cancel := context.WithCancel(ctx)
	op.attach(cancel)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err := rc.Recover(ctx, r)
			c.sendErrors(id, gqlerror.List{{Message: err.Error()}})
		}
		if c.removeOp(id, op) {
			c.complete(id)
		}
	}()
	responses, ctx := c.exec.DispatchOperation(ctx, rc)
	for {
		resp := responses(ctx)
		if resp == nil {
			return
		}
		c.sendResponse(id, resp)
	}
}

// removeOp forgets op; true when it was still open (the caller then owes
// the client its complete).
func (c *wsConn) removeOp(id string, op *wsOp) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops[id] != op || c.closed {
		return false
	}
	delete(c.ops, id)
	return true
}

func (c *wsConn) executor() graphql.GraphExecutor { return c.exec }

func (c *wsConn) sendResponse(id string, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		c.sendErrors(id, gqlerror.List{{Message: "internal error"}})
		return
	}
	c.send(wsFrame{id: id, payload: b})
}

func (c *wsConn) sendErrors(id string, errs gqlerror.List) {
	b, _ := json.Marshal(errs)
	c.send(wsFrame{raw: message(id, "error", b)})
}

func (c *wsConn) complete(id string) { c.send(wsFrame{raw: message(id, "complete", nil)}) }

// send queues f; false when the connection is closed or was just closed for
// being too slow. It never blocks: a feed fans out to thousands of
// connections from one goroutine.
func (c *wsConn) send(f wsFrame) bool {
	ok, schedule := c.enqueue(f)
	if schedule {
		// A writer of the pool takes it; when all are busy and their
		// queue is full, a goroutine of its own.
		select {
		case c.t.writers <- c:
		default:
			go c.flush()
		}
	}
	return ok
}

// enqueue queues f; schedule is true when the caller must see to a flush
// (no writer is draining the queue yet). A feed's fan-out collects those
// and hands them to the writers in a few batches (wsBatch) rather than one
// channel operation and writer wake-up per connection.
func (c *wsConn) enqueue(f wsFrame) (ok, schedule bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false, false
	}
	if len(c.queue) >= wsMaxQueued {
		go c.closeWith(closeTryAgainLater, "subscriber too slow; resume with the last cursor")
		return false, false
	}
	c.queue = append(c.queue, f)
	if c.writing {
		return true, false
	}
	c.writing = true
	return true, true
}

// wsBatch hands connections whose queues enqueue filled to the writers,
// split in as many batches as there are writers (at least 64 connections
// each): every writer flushes its share in turn.
func (t *wsTransport) wsBatch(cs []*wsConn) {
	n := max(64, (len(cs)+wsWriters-1)/wsWriters)
	for len(cs) > 0 {
		b := cs[:min(n, len(cs))]
		cs = cs[len(b):]
		select {
		case t.batches <- b:
		default:
			go flushAll(b)
		}
	}
}

func flushAll(cs []*wsConn) {
	for _, c := range cs {
		c.flush()
	}
}

// flush writes queued frames until the queue is empty, then exits.
func (c *wsConn) flush() {
	var batch []wsFrame
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.closed {
			c.writing = false
			c.queue = nil
			c.mu.Unlock()
			return
		}
		batch, c.queue = c.queue, batch[:0]
		c.mu.Unlock()
		// One deadline per batch: the runtime timer it resets is not free.
		_ = c.ws.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
		for i := range batch {
			if err := c.write(&batch[i]); err != nil {
				c.closeWith(closeGoingAway, "write failed")
				return
			}
			batch[i] = wsFrame{}
		}
	}
}

var (
	nextPrefix = []byte(`","type":"next","payload":`)
	dataPrefix = []byte(`","type":"data","payload":`)
)

// write writes one frame; flush has set the deadline.
func (c *wsConn) write(f *wsFrame) error {
	if f.raw != nil {
		return c.ws.WriteMessage(websocket.TextMessage, f.raw)
	}
	if f.shared != nil {
		pm, err := f.shared.get(c.legacy, f.id, f.payload)
		if err != nil {
			return err
		}
		return c.ws.WritePreparedMessage(pm)
	}
	w, err := c.ws.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	// {"id":"<id>","type":"next","payload":<payload>}
	_, _ = w.Write([]byte(`{"id":"`))
	writeJSONStringBody(w, f.id)
	if c.legacy {
		_, _ = w.Write(dataPrefix)
	} else {
		_, _ = w.Write(nextPrefix)
	}
	_, _ = w.Write(f.payload)
	_, _ = w.Write([]byte{'}'})
	return w.Close()
}

// closeWith sends a close frame with code and ends the connection.
func (c *wsConn) closeWith(code int, reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.queue = nil
	if c.ka != nil {
		c.ka.Stop()
	}
	c.mu.Unlock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, truncate(reason, maxCloseReason)), time.Now().Add(time.Second))
	_ = c.ws.Close()
	c.cancel()
}

// shutdown ends every operation once the reader has stopped.
func (c *wsConn) shutdown() {
	c.closeWith(closeNormal, "")
	c.mu.Lock()
	ops := c.ops
	c.ops = map[string]*wsOp{}
	c.mu.Unlock()
	for _, op := range ops {
		op.stop()
	}
}

// message encodes a whole protocol message.
func message(id, typ string, payload json.RawMessage) []byte {
	b, _ := json.Marshal(wsMessage{ID: id, Type: typ, Payload: payload})
	return b
}

// writeJSONStringBody writes s as the inside of a JSON string.
func writeJSONStringBody(w interface{ Write([]byte) (int, error) }, s string) {
	if !strings.ContainsAny(s, "\"\\<>&") && isPrintableASCII(s) {
		_, _ = w.Write([]byte(s))
		return
	}
	b, _ := json.Marshal(s)
	_, _ = w.Write(b[1 : len(b)-1])
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && s[len(s)-1]&0xc0 == 0x80 { // do not cut a UTF-8 sequence
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1]&0xc0 == 0xc0 {
		s = s[:len(s)-1]
	}
	return s
}

// websocketTransport is the GraphQL websocket transport of s.
func (s *Server) websocketTransport(readLimit int64) *wsTransport {
	fs := newFeeds(events.Log{DB: s.DB.Client}.Head, s.Bus, 0,
		func(d int) { s.metrics.subscriptions.Add(float64(d)) }, s.Log)
	t := &wsTransport{allowed: s.allowedOrigin, init: s.wsInit, feeds: fs, initTimeout: 10 * time.Second, readLimit: readLimit,
		writers: make(chan *wsConn, wsWriterQueue), batches: make(chan []*wsConn, 4*wsWriters)}
	for range wsWriters {
		go func() {
			for {
				select {
				case c := <-t.writers:
					c.flush()
				case b := <-t.batches:
					flushAll(b)
				}
			}
		}()
	}
	return t
}
