package rebar3test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Front is an HTTP server in front of a Depot handler that records what
// the client asked and can corrupt chosen responses, so tests can count
// 304s and check that the client refuses altered bytes.
type Front struct {
	URL string

	mu      sync.Mutex
	log     []Request
	tamper  map[string][]Where
	handler http.Handler
}

// Request is one recorded request.
type Request struct {
	Method, Path string
	Status       int
	// Auth is the Authorization header as the client sent it.
	Auth string
}

// NewFront starts a front for h, closed when the test ends.
func NewFront(t testing.TB, h http.Handler) *Front {
	f := &Front{tamper: map[string][]Where{}, handler: h}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func (f *Front) serve(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w}
	f.mu.Lock()
	if q := f.tamper[r.URL.Path]; len(q) > 0 && r.Method == http.MethodGet && r.Header.Get("If-None-Match") == "" {
		rec.corrupt, rec.where = true, q[0]
		f.tamper[r.URL.Path] = q[1:]
	}
	f.mu.Unlock()
	auth := r.Header.Get("Authorization")
	f.handler.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	f.mu.Lock()
	f.log = append(f.log, Request{Method: r.Method, Path: r.URL.Path, Status: rec.status, Auth: auth})
	f.mu.Unlock()
}

// Where says which byte of a response Tamper alters: a byte offset, or
// Middle.
type Where int

// Bytes Tamper can alter.
const (
	// Middle is the middle byte: inside a package tarball's
	// contents.tar.gz, so the inner checksum breaks.
	Middle Where = -1
	// VersionPadding is in the zero padding after the tarball's first
	// entry (VERSION, one byte of data at offset 512): tar readers skip
	// it and no inner checksum covers it, so only the outer checksum
	// (of the whole file) can notice.
	VersionPadding Where = 1000
)

// Tamper makes the next unconditional GET of path carry one altered byte
// (same length, same headers, same ETag): what a broken mirror or an
// attacker in the middle would serve.
func (f *Front) Tamper(path string, where Where) {
	f.mu.Lock()
	f.tamper[path] = append(f.tamper[path], where)
	f.mu.Unlock()
}

// Reset forgets the recorded requests.
func (f *Front) Reset() {
	f.mu.Lock()
	f.log = nil
	f.mu.Unlock()
}

// Requests returns the recorded requests whose path starts with prefix.
func (f *Front) Requests(prefix string) []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Request
	for _, r := range f.log {
		if strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// Count is the number of recorded requests with path prefix and status.
func (f *Front) Count(prefix string, status int) int {
	n := 0
	for _, r := range f.Requests(prefix) {
		if r.Status == status {
			n++
		}
	}
	return n
}

type recorder struct {
	http.ResponseWriter
	status  int
	corrupt bool
	where   Where
	written int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.corrupt && r.status == http.StatusOK {
		total, err := strconv.Atoi(r.Header().Get("Content-Length"))
		if err != nil {
			total = len(b)
		}
		at := int(r.where)
		if r.where == Middle {
			at = total / 2
		}
		if i := at - r.written; i >= 0 && i < len(b) {
			c := append([]byte(nil), b...)
			c[i] ^= 0xff
			r.corrupt = false
			b = c
		}
	}
	n, err := r.ResponseWriter.Write(b)
	r.written += n
	return n, err
}
