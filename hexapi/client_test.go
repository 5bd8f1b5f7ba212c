package hexapi_test

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/depot-registry/depot/hexapi/etf"
	"github.com/depot-registry/depot/internal/hexcore"
	"github.com/depot-registry/depot/server/servertest"
)

// The tests drive hex_core's own API client, the r3_hex_api_* modules in
// Debian's rebar3 (the library behind `rebar3 hex`), against a running
// Depot: what they assert is what that client sends and decodes, not our
// reading of hexpm's code. testdata/hex_client.erl is the Erlang side.

var (
	clientOnce sync.Once
	clientDir  string
	clientErr  error
)

// clientEbin compiles testdata/hex_client.erl once per test binary.
func clientEbin(t *testing.T) string {
	t.Helper()
	clientOnce.Do(func() {
		erlc, err := exec.LookPath("erlc")
		if err != nil {
			clientErr = fmt.Errorf("erlc not found: %w; %s", err, hexcore.InstallHint)
			return
		}
		src, _ := filepath.Abs("testdata/hex_client.erl")
		clientDir, clientErr = os.MkdirTemp("", "depot-hex-client-")
		if clientErr != nil {
			return
		}
		if out, err := exec.Command(erlc, "-o", clientDir, src).CombinedOutput(); err != nil {
			clientErr = fmt.Errorf("erlc: %v: %s", err, out)
		}
	})
	if clientErr != nil {
		t.Fatal(clientErr)
	}
	return clientDir
}

// hexClient is one hex_core configuration: the server, a key and, for an
// organization's repository, api_repository (the /repos/ORG prefix) and
// api_organization.
type hexClient struct {
	t    *testing.T
	env  *servertest.Env
	key  string
	repo string
	// otp, when set, is sent in x-hex-otp through hex_core's
	// http_headers (the client has no option of its own for it).
	otp string
}

func newClient(t *testing.T, env *servertest.Env, key string) hexClient {
	return hexClient{t: t, env: env, key: key}
}

// in is c for an organization's repository.
func (c hexClient) in(org string) hexClient { c.repo = org; return c }

// response is what hex_core returned: {ok, {Status, Headers, Body}} or
// {error, Reason}.
type response struct {
	Status  int
	Headers map[string]any
	Body    any
	Err     any
}

// bin is an Erlang binary literal of s.
func bin(s string) string { return hexcore.Binary([]byte(s)) }

// call runs Module:Function(Config, Args...) in hex_core and decodes what
// it returned.
func (c hexClient) call(module, function string, args ...string) response {
	c.t.Helper()
	over := []string{"api_url => " + bin(c.env.URL+"/api")}
	if c.key != "" {
		over = append(over, "api_key => "+bin(c.key))
	}
	if c.repo != "" {
		over = append(over, "api_repository => "+bin(c.repo), "api_organization => "+bin(c.repo))
	}
	if c.otp != "" {
		over = append(over, "http_headers => #{<<\"x-hex-otp\">> => "+bin(c.otp)+"}")
	}
	expr := fmt.Sprintf("code:add_patha(%q), hex_client:run(#{%s}, %s, %s, [%s])",
		clientEbin(c.t), strings.Join(over, ", "), module, function, strings.Join(args, ", "))
	out := strings.TrimSpace(hexcore.Eval(c.t, expr))
	raw, err := hex.DecodeString(out)
	if err != nil {
		c.t.Fatalf("hex_core printed %q, not hex: %v", out, err)
	}
	v, err := etf.Decode(raw, etf.Options{MaxSize: 64 << 20, MaxDepth: 64})
	if err != nil {
		c.t.Fatalf("decode hex_core's result: %v", err)
	}
	tup, ok := v.(etf.Tuple)
	if !ok || len(tup) != 2 {
		c.t.Fatalf("hex_core returned %#v", v)
	}
	if tup[0] == etf.Atom("error") {
		return response{Err: tup[1]}
	}
	inner, ok := tup[1].(etf.Tuple)
	if !ok || len(inner) != 3 {
		c.t.Fatalf("hex_core returned %#v", v)
	}
	headers, _ := inner[1].(map[string]any)
	return response{Status: int(inner[0].(int64)), Headers: headers, Body: inner[2]}
}

// want fails unless r has status.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("hex_core error %#v, want status %d", r.Err, status)
	}
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %#v", r.Status, status, r.Body)
	}
	return r
}

// m is the body as a map.
func (r response) m(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.Body.(map[string]any)
	if !ok {
		t.Fatalf("body %#v is not a map", r.Body)
	}
	return m
}

// list is the body as a list of maps.
func (r response) list(t *testing.T) []map[string]any {
	t.Helper()
	l, ok := r.Body.([]any)
	if !ok {
		t.Fatalf("body %#v is not a list", r.Body)
	}
	out := make([]map[string]any, len(l))
	for i, x := range l {
		if out[i], ok = x.(map[string]any); !ok {
			t.Fatalf("element %d %#v is not a map", i, x)
		}
	}
	return out
}

// message is the error body's message.
func (r response) message(t *testing.T) string {
	t.Helper()
	s, _ := r.m(t)["message"].(string)
	return s
}
