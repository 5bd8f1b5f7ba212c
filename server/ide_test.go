package server_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/depot-registry/depot/frontend"
	"github.com/depot-registry/depot/server/servertest"
)

// A browser's GET /graphql gets GraphiQL bundled into the binary: every
// script and stylesheet of the page is one of the server's own files (no
// CDN: the IDE works offline), none is inline, and each loads. Without a
// built web app the page says how to build it.
func TestIDEIsSelfHosted(t *testing.T) {
	env := servertest.New(t)
	get := func(path, accept string) (*http.Response, string) {
		t.Helper()
		resp := env.Anonymous().Get(path, http.Header{"Accept": {accept}})
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	resp, page := get("/graphql", "text/html,application/xhtml+xml")
	if resp.StatusCode != 200 || !strings.Contains(page, "GraphiQL") {
		t.Fatalf("GET /graphql (HTML): %d %.300s", resp.StatusCode, page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self';") || strings.Contains(csp, "script-src") {
		t.Errorf("the IDE's CSP %q allows scripts from elsewhere than 'self'", csp)
	}
	if _, built := frontend.FS(); !built {
		if !strings.Contains(page, "./scripts/run.sh") || strings.Contains(page, "<script") {
			t.Fatalf("without a built web app the IDE page should say how to build it, with no script: %s", page)
		}
		return
	}
	scripts := regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`).FindAllStringSubmatch(page, -1)
	links := regexp.MustCompile(`(?is)<link\b[^>]*\bhref="([^"]*)"[^>]*>`).FindAllStringSubmatch(page, -1)
	srcAttr := regexp.MustCompile(`\bsrc="([^"]*)"`)
	var refs []string
	for _, s := range scripts {
		m := srcAttr.FindStringSubmatch(s[1])
		if m == nil || strings.TrimSpace(s[2]) != "" {
			t.Errorf("inline script in the IDE page: %s", s[0])
			continue
		}
		refs = append(refs, m[1])
	}
	if len(refs) == 0 {
		t.Fatalf("the IDE page loads no script: %s", page)
	}
	for _, l := range links {
		if !strings.HasPrefix(l[1], "data:") {
			refs = append(refs, l[1])
		}
	}
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "/assets/") {
			t.Errorf("the IDE page loads %q: want one of the server's own /assets/ files", ref)
			continue
		}
		resp, body := get(ref, "*/*")
		ct := resp.Header.Get("Content-Type")
		if resp.StatusCode != 200 || len(body) == 0 || !(strings.Contains(ct, "javascript") || strings.Contains(ct, "css")) {
			t.Errorf("GET %s: %d %q, %d bytes", ref, resp.StatusCode, ct, len(body))
		}
	}
	// The page's file in the app folder is no second way in: it leads to /graphql.
	resp, _ = get("/graphiql.html", "text/html")
	if resp.Request.URL.Path != "/graphql" {
		t.Errorf("GET /graphiql.html ended at %s, want a redirect to /graphql", resp.Request.URL.Path)
	}
}
