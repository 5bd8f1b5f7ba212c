// Package servertest starts real Depot servers for tests — on SQLite in a
// temp folder, or on the PostgreSQL server named by DEPOT_TEST_POSTGRES_URL —
// and gives tests GraphQL clients that act like a browser (cookies, CSRF
// header) or an integration (API key).
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/viewer"
)

// Clock is a settable clock shared by a test and its server.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Env is one running server.
type Env struct {
	T      testing.TB
	Server *server.Server
	HTTP   *httptest.Server
	URL    string
	Clock  *Clock
}

// Option adjusts the server configuration.
type Option func(*server.Config)

// New starts a server on a fresh database.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return NewOnDatabase(t, testdb.URL(t), opts...)
}

// NewOnDatabase starts a server on an existing database URL (two instances
// on one PostgreSQL share it).
func NewOnDatabase(t testing.TB, dbURL string, opts ...Option) *Env {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	cfg, err := config.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = dbURL
	cfg.PublicURL = "http://" + hs.Listener.Addr().String()
	cfg.PublicRepository = testdb.PublicRepository
	cfg.RateLimit, cfg.RateBurst = 10000, 10000
	cfg.SecretKey = "test-secret"
	for _, o := range opts {
		o(&cfg)
	}
	clock := &Clock{t: time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)}
	cheap := account.HashParams{Memory: 64, Time: 1, Threads: 1}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := server.New(context.Background(), cfg, server.Options{Now: clock.Now, HashParams: &cheap, Log: log})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	hs.Config.Handler = s.Handler()
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return &Env{T: t, Server: s, HTTP: hs, URL: hs.URL, Clock: clock}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Client talks GraphQL to the server.
type Client struct {
	env *Env
	// HTTP keeps cookies like a browser.
	HTTP *http.Client
	// Key, when set, is sent as a Bearer API key.
	Key string
	// NoCSRF leaves out the anti-CSRF header (to test its absence).
	NoCSRF bool
	// Username of the signed-in user, if any.
	Username string
	// Header is sent with every request (e.g. X-Depot-OTP).
	Header http.Header
}

// Anonymous returns a browser-like client that is not signed in.
func (e *Env) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{env: e, HTTP: &http.Client{Jar: jar}}
}

// Password is the password SignUp gives every test user.
func Password(username string) string { return "correct horse battery staple " + username }

// SignUp creates a user and returns a client signed in as them.
func (e *Env) SignUp(username string) *Client {
	e.T.Helper()
	c := e.Anonymous()
	c.Do(`mutation($u: String!, $e: String!, $p: String!) { signUp(input: {username: $u, email: $e, password: $p}) { user { id } } }`,
		map[string]any{"u": username, "e": username + "@example.com", "p": Password(username)}).MustOK(e.T)
	c.Username = username
	return c
}

// WithKey creates an API key with scopes for c's user and returns a client
// that authenticates with it only (no cookies).
func (c *Client) WithKey(scopes ...string) *Client {
	c.env.T.Helper()
	var out struct {
		CreateAPIKey struct{ Secret string }
	}
	c.Do(`mutation($s: [String!]!) { createApiKey(input: {name: "test", scopes: $s}) { secret } }`,
		map[string]any{"s": scopes}).MustOK(c.env.T).Decode(c.env.T, &out)
	return &Client{env: c.env, HTTP: &http.Client{}, Key: out.CreateAPIKey.Secret, Username: c.Username}
}

// Result is one GraphQL response.
type Result struct {
	Status     int
	Header     http.Header
	Data       json.RawMessage
	Errors     []Error
	Statements int
	Raw        []byte
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the first error's extensions.code ("" when there is none).
func (r *Result) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// MustOK fails the test when the response has errors.
func (r *Result) MustOK(t testing.TB) *Result {
	t.Helper()
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("GraphQL request failed: status %d: %s", r.Status, r.Raw)
	}
	return r
}

// Decode unmarshals data into v.
func (r *Result) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

// Do sends one operation as POST JSON.
func (c *Client) Do(query string, vars map[string]any) *Result {
	c.env.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.env.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return c.Send(req)
}

// Send sends a prepared request with the client's credentials.
func (c *Client) Send(req *http.Request) *Result {
	c.env.T.Helper()
	if !c.NoCSRF {
		req.Header.Set(server.CSRFHeader, "1")
	}
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.env.T.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &Result{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	r.Statements, _ = strconv.Atoi(resp.Header.Get("X-Depot-SQL-Statements"))
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []Error         `json:"errors"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		r.Errors = []Error{{Message: fmt.Sprintf("non-JSON response %d: %s", resp.StatusCode, raw)}}
		return r
	}
	r.Data, r.Errors = env.Data, env.Errors
	return r
}

// Upload sends one mutation whose variable named file is an Upload, as a
// GraphQL multipart request (the way browsers and the CLI publish).
func (c *Client) Upload(query string, vars map[string]any, file string, data []byte) *Result {
	c.env.T.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars[file] = nil
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", fmt.Sprintf(`{"0": ["variables.%s"]}`, file))
	fw, _ := mw.CreateFormFile("0", "upload.tar")
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.env.URL+"/graphql", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Send(req)
}

// PublishMutation is the mutation Publish sends.
const PublishMutation = `mutation($t: Upload!, $r: String, $o: String, $replace: Boolean) {
  publishRelease(input: {tarball: $t, repository: $r, owner: $o, replace: $replace}) {
    replaced release { id version outerChecksum innerChecksum packageName package { name owners { level } } }
  }
}`

// Publish uploads a package tarball; vars may set r (repository), o (owner)
// and replace.
func (c *Client) Publish(tarball []byte, vars map[string]any) *Result {
	c.env.T.Helper()
	return c.Upload(PublishMutation, vars, "t", tarball)
}

// Get fetches a path of the server with the client's credentials.
func (c *Client) Get(path string, header http.Header) *http.Response {
	c.env.T.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.env.URL+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.env.T.Fatalf("GET %s: %v", path, err)
	}
	return resp
}

// Code is the TOTP code of secret at the server's clock, computed the way
// authenticator apps do (RFC 6238: SHA-1, 6 digits, 30 s).
func (e *Env) Code(secret string) string {
	e.T.Helper()
	code, err := totp.GenerateCode(secret, e.Clock.Now())
	if err != nil {
		e.T.Fatalf("totp: %v", err)
	}
	return code
}

// NextCode moves the clock to the next 30-second time step and returns its
// code: a code is used once, so each use needs a new step.
func (e *Env) NextCode(secret string) string {
	e.T.Helper()
	now := e.Clock.Now()
	e.Clock.Set(now.Truncate(30 * time.Second).Add(30 * time.Second))
	return e.Code(secret)
}

// EnableTwoFactor enrols c's user in two-factor authentication and returns
// the secret and the recovery codes. The session is then fresh (sudo mode)
// for ten minutes of the server's clock.
func (c *Client) EnableTwoFactor() (secret string, recovery []string) {
	c.env.T.Helper()
	var begin struct {
		BeginTwoFactor struct{ Secret, URI string }
	}
	c.Do(`mutation { beginTwoFactor { secret uri } }`, nil).MustOK(c.env.T).Decode(c.env.T, &begin)
	var done struct {
		EnableTwoFactor struct{ RecoveryCodes []string }
	}
	c.Do(`mutation($c: String!) { enableTwoFactor(input: {code: $c}) { recoveryCodes } }`,
		map[string]any{"c": c.env.NextCode(begin.BeginTwoFactor.Secret)}).MustOK(c.env.T).Decode(c.env.T, &done)
	return begin.BeginTwoFactor.Secret, done.EnableTwoFactor.RecoveryCodes
}

// WithOTP returns a copy of c that sends code in the X-Depot-OTP header.
func (c *Client) WithOTP(code string) *Client {
	cp := *c
	cp.Header = http.Header{"X-Depot-Otp": {code}}
	return &cp
}

// FlushDownloads writes the counted downloads to the database now.
func (e *Env) FlushDownloads() {
	e.T.Helper()
	if err := e.Server.Registry.FlushDownloads(context.Background()); err != nil {
		e.T.Fatal(err)
	}
}

// TotalDownloads flushes the counters and sums every release's downloads.
func (e *Env) TotalDownloads() int64 {
	e.T.Helper()
	e.FlushDownloads()
	var total int64
	for _, rel := range e.Server.DB.Release.Query().AllX(viewer.System(context.Background())) {
		total += rel.Downloads
	}
	return total
}

// Download fetches the tarball at path n times as c, as a Hex client does,
// then flushes until they are counted: the handler counts after the body
// is sent, on the clock's day at that moment, so the caller may move the
// clock once this returns.
func (e *Env) Download(c *Client, path string, n int) {
	e.T.Helper()
	before := e.TotalDownloads()
	for range n {
		resp := c.Get(path, nil)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			e.T.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
	// A deadline-bounded poll: the count lands right after the response.
	for deadline := time.Now().Add(5 * time.Second); e.TotalDownloads() != before+int64(n); {
		if time.Now().After(deadline) {
			e.T.Fatalf("%d downloads of %s never counted", n, path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
