package breachtest

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Request is what the fake server received, kept whole so tests can prove
// that nothing but the hash prefix was sent.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// Server is a fake Pwned Passwords range API on 127.0.0.1. Point
// breach.NewHIBP (or DEPOT_HIBP_URL) at its URL.
type Server struct {
	*httptest.Server

	// PaddingLines is how many "SUFFIX:0" lines are added to a response
	// when the client sends Add-Padding: true, as the real service does.
	PaddingLines int

	counts map[string]map[string]int // prefix -> suffix -> count, immutable

	mu       sync.Mutex
	requests []Request
}

var rangePath = regexp.MustCompile(`^/range/[0-9A-F]{5}$`)

// NewServer starts a server that knows the given passwords as breached,
// each seen 42 times. It is closed when the test ends.
func NewServer(t testing.TB, breached ...string) *Server {
	t.Helper()
	s := &Server{PaddingLines: 100, counts: make(map[string]map[string]int)}
	for _, p := range breached {
		sum := sha1.Sum([]byte(p))
		d := strings.ToUpper(hex.EncodeToString(sum[:]))
		if s.counts[d[:5]] == nil {
			s.counts[d[:5]] = make(map[string]int)
		}
		s.counts[d[:5]][d[5:]] = 42
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body,
	})
	s.mu.Unlock()

	if r.Method != http.MethodGet || !rangePath.MatchString(r.URL.Path) {
		http.Error(w, "The hash prefix was not in a valid format", http.StatusBadRequest)
		return
	}
	prefix := strings.TrimPrefix(r.URL.Path, "/range/")
	w.Header().Set("Content-Type", "text/plain")
	for suffix, n := range s.counts[prefix] {
		fmt.Fprintf(w, "%s:%d\r\n", suffix, n)
	}
	if r.Header.Get("Add-Padding") == "true" {
		for range s.PaddingLines {
			fmt.Fprintf(w, "%s:0\r\n", randomSuffix())
		}
	}
}

func randomSuffix() string {
	b := make([]byte, 18)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))[:35]
}
