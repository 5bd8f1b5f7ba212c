package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/depot-registry/depot/server/servertest"
)

// A cookie-authenticated POST naming a foreign origin is refused with
// FORBIDDEN, even with the CSRF header; the same origin, or no Origin
// header (non-browser clients) with the CSRF header, is served. API keys
// are not subject to it: no browser attaches them by itself.
func TestCookiePostOrigin(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("olga")
	post := func(c *servertest.Client, origin string) *servertest.Result {
		body, _ := json.Marshal(map[string]any{"query": `mutation($n: String!) { createOrganization(input: {name: $n}) { organization { name } } }`,
			"variables": map[string]any{"n": "org" + strings.NewReplacer(":", "", "/", "", ".", "").Replace(origin)}})
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		return c.Send(req)
	}
	for _, origin := range []string{"http://evil.example", "null", "http://evil.example@" + strings.TrimPrefix(env.URL, "http://"), "https://" + strings.TrimPrefix(env.URL, "http://")} {
		r := post(c, origin)
		if r.Status != http.StatusForbidden || r.Code() != "FORBIDDEN" {
			t.Fatalf("Origin %q: status %d: %s", origin, r.Status, r.Raw)
		}
	}
	if n := len(post(c, env.URL).MustOK(t).Errors); n != 0 {
		t.Fatal("same origin refused")
	}
	post(c, "").MustOK(t)
	// An anonymous browser request (sign-in) is held to the same rule.
	r := post(env.Anonymous(), "http://evil.example")
	if r.Status != http.StatusForbidden {
		t.Fatalf("anonymous foreign-origin POST: status %d", r.Status)
	}
	// An API key is not a browser credential.
	post(c.WithKey("api:write"), "http://evil.example").MustOK(t)
}
