package server

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// The IDE handler serves the web app's GraphiQL page when the app is built
// with it, and otherwise a page saying how to build it; always under a CSP
// that allows scripts from this origin only.
func TestIDEHandlerStates(t *testing.T) {
	built := fstest.MapFS{
		"index.html":    {Data: []byte("<div id=root></div>")},
		"graphiql.html": {Data: []byte(`<title>GraphiQL</title><script type="module" src="/assets/graphiql-x.js"></script>`)},
	}
	older := fstest.MapFS{"index.html": {Data: []byte("<div id=root></div>")}}
	placeholder := fstest.MapFS{"placeholder.html": {Data: []byte("not built")}}
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		built bool
		want  string
	}{
		{"built", built, true, `src="/assets/graphiql-x.js"`},
		{"app built before the IDE existed", older, true, "./scripts/run.sh"},
		{"app not built", placeholder, false, "./scripts/run.sh"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			ideHandler(c.files, c.built).ServeHTTP(rec, httptest.NewRequest("GET", "/graphql", nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != 200 || !strings.Contains(string(body), c.want) || !strings.Contains(string(body), "GraphiQL") {
				t.Errorf("status %d, page %q; want 200 with %q", rec.Code, body, c.want)
			}
			csp := rec.Header().Get("Content-Security-Policy")
			if !strings.HasPrefix(csp, "default-src 'self';") || strings.Contains(csp, "script-src") || strings.Contains(csp, "http") {
				t.Errorf("CSP %q: want the app's (scripts from 'self' only)", csp)
			}
		})
	}
}
