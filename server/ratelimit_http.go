package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/apperr"
)

// A GraphQL answer whose errors include RATE_LIMITED goes out as HTTP 429
// with Retry-After, as docs/API.md promises, like the per-client budget's
// refusals: clients and proxies that back off on 429 then back off here
// too. The operation's interceptor (rateLimitedStatus) notes the wait in the
// request's retryHint; the response writer (retryWriter) applies it when
// the status is written, which gqlgen does after the operation has run.

type retryHintKey struct{}

// retryHint is the longest wait, in seconds, of a request's RATE_LIMITED
// errors (0: none).
type retryHint struct{ secs atomic.Int64 }

func (h *retryHint) note(secs int) {
	for {
		old := h.secs.Load()
		if int64(secs) <= old || h.secs.CompareAndSwap(old, int64(secs)) {
			return
		}
	}
}

// withRetryHint wraps a GraphQL request (not a websocket: its errors are
// protocol messages, and it has no status to set).
func withRetryHint(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	if r.URL.Path != "/graphql" || r.Header.Get("Upgrade") != "" {
		return w, r
	}
	h := &retryHint{}
	return &retryWriter{ResponseWriter: w, hint: h}, r.WithContext(context.WithValue(r.Context(), retryHintKey{}, h))
}

// defaultRetrySeconds is the wait announced for a RATE_LIMITED error that
// carries none.
const defaultRetrySeconds = 60

// rateLimitedStatus is a gqlgen response interceptor noting the wait of
// every RATE_LIMITED error of the response.
func (s *Server) rateLimitedStatus(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	h, _ := ctx.Value(retryHintKey{}).(*retryHint)
	if resp == nil || h == nil {
		return resp
	}
	for _, e := range resp.Errors {
		if code, _ := e.Extensions["code"].(string); code != string(apperr.RateLimited) {
			continue
		}
		secs := defaultRetrySeconds
		var l *account.Limited
		if errors.As(e, &l) {
			secs = l.Seconds()
		}
		h.note(secs)
	}
	return resp
}

// retryWriter turns a 200 into 429 with Retry-After when the hint is set.
type retryWriter struct {
	http.ResponseWriter
	hint  *retryHint
	wrote bool
}

func (w *retryWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		if secs := w.hint.secs.Load(); secs > 0 && code == http.StatusOK {
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
			code = http.StatusTooManyRequests
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *retryWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher for SSE subscriptions.
func (w *retryWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *retryWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
