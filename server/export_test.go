package server_test

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"iter"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

const exportOrgDoc = `mutation($o: String!, $k: String) {
  exportOrganization(input: {organization: $o, privateKey: $k}) { downloadUrl expiresAt repository publicKey packages releases docs size } }`

type exportOut struct {
	ExportOrganization struct {
		DownloadURL, Repository, PublicKey string
		ExpiresAt                          time.Time
		Packages, Releases, Docs, Size     int
	}
}

// blobCount counts the blobs stored, to show a refused export stored none.
func blobCount(t *testing.T, env *servertest.Env) int {
	t.Helper()
	l, ok := env.Server.Blobs.(blob.Lister)
	if !ok {
		t.Fatalf("blob store %T cannot list", env.Server.Blobs)
	}
	n := 0
	var seq iter.Seq2[blob.Ref, error] = l.List(sys())
	for _, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// Who may export an organization: its admins, through a browser session or
// an api:write key, with a fresh two-factor code when they have two-factor
// authentication. An allowed export leaves an audit row and a download; a
// refused one changes nothing and stores nothing.
func TestAuthorizationMatrixExportOrganization(t *testing.T) {
	cols := []string{"anonymous", "user", "other user", "org read", "org write", "org admin",
		"key api:read", "key api:write", "key package:x", "key repository:ORG", "user 2fa, stale", "key needs code"}
	const (
		T  = "TOTP_REQUIRED"
		U  = "UNAUTHENTICATED"
		F  = "FORBIDDEN"
		OK = ""
	)
	want := []string{U, OK, F, F, F, OK, F, OK, F, F, T, T}
	env := servertest.New(t)
	for i, col := range cols {
		t.Run(col, func(t *testing.T) {
			f := newFixture(t, env, i+1)
			c := f.principal(t, env, col)
			before, blobs := snapshot(t, env), blobCount(t, env)
			r := c.Do(exportOrgDoc, map[string]any{"o": f.org})
			if want[i] != OK {
				wantCode(t, r, want[i])
				unchanged(t, env, before)
				if n := blobCount(t, env); n != blobs {
					t.Fatalf("a refused export stored %d blobs", n-blobs)
				}
				return
			}
			wantCode(t, r, "")
			wantAudit(t, env, "organization.export")
			var out exportOut
			r.Decode(t, &out)
			if resp := env.Anonymous().Get(strings.TrimPrefix(out.ExportOrganization.DownloadURL, env.URL), nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("download: %s", resp.Status)
			} else {
				resp.Body.Close()
			}
		})
	}
}

// The download is the registry folder as a tar.gz, signed with the key the
// admin gave; the link works without credentials until it expires, and a
// changed link never works.
func TestExportOrganizationDownload(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	alice.Do(createOrgDoc, map[string]any{"n": "acme"}).MustOK(t)
	alice.Do(`mutation { updateBillingProfile(input: {organization: "acme", email: "b@acme.test", name: "Acme", country: "US", company: true}) { billingProfile { country } } }`, nil).MustOK(t)
	alice.Do(`mutation { startSubscription(input: {organization: "acme", plan: MONTHLY, seats: 2}) { billing { status } } }`, nil).MustOK(t)
	alice.Publish(pkgtest.Tarball(t, "acme_lib", "1.0.0"), map[string]any{"r": "acme"}).MustOK(t)
	docs := pkgtest.Docs(t, map[string]string{"index.html": "<h1>acme_lib</h1>"})
	alice.Upload(`mutation($t: Upload!) { publishDocs(input: {package: "acme_lib", version: "1.0.0", repository: "acme", tarball: $t}) { release { version } } }`,
		nil, "t", docs).MustOK(t)

	key, err := hexrepo.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	var out exportOut
	alice.Do(exportOrgDoc, map[string]any{"o": "acme", "k": string(hexrepo.EncodePrivateKeyPEM(key))}).MustOK(t).Decode(t, &out)
	e := out.ExportOrganization
	if e.Packages != 1 || e.Releases != 1 || e.Docs != 1 || e.Repository != "acme" || !e.ExpiresAt.After(env.Clock.Now()) {
		t.Fatalf("export %+v", e)
	}
	pub, _ := hexrepo.EncodePublicKeyPEM(&key.PublicKey)
	if e.PublicKey != string(pub) {
		t.Fatalf("public key %q is not the given key's", e.PublicKey)
	}
	path := strings.TrimPrefix(e.DownloadURL, env.URL)
	resp := env.Anonymous().Get(path, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/gzip" {
		t.Fatalf("download: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	files := untar(t, resp.Body)
	resp.Body.Close()
	for _, name := range []string{"names", "versions", "packages/acme_lib", "tarballs/acme_lib-1.0.0.tar", "docs/acme_lib-1.0.0.tar.gz", "public_key", "depot-export.json"} {
		if _, ok := files["acme/"+name]; !ok {
			t.Errorf("the archive has no acme/%s (has %d files)", name, len(files))
		}
	}
	if p, err := hexrepo.DecodePackageSigned(files["acme/packages/acme_lib"], &key.PublicKey, "acme", "acme_lib"); err != nil || len(p.Releases) != 1 {
		t.Fatalf("packages/acme_lib: %+v %v", p, err)
	}
	if string(files["acme/docs/acme_lib-1.0.0.tar.gz"]) != string(docs) {
		t.Error("docs tarball differs")
	}

	if resp := env.Anonymous().Get(path[:len(path)-2]+"xx", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("changed link: %s", resp.Status)
	}
	env.Clock.Advance(16 * time.Minute)
	if resp := env.Anonymous().Get(path, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("expired link: %s", resp.Status)
	}
	// A key that is not a PEM private key is refused.
	r := alice.Do(exportOrgDoc, map[string]any{"o": "acme", "k": "not a key"})
	wantCode(t, r, "BAD_USER_INPUT")
}

func untar(t *testing.T, r io.Reader) map[string][]byte {
	t.Helper()
	zr, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = b
	}
}
