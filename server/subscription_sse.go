package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// sseFeeds serves releaseEvents subscriptions over Server-Sent Events
// through the feeds, like websockets: each event is rendered once per
// cohort and written as is. Every other operation goes to the SSE
// transport it wraps.
type sseFeeds struct {
	sseTransport
	feeds *feeds
}

// Do implements graphql.Transport.
func (t sseFeeds) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	flusher, ok := w.(http.Flusher)
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !ok || err != nil || t.feeds == nil {
		t.sseTransport.Do(w, r, exec)
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(params) != nil {
		t.sseTransport.Do(w, r, exec)
		return
	}
	params.Headers = r.Header
	ctx := graphql.StartOperationTrace(r.Context())
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		t.sseTransport.Do(w, r, exec)
		return
	}
	if _, ok := feedField(rc); !ok {
		t.sseTransport.Do(w, r, exec)
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Connection", "keep-alive")
	w.Header().Set("Content-Type", "text/event-stream")
	_, _ = io.WriteString(w, ":\n\n")
	flusher.Flush()

	op := &wsOp{}
	c := &sseConn{exec: exec, op: op, wake: make(chan struct{}, 1)}
	t.feeds.subscribe(c, "", op, ctx, rc)
	for {
		select {
		case <-r.Context().Done():
			op.stop()
			c.close()
			return
		case <-c.wake:
		}
		frames, ended := c.take()
		for _, f := range frames {
			switch {
			case f.end:
				_, _ = io.WriteString(w, "event: complete\n\n")
			case f.payload != nil:
				_, _ = io.WriteString(w, "event: next\ndata: ")
				_, _ = w.Write(f.payload)
				_, _ = io.WriteString(w, "\n\n")
			}
		}
		flusher.Flush()
		if ended {
			return
		}
	}
}

// sseConn is the feed member side of one SSE response; the request's
// goroutine writes what it queues.
type sseConn struct {
	exec graphql.GraphExecutor
	wake chan struct{}

	mu     sync.Mutex
	op     *wsOp
	queue  []wsFrame
	closed bool
	ended  bool // complete is queued
}

func (c *sseConn) executor() graphql.GraphExecutor { return c.exec }

func (c *sseConn) send(f wsFrame) bool {
	c.mu.Lock()
	if c.closed || c.ended {
		c.mu.Unlock()
		return false
	}
	if len(c.queue) >= wsMaxQueued {
		// Too slow: end it; the client resumes with its last cursor.
		c.ended = true
		c.queue = append(c.queue[:0], wsFrame{end: true})
	} else {
		c.queue = append(c.queue, f)
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

func (c *sseConn) sendErrors(_ string, errs gqlerror.List) {
	b, _ := json.Marshal(struct {
		Errors gqlerror.List `json:"errors"`
	}{errs})
	c.send(wsFrame{payload: b})
}

func (c *sseConn) complete(string) {
	c.send(wsFrame{end: true})
	c.mu.Lock()
	c.ended = true
	c.mu.Unlock()
}

func (c *sseConn) removeOp(_ string, op *wsOp) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.op != op {
		return false
	}
	c.op = nil
	return true
}

func (c *sseConn) close() {
	c.mu.Lock()
	c.closed = true
	c.queue = nil
	c.mu.Unlock()
}

// take returns the queued frames and whether complete is among them.
func (c *sseConn) take() ([]wsFrame, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = nil
	ended := false
	for _, f := range q {
		ended = ended || f.end
	}
	return q, ended
}
