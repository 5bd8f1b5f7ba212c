package server

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// A client chooses its operation names: a thousand distinct ones must not
// give a thousand series. Only the web app's names get their own.
func TestMetricsOperationLabelBounded(t *testing.T) {
	m := newMetrics(nil)
	run := func(name string) {
		ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{
			OperationName: name, Operation: &ast.OperationDefinition{Operation: ast.Query},
		})
		m.observe(ctx, func(context.Context) *graphql.Response { return &graphql.Response{} })
	}
	for i := range 1000 {
		run("Probe" + strings.Repeat("x", i%70) + string(rune('a'+i%26)) + string(rune('A'+i/26)))
	}
	run("PackagePage")
	run("")
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]int{}
	for _, f := range families {
		series[f.GetName()] = len(f.GetMetric())
		if f.GetName() != "depot_graphql_operations_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "operation" && l.GetValue() == "other" && mt.GetCounter().GetValue() != 1000 {
					t.Fatalf("other = %v, want 1000", mt.GetCounter().GetValue())
				}
			}
		}
	}
	for _, name := range []string{"depot_graphql_operations_total", "depot_graphql_operation_duration_seconds"} {
		if series[name] != 3 {
			t.Fatalf("%s: %d series after 1,000 distinct names, want 3 (other, PackagePage, anonymous)", name, series[name])
		}
	}
}

// webOperations lists exactly the operations of the web app's documents.
func TestMetricsOperationsMatchFrontend(t *testing.T) {
	re := regexp.MustCompile(`\b(?:query|mutation|subscription)\s+([A-Z][A-Za-z0-9_]*)`)
	found := map[string]bool{}
	root := filepath.Join("..", "frontend", "src")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "gql" {
			return filepath.SkipDir // generated from the documents below
		}
		if d.IsDir() || strings.Contains(d.Name(), ".test.") ||
			!(strings.HasSuffix(d.Name(), ".ts") || strings.HasSuffix(d.Name(), ".tsx")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			found[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range found {
		if !webOperations[name] {
			t.Errorf("the web app's operation %s is missing from webOperations", name)
		}
	}
	for name := range webOperations {
		if !found[name] {
			t.Errorf("webOperations lists %s, which the web app no longer has", name)
		}
	}
}

// /metrics: a token is required when one is set; without one, only
// loopback clients that are not a proxy's forwarded requests get it; with
// its own listener, the public one has none.
func TestMetricsAccess(t *testing.T) {
	get := func(s *Server, h http.Handler, remote string, header http.Header) int {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		r.RemoteAddr = remote
		for k, v := range header {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	cases := []struct {
		name   string
		cfg    Config
		own    bool // the separate listener's handler
		remote string
		header http.Header
		want   int
	}{
		{"default, loopback", Config{}, false, "127.0.0.1:5000", nil, 200},
		{"default, loopback v6", Config{}, false, "[::1]:5000", nil, 200},
		{"default, remote", Config{}, false, "203.0.113.9:5000", nil, 403},
		{"default, local proxy", Config{}, false, "127.0.0.1:5000", http.Header{"X-Forwarded-For": {"203.0.113.9"}}, 403},
		{"token, none sent", Config{MetricsToken: "s3cret"}, false, "127.0.0.1:5000", nil, 401},
		{"token, wrong", Config{MetricsToken: "s3cret"}, false, "203.0.113.9:5000", bearer("guess"), 401},
		{"token, right", Config{MetricsToken: "s3cret"}, false, "203.0.113.9:5000", bearer("s3cret"), 200},
		{"own listener: public path gone", Config{MetricsAddr: "127.0.0.1:0"}, false, "127.0.0.1:5000", nil, 404},
		{"own listener", Config{MetricsAddr: "127.0.0.1:0"}, true, "10.0.0.5:5000", nil, 200},
		{"own listener with token", Config{MetricsAddr: "127.0.0.1:0", MetricsToken: "s3cret"}, true, "10.0.0.5:5000", nil, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &Server{Config: c.cfg, metrics: newMetrics(nil)}
			h := s.metricsEndpoint()
			if c.own {
				h = s.MetricsHandler()
			}
			if got := get(s, h, c.remote, c.header); got != c.want {
				t.Fatalf("status %d, want %d", got, c.want)
			}
		})
	}
}
