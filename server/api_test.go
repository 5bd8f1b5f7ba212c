package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/graph/gid"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// GET is for queries only: a mutation over GET is refused with 405 and
// BAD_USER_INPUT and changes nothing, even with credentials and the CSRF
// header; a query over GET works.
func TestGETNeverMutates(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("xavi")
	get := func(query, op string) *servertest.Result {
		q := url.Values{"query": {query}}
		if op != "" {
			q.Set("operationName", op)
		}
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/graphql?"+q.Encode(), nil)
		return c.Send(req)
	}
	tests := []struct{ name, query, op string }{
		{"anonymous mutation", `mutation { createOrganization(input: {name: "viaget"}) { organization { id } } }`, ""},
		{"named mutation", `mutation M { createOrganization(input: {name: "viaget"}) { organization { id } } }`, "M"},
		{"mutation picked from a document with a query", `query Q { viewer { id } } mutation M { createOrganization(input: {name: "viaget"}) { organization { id } } }`, "M"},
		{"sign out", `mutation { signOut { ok } }`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			r := get(tt.query, tt.op)
			if r.Status != http.StatusMethodNotAllowed {
				t.Fatalf("status %d, want 405: %s", r.Status, r.Raw)
			}
			wantCode(t, r, "BAD_USER_INPUT")
			unchanged(t, env, before)
		})
	}
	if viewerName(t, c) != "xavi" {
		t.Fatal("GET signOut signed the user out")
	}
	r := get(`{ viewer { username } }`, "")
	wantCode(t, r, "")
	if !strings.Contains(string(r.Data), "xavi") {
		t.Fatalf("GET query: %s", r.Raw)
	}
}

// A mutation from a browser (cookie or no credentials at all) without the
// anti-CSRF header is FORBIDDEN and changes nothing; queries need no header.
func TestCSRFHeaderRequiredForBrowserMutations(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("yara")
	c.NoCSRF = true
	anon := env.Anonymous()
	anon.NoCSRF = true
	tests := []struct {
		name  string
		c     *servertest.Client
		query string
		vars  map[string]any
	}{
		{"cookie createOrganization", c, createOrgDoc, map[string]any{"n": "csrforg"}},
		{"cookie createApiKey", c, createKeyDoc, map[string]any{"n": "k", "s": []string{"api:write"}}},
		{"cookie changePassword", c, changePasswordDoc, map[string]any{"c": servertest.Password("yara"), "n": "an attacker's passphrase"}},
		{"cookie signOut", c, signOutDoc, nil},
		{"login CSRF: anonymous signIn", anon, signInDoc, map[string]any{"l": "yara", "p": servertest.Password("yara")}},
		{"anonymous signUp", anon, signUpDoc, map[string]any{"u": "forged", "e": "forged@example.com", "p": "a perfectly fine passphrase"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			wantCode(t, tt.c.Do(tt.query, tt.vars), "FORBIDDEN")
			unchanged(t, env, before)
		})
	}
	// A cross-site form can post multipart without a preflight: still refused.
	t.Run("cookie multipart form post", func(t *testing.T) {
		before := snapshot(t, env)
		body := &bytes.Buffer{}
		fmt.Fprintf(body, "--XX\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n%s\r\n--XX\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{}\r\n--XX--\r\n",
			`{"query":"mutation { createOrganization(input: {name: \"formorg\"}) { organization { id } } }"}`)
		r := rawPost(t, env, c, "multipart/form-data; boundary=XX", body.Bytes())
		wantCode(t, r, "FORBIDDEN")
		unchanged(t, env, before)
	})
	if viewerName(t, c) != "yara" {
		t.Fatal("queries without the header must work, and the session must be intact")
	}
}

// Depth and complexity limits refuse a query before it runs.
func TestQueryLimits(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("zane")
	nest := func(levels int) string {
		q := "user { username }"
		for range levels {
			q = "user { organizations { members { " + q + " } } }"
		}
		return "{ viewer { organizations { members { " + q + " } } } }" // depth 5 + 3 per level
	}
	tests := []struct {
		name, query, code, msg string
	}{
		{"depth within the limit", nest(1), "", ""},
		{"too deep", nest(3), "QUERY_TOO_COMPLEX", "depth 14"},
		{"too deep through fragments", `query { viewer { ...U } }
			fragment U on User { organizations { members { user { organizations { members { user { organizations { members { user { organizations { members { user { username } } } } } } } } } } } } }`, "QUERY_TOO_COMPLEX", "depth"},
		{"an IDE's introspection (GraphiQL's, ofType 8 deep)", introspectionQuery, "", ""},
		{"too deep through introspection lists", `{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } } } }`, "BAD_USER_INPUT", "introspection depth"},
		{"too costly: 100 packages x 100 releases x 2",
			`{ a: packages(first: 100) { edges { node { releases(first: 100) { edges { node { version } } } } } }
			   b: packages(first: 100) { edges { node { releases(first: 100) { edges { node { version } } } } } } }`, "QUERY_TOO_COMPLEX", "complexity"},
		{"too costly: lists priced by page size", `{ packages(first: 100) { edges { node { releases(first: 100) { edges { node { version } } } dependents(first: 100) { name } versions(first: 100) { version publishedAt } } } } }`, "QUERY_TOO_COMPLEX", "complexity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Do(tt.query, nil)
			wantCode(t, r, tt.code)
			if tt.msg != "" && !strings.Contains(r.Errors[0].Message, tt.msg) {
				t.Fatalf("message %q does not mention %q", r.Errors[0].Message, tt.msg)
			}
			if tt.code != "" && r.Data != nil && string(r.Data) != "null" {
				t.Fatalf("a refused query returned data: %s", r.Raw)
			}
		})
	}
}

// introspectionQuery is graphql-js's getIntrospectionQuery (what GraphiQL
// sends for its docs and completion) with its options on.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    description queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}`

// Bodies over the size limit and malformed JSON are refused with
// BAD_USER_INPUT and change nothing.
func TestMalformedAndOversizedRequests(t *testing.T) {
	env := servertest.New(t, func(c *server.Config) { c.MaxBodyBytes = 2048 })
	c := env.SignUp("abel")
	big := map[string]any{"query": createOrgDoc, "variables": map[string]any{"n": "bigorg", "pad": strings.Repeat("x", 4096)}}
	bigBody, _ := json.Marshal(big)
	tests := []struct {
		name, contentType string
		body              []byte
		chunked           bool
		status            int
	}{
		{"body over the limit", "application/json", bigBody, false, http.StatusRequestEntityTooLarge},
		{"body over the limit, chunked", "application/json", bigBody, true, 0},
		{"malformed JSON", "application/json", []byte(`{"query": "mutation { signOut { ok } }"`), false, 0},
		{"JSON that is not an object", "application/json", []byte(`[1, 2, 3]`), false, 0},
		{"empty body", "application/json", nil, false, 0},
		{"query with a syntax error", "application/json", []byte(`{"query": "mutation { createOrganization(input: {name: \"x\"} { organization { id } } }"}`), false, 0},
		{"unknown field", "application/json", []byte(`{"query": "{ viewer { password } }"}`), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			var body io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(bytes.NewReader(tt.body)) // unknown length: sent chunked
			}
			req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", body)
			req.Header.Set("Content-Type", tt.contentType)
			r := c.Send(req)
			if tt.status != 0 && r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Raw)
			}
			if r.Status == http.StatusOK && len(r.Errors) == 0 {
				t.Fatalf("accepted: %s", r.Raw)
			}
			wantCode(t, r, "BAD_USER_INPUT")
			unchanged(t, env, before)
		})
	}
}

// The per-client rate limit answers RATE_LIMITED (429, Retry-After,
// X-RateLimit-Remaining: 0) once the burst is spent, and changes nothing;
// an API key has its own budget.
func TestRateLimit(t *testing.T) {
	env := servertest.New(t, func(c *server.Config) { c.RateLimit, c.RateBurst = 0.001, 5 })
	c := env.SignUp("bela")                   // 1
	secret, _ := createKey(t, c, "api:write") // 2
	for i := 3; i <= 5; i++ {
		r := c.Do(viewerDoc, nil)
		wantCode(t, r, "")
		rem := r.Header.Get("X-RateLimit-Remaining")
		if rem != fmt.Sprint(5-i) {
			t.Fatalf("request %d: X-RateLimit-Remaining = %q, want %d", i, rem, 5-i)
		}
	}
	before := snapshot(t, env)
	r := c.Do(createOrgDoc, map[string]any{"n": "limitedorg"})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("X-RateLimit-Remaining") != "0" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: status %d, headers %v", r.Status, r.Header)
	}
	wantCode(t, r, "RATE_LIMITED")
	unchanged(t, env, before)
	// The key has its own bucket.
	if viewerName(t, keyClient(env, secret)) != "bela" {
		t.Fatal("the API key was limited by the address's budget")
	}
}

// node(id:) resolves opaque ids: a user, one's own key; null for another
// user's key, a membership seen by a non-member, unknown ids and internal
// rows; BAD_USER_INPUT for strings that are not ids.
func TestNodeIDs(t *testing.T) {
	env := servertest.New(t)
	a := env.SignUp("cara")
	b := env.SignUp("dirk")
	a.Do(createOrgDoc, map[string]any{"n": "initech"}).MustOK(t)
	var userOut struct {
		Viewer struct{ ID string }
	}
	a.Do(viewerDoc, nil).MustOK(t).Decode(t, &userOut)
	_, keyID := createKey(t, a, "api:read")
	sess, err := env.Server.DB.Session.Query().First(sys())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := env.Server.DB.Token.Query().First(sys())
	if err != nil {
		t.Fatal(err)
	}
	m, err := env.Server.DB.Membership.Query().First(sys())
	if err != nil {
		t.Fatal(err)
	}
	userID, _ := gid.Decode(userOut.Viewer.ID)
	q := `query($id: ID!) { node(id: $id) { __typename id ... on User { username } } }`
	tests := []struct {
		name     string
		c        *servertest.Client
		id       string
		wantType string // "" = null
		code     string
	}{
		{"a user's id", b, userOut.Viewer.ID, "User", ""},
		{"a user's id, anonymous", env.Anonymous(), userOut.Viewer.ID, "User", ""},
		{"own API key", a, keyID, "ApiKey", ""},
		{"another user's API key", b, keyID, "", ""},
		{"another user's API key, anonymous", env.Anonymous(), keyID, "", ""},
		{"membership seen by its member", a, gid.Encode(m.ID), "Membership", ""},
		{"membership seen by a non-member", b, gid.Encode(m.ID), "", ""},
		{"session row", a, gid.Encode(sess.ID), "", ""},
		{"token row", a, gid.Encode(tok.ID), "", ""},
		{"unused id in the user range", a, gid.Encode(userID + 1000), "", ""},
		{"id in no table's range", a, gid.Encode(1<<40 + 5), "", ""},
		{"garbage", a, "garbage", "", "BAD_USER_INPUT"},
		{"raw integer id", a, fmt.Sprint(userID), "", "BAD_USER_INPUT"},
		{"empty", a, "", "", "BAD_USER_INPUT"},
		{"negative id", a, gid.Encode(-1), "", "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.Do(q, map[string]any{"id": tt.id})
			wantCode(t, r, tt.code)
			if tt.code != "" {
				return
			}
			var out struct {
				Node *struct {
					Typename string `json:"__typename"`
					ID       string
				}
			}
			r.Decode(t, &out)
			switch {
			case tt.wantType == "" && out.Node != nil:
				t.Fatalf("node = %+v, want null", out.Node)
			case tt.wantType != "" && (out.Node == nil || out.Node.Typename != tt.wantType || out.Node.ID != tt.id):
				t.Fatalf("node = %+v, want a %s with id %s", out.Node, tt.wantType, tt.id)
			}
		})
	}
	// nodes(ids:) hides the same things.
	var ns struct{ Nodes []*struct{ ID string } }
	b.Do(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{userOut.Viewer.ID, keyID}}).MustOK(t).Decode(t, &ns)
	if len(ns.Nodes) != 2 || ns.Nodes[0] == nil || ns.Nodes[1] != nil {
		t.Fatalf("nodes = %+v, want [user, null]", ns.Nodes)
	}
}

// The plain HTTP surface: health, readiness, security.txt, the GraphQL IDE
// and the single-page app with its fallback for client-side routes.
func TestHTTPSurface(t *testing.T) {
	env := servertest.New(t)
	get := func(path, accept string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	tests := []struct {
		name, path, accept string
		status             int
		contentType, body  string
	}{
		{"healthz", "/healthz", "", 200, "text/plain", "ok"},
		{"readyz", "/readyz", "", 200, "text/plain", "ready"},
		{"security.txt", "/.well-known/security.txt", "", 200, "text/plain", "\nContact: mailto:"},
		{"GraphQL IDE", "/graphql", "text/html,application/xhtml+xml", 200, "text/html", "/graphql"},
		{"SPA root", "/", "text/html", 200, "text/html", "<"},
		{"SPA fallback for a client route", "/packages/some_package/1.0.0", "text/html", 200, "text/html", "<"},
		{"SPA fallback for a private package page", "/repos/acme/packages/some_package", "text/html", 200, "text/html", "<"},
		{"SPA fallback for a private release page", "/repos/acme/packages/some_package/1.0.0", "text/html", 200, "text/html", "<"},
		{"a private tarball path is the server's, not the app's", "/repos/acme/tarballs/nope-1.0.0.tar", "text/html", 404, "text/plain", "not found"},
	}
	_, root := get("/", "text/html")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(tt.path, tt.accept)
			if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) ||
				!strings.Contains("\n"+body, tt.body) {
				t.Fatalf("GET %s: %d %s\n%.300s", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("GET %s: no nosniff header", tt.path)
			}
			if strings.HasPrefix(tt.name, "SPA") && body != root {
				t.Fatalf("GET %s does not serve the app's page", tt.path)
			}
		})
	}
	// The IDE is a different page from the app.
	if _, ide := get("/graphql", "text/html"); ide == root || !strings.Contains(strings.ToLower(ide), "graphiql") {
		t.Fatalf("GET /graphql (HTML) is not the GraphQL IDE: %.200s", ide)
	}
}

// notifyListener reports each accepted connection, the end of the first
// request head read on any of them, a handler waiting for more of a POST
// body, and its own closing.
type notifyListener struct {
	net.Listener
	accepted chan struct{}
	headRead chan struct{} // a request's header block was read
	// bodyWait: the server reads a POST connection again after its head,
	// which only the handler does (reading the body): the request is then
	// in flight, past the point where net/http drops a request whose head
	// it is still parsing when shutdown begins.
	bodyWait chan struct{}
	closed   chan struct{}
	once     *sync.Once
}

func newNotifyListener(ln net.Listener) notifyListener {
	return notifyListener{Listener: ln, accepted: make(chan struct{}, 8), headRead: make(chan struct{}, 8), bodyWait: make(chan struct{}, 8), closed: make(chan struct{}), once: &sync.Once{}}
}

func (l notifyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		select {
		case l.accepted <- struct{}{}:
		default:
		}
		c = &headConn{Conn: c, headRead: l.headRead, bodyWait: l.bodyWait}
	}
	return c, err
}

func (l notifyListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.closed) })
	return err
}

// headConn reports when the bytes read so far hold a whole request head.
type headConn struct {
	net.Conn
	headRead, bodyWait chan struct{}
	seen               []byte
	told, toldBody     bool
}

func (c *headConn) Read(p []byte) (int, error) {
	if c.told && !c.toldBody && bytes.HasPrefix(c.seen, []byte("POST ")) {
		c.toldBody = true
		select {
		case c.bodyWait <- struct{}{}:
		default:
		}
	}
	n, err := c.Conn.Read(p)
	if !c.told && n > 0 {
		c.seen = append(c.seen, p[:n]...)
		if bytes.Contains(c.seen, []byte("\r\n\r\n")) {
			c.told = true
			select {
			case c.headRead <- struct{}{}:
			default:
			}
		}
	}
	return n, err
}

// Serve shuts down gracefully: after the context is cancelled it accepts
// no new connection but lets a request already in flight (its body still
// arriving) finish and answer, then returns.
func TestGracefulShutdown(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("emma")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nl := newNotifyListener(ln)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- env.Server.Serve(ctx, nl) }()
	base := "http://" + ln.Addr().String()

	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz before shutdown: %v %v", resp, err)
	}
	resp.Body.Close()

	// A slow request: headers and half the body now, the rest later.
	body := []byte(`{"query": "{ user(username: \"emma\") { username } }"}`)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", pr)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = int64(len(body))
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(b)}
	}()
	if _, err := pw.Write(body[:10]); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for accepted := 0; accepted < 2; accepted++ { // healthz, then the slow one
		select {
		case <-nl.accepted:
		case <-deadline:
			t.Fatal("the slow request's connection was never accepted")
		}
	}
	for heads := 0; heads < 2; heads++ { // healthz's, then the slow one's
		select {
		case <-nl.headRead:
		case <-deadline:
			t.Fatal("the server never read the slow request's headers")
		}
	}
	select {
	case <-nl.bodyWait:
	case <-deadline:
		t.Fatal("the handler never waited for the slow request's body")
	}

	cancel()
	select {
	case <-nl.closed: // shutdown began: the listener is closed
	case <-deadline:
		t.Fatal("the listener was not closed after the context was cancelled")
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) while a request was in flight", err)
	default:
	}
	// New connections are refused while draining.
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Fatal("a new connection was accepted after shutdown began")
	}

	if _, err := pw.Write(body[10:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	select {
	case r := <-done:
		if r.err != nil || r.status != 200 || !strings.Contains(r.body, `"username":"emma"`) {
			t.Fatalf("in-flight request: %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request never finished")
	}
	select {
	case err := <-served:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the last request finished")
	}
}
