package hexapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depot-registry/depot/hexapi/etf"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// Credentials hex_core might send: none, a wrong key, a revoked key, a key
// without the scope. Each publish is refused with hexpm's status and
// nothing changes.
func TestPublishRefusedCredentials(t *testing.T) {
	w := newWorld(t)
	w.publish(pkgtest.Tarball(t, "owned", "1.0.0"))
	revoked := w.alice.WithKey("api:write")
	var out struct {
		APIKeys []struct {
			ID   string
			Name string
		}
	}
	w.alice.Do(`{ apiKeys { id name } }`, nil).MustOK(t).Decode(t, &out)
	w.alice.Do(`mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } } }`, map[string]any{"id": out.APIKeys[0].ID}).MustOK(t)
	tb := pkgtest.Tarball(t, "owned", "1.1.0")
	cases := []struct {
		name, key string
		status    int
	}{
		{"no key", "", 401},
		{"wrong key", "dpk_notakeyatall", 401},
		{"revoked key", revoked.Key, 401},
		{"read-only key", w.alice.WithKey("api:read").Key, 403},
		{"key for another package", w.alice.WithKey("package:other").Key, 403},
		{"not an owner", w.bobKey, 403},
		{"garbage header", "Token abc", 401},
	}
	// A password from a web page (the browser resends a cached Basic
	// password with another site's form) is refused.
	status, _, _ := raw(t, w.env, "POST", "/api/keys", basicKey("alice", servertest.Password("alice")), "application/json", "", []byte(`{"name":"csrf"}`), "Origin", "http://evil.example")
	if status != 403 {
		t.Errorf("Basic with a foreign Origin: %d, want 403", status)
	}
	before := state(t, w.env)
	for _, c := range cases {
		r := newClient(t, w.env, c.key).call("r3_hex_api_release", "publish", bin(string(tb)))
		if r.Status != c.status {
			t.Errorf("%s: status %d, want %d (%#v)", c.name, r.Status, c.status, r.Body)
		}
		if c.status == 401 && r.Headers["www-authenticate"] == nil {
			t.Errorf("%s: 401 without www-authenticate", c.name)
		}
	}
	unchanged(t, w.env, before, "refused publishes")
	// A package key does publish its own package.
	newClient(t, w.env, w.alice.WithKey("package:owned").Key).call("r3_hex_api_release", "publish", bin(string(tb))).want(t, 201)
}

// Bodies a Hex client would never send, each answered 4xx with a decodable
// error and no change: malformed Erlang terms, JSON labelled as Erlang
// terms, atoms where binaries belong.
func TestMalformedBodies(t *testing.T) {
	w := newWorld(t)
	w.publish(pkgtest.Tarball(t, "target", "1.0.0"))
	good, _ := etf.Encode(map[string]any{"reason": "security", "message": "why not"})
	deep := []byte{131}
	for range 100 {
		deep = append(deep, 108, 0, 0, 0, 1) // a list holding a list ...
	}
	deep = append(deep, 106)
	for range 100 {
		deep = append(deep, 106)
	}
	atomReason, _ := etf.Encode(map[string]any{"reason": etf.Atom("security")})
	nulMessage, _ := etf.Encode(map[string]any{"reason": "security", "message": "bad\x00byte"})
	badUTF8, _ := etf.Encode(map[string]any{"reason": "security", "message": "bad \xff byte"})
	cases := []struct {
		name, contentType string
		body              []byte
		status            int
	}{
		{"truncated", "application/vnd.hex+erlang", good[:len(good)-3], 400},
		{"wrong version byte", "application/vnd.hex+erlang", append([]byte{130}, good[1:]...), 400},
		{"length past the body", "application/vnd.hex+erlang", []byte{131, 116, 0, 0, 0, 9, 109, 0xff, 0xff, 0xff, 0xff}, 400},
		{"nesting past the bound", "application/vnd.hex+erlang", deep, 400},
		{"json as erlang", "application/vnd.hex+erlang", []byte(`{"reason":"security"}`), 400},
		{"atom for a binary", "application/vnd.hex+erlang", atomReason, 422},
		{"NUL in a message", "application/vnd.hex+erlang", nulMessage, 422},
		{"invalid UTF-8 in a message", "application/vnd.hex+erlang", badUTF8, 422},
		{"unknown content type", "text/plain", []byte("reason=security"), 400},
		{"malformed json", "application/json", []byte(`{"reason":`), 400},
	}
	before := state(t, w.env)
	for _, c := range cases {
		for _, accept := range []string{"application/vnd.hex+erlang", "application/json"} {
			status, header, body := raw(t, w.env, "POST", "/api/packages/target/releases/1.0.0/retire", w.aliceKey, c.contentType, accept, c.body)
			if status != c.status {
				t.Errorf("%s (%s): status %d, want %d: %q", c.name, accept, status, c.status, body)
				continue
			}
			m := decodeError(t, header, body)
			if m["message"] == "" || m["status"] == nil {
				t.Errorf("%s: error body %#v", c.name, m)
			}
		}
	}
	// A NUL or control character in the path or a query parameter is
	// refused the same way on both databases (PostgreSQL cannot store it).
	for _, path := range []string{"/api/packages/tar%00get", "/api/packages?search=a%00b", "/api/users/bo%07b"} {
		if status, _, body := raw(t, w.env, "GET", path, w.aliceKey, "", "", nil); status != 422 {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	}
	unchanged(t, w.env, before, "malformed bodies")
	// The same request well formed works, in both formats.
	if status, _, body := raw(t, w.env, "POST", "/api/packages/target/releases/1.0.0/retire", w.aliceKey, "application/vnd.hex+erlang", "", good); status != 204 {
		t.Fatalf("well-formed retire: %d %s", status, body)
	}
	js, _ := json.Marshal(map[string]any{"reason": "deprecated", "message": "use another"})
	if status, _, body := raw(t, w.env, "POST", "/api/packages/target/releases/1.0.0/retire", w.aliceKey, "application/json", "", js); status != 204 {
		t.Fatalf("JSON retire: %d %s", status, body)
	}
}

// decodeError reads an error body in whichever format the server chose.
func decodeError(t *testing.T, header http.Header, body []byte) map[string]any {
	t.Helper()
	if strings.HasPrefix(header.Get("Content-Type"), "application/vnd.hex+erlang") {
		m, err := etf.DecodeMap(body, etf.Options{})
		if err != nil {
			t.Fatalf("error body is not Erlang terms: %v", err)
		}
		return m
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	return m
}

// A tarball over the limit is 413, before a byte is stored, whether the
// client announces its length or streams it.
func TestTarballTooLarge(t *testing.T) {
	w := newWorld(t)
	before := state(t, w.env)
	big := bytes.Repeat([]byte{0}, int(hextar.DefaultLimits.MaxCompressed)+1)
	status, header, body := raw(t, w.env, "POST", "/api/publish", w.aliceKey, "application/octet-stream", "application/vnd.hex+erlang", big)
	if status != 413 {
		t.Fatalf("announced: status %d: %s", status, body)
	}
	if m := decodeError(t, header, body); m["status"] != int64(413) {
		t.Fatalf("error body %#v", m)
	}
	req, _ := http.NewRequest("POST", w.env.URL+"/api/publish", io.MultiReader(bytes.NewReader(pkgtest.Tarball(t, "big", "1.0.0")), bytes.NewReader(big)))
	req.ContentLength = -1 // chunked: the server only learns the size by reading
	req.Header.Set("Authorization", w.aliceKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("streamed: status %d", resp.StatusCode)
	}
	unchanged(t, w.env, before, "tarballs over the limit")
}

// countingReader records whether the client ever sent the body.
type countingReader struct {
	r    io.Reader
	read atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// `Expect: 100-continue` (hex_core sends it with every publish): a refused
// publish answers before the client uploads the tarball.
func TestExpectContinue(t *testing.T) {
	w := newWorld(t)
	tb := pkgtest.Tarball(t, "cont", "1.0.0")
	send := func(key string) (int, int64) {
		body := &countingReader{r: bytes.NewReader(tb)}
		req, _ := http.NewRequest("POST", w.env.URL+"/api/packages/cont/releases", body)
		req.ContentLength = int64(len(tb))
		req.Header.Set("Expect", "100-continue")
		if key != "" {
			req.Header.Set("Authorization", key)
		}
		tr := &http.Transport{ExpectContinueTimeout: time.Minute}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, body.read.Load()
	}
	if status, n := send(""); status != 401 || n != 0 {
		t.Fatalf("anonymous: status %d after %d body bytes, want 401 before any", status, n)
	}
	if status, n := send(w.alice.WithKey("api:read").Key); status != 403 || n != 0 {
		t.Fatalf("read-only key: status %d after %d body bytes, want 403 before any", status, n)
	}
	if status, n := send(w.aliceKey); status != 201 || n != int64(len(tb)) {
		t.Fatalf("owner: status %d after %d of %d bytes", status, n, len(tb))
	}
}

// Every path under /api that is not served is hexpm's 404, never the web
// app; a served path with another method is 405 in the same format.
func TestUnknownPaths(t *testing.T) {
	w := newWorld(t)
	for _, path := range []string{"/api/nothing", "/api/packages/x/y/z", "/api/repos/acme/nothing", "/api/users/me/keys"} {
		for _, accept := range []string{"", "application/vnd.hex+erlang"} {
			status, header, body := raw(t, w.env, "GET", path, "", "", accept, nil)
			if status != 404 {
				t.Errorf("GET %s: %d", path, status)
				continue
			}
			if m := decodeError(t, header, body); m["status"] == nil {
				t.Errorf("GET %s: body %#v", path, m)
			}
		}
	}
	status, header, _ := raw(t, w.env, "PATCH", "/api/packages/x", "", "", "", nil)
	if status != 405 || header.Get("Allow") != "GET" {
		t.Errorf("PATCH /api/packages/x: %d, Allow %q", status, header.Get("Allow"))
	}
	if r := newClient(t, w.env, "").call("r3_hex_api", "get", `[<<"nothing">>]`).want(t, 404); r.m(t)["status"] != int64(404) {
		t.Errorf("hex_core decodes %#v", r.Body)
	}
}

// Over the request budget, hex_core gets hexpm's 429: the x-ratelimit-*
// headers, Retry-After and an error body it decodes.
func TestRateLimitedAnswer(t *testing.T) {
	env := servertest.New(t, func(c *server.Config) { c.RateLimit, c.RateBurst = 0.01, 2 })
	c := newClient(t, env, "")
	c.call("r3_hex_api_package", "get", bin("nothing")).want(t, 404)
	c.call("r3_hex_api_package", "get", bin("nothing")).want(t, 404)
	r := c.call("r3_hex_api_package", "get", bin("nothing")).want(t, 429)
	for _, h := range []string{"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"} {
		if r.Headers[h] == nil {
			t.Errorf("429 without %s: %v", h, r.Headers)
		}
	}
	if m := r.m(t); m["status"] != int64(429) || m["code"] != "RATE_LIMITED" {
		t.Fatalf("429 body %#v", m)
	}
}
