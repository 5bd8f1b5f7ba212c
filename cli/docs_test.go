package cli_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/depot-registry/depot/cli"
	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/docsweb"
	"github.com/depot-registry/depot/server/servertest"
	"github.com/depot-registry/depot/viewer"
)

// A docs folder packed by the client is what the docs service accepts and
// serves, file for file.
func TestPackDocsIsAcceptedAndServed(t *testing.T) {
	env := servertest.New(t)
	key := env.SignUp("alice").WithKey("api:write").Key
	if _, _, err := run(t, map[string]string{"DEPOT_URL": env.URL, "DEPOT_API_KEY": key}, "publish", packageDir(t, "alpha_lib", "1.0.0")); err != nil {
		t.Fatal(err)
	}
	dir := writeTree(t, map[string]string{
		"index.html":         "<h1>alpha</h1>",
		"api-reference.html": "api",
		"dist/app.js":        "app()",
		".build":             "exdoc bookkeeping",
	})
	tb, err := cli.PackDocs(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := env.Server.Accounts.ViewerForKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	svc := &docshost.Service{DB: env.Server.DB.Client, Blobs: env.Server.Blobs, Registry: env.Server.Registry}
	if err := svc.Publish(viewer.NewContext(context.Background(), v), "", "alpha_lib", "1.0.0", bytes.NewReader(tb)); err != nil {
		t.Fatalf("docs service refused the packed folder: %v", err)
	}
	h := docsweb.NewHandler(svc)
	for path, want := range map[string]string{
		"/docs/alpha_lib/":                  "<h1>alpha</h1>",
		"/docs/alpha_lib/1.0.0/dist/app.js": "app()",
		"/docs/alpha_lib/.build":            "404 page not found",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if got := strings.TrimSpace(rec.Body.String()); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}

	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "passwd")); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.PackDocs(dir); err == nil || !strings.Contains(err.Error(), "links") {
		t.Errorf("PackDocs followed a link: %v", err)
	}
}
