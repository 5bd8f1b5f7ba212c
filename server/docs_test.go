package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

const publishDocs = `mutation($t: Upload!, $p: String!, $v: String!) {
  publishDocs(input: {package: $p, version: $v, tarball: $t}) { release { version hasDocs docsUrl } }
}`

// Documentation published through GraphQL is served under /docs, sandboxed
// away from the app's session; a non-owner cannot publish it.
func TestDocsPublishAndServe(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	alice.Publish(pkgtest.Tarball(t, "docme", "1.0.0"), nil).MustOK(t)
	page := `<html><script>document.cookie</script><body>Docme manual</body></html>`
	docs := pkgtest.Docs(t, map[string]string{"index.html": page, "Docme.html": "<p>module</p>"})

	if code := env.SignUp("mallory").Upload(publishDocs, map[string]any{"p": "docme", "v": "1.0.0"}, "t", docs).Code(); code != "FORBIDDEN" {
		t.Fatalf("docs by a non-owner: code %q, want FORBIDDEN", code)
	}
	var out struct {
		PublishDocs struct {
			Release struct {
				HasDocs bool
				DocsURL string
			}
		}
	}
	alice.Upload(publishDocs, map[string]any{"p": "docme", "v": "1.0.0"}, "t", docs).MustOK(t).Decode(t, &out)
	if !out.PublishDocs.Release.HasDocs || !strings.HasSuffix(out.PublishDocs.Release.DocsURL, "/docs/docme/1.0.0/") {
		t.Fatalf("after publishDocs: %+v", out.PublishDocs.Release)
	}
	for _, path := range []string{"/docs/docme/1.0.0/", "/docs/docme/", "/docs/docme/Docme.html"} {
		resp := env.Anonymous().Get(path, nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, resp.StatusCode)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Fatalf("GET %s: Content-Security-Policy %q, want a sandbox (opaque origin: no access to the app's cookie)", path, csp)
		}
		if path != "/docs/docme/Docme.html" && string(body) != page {
			t.Fatalf("GET %s: body %q", path, body)
		}
	}
	if resp := env.Anonymous().Get("/docs/docme/docme.html", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("docs paths are case-sensitive: GET docme.html gave %d", resp.StatusCode)
	}
}
