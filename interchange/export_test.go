package interchange_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/repository"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/interchange"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/internal/rebar3test"
	"github.com/depot-registry/depot/server/servertest"
)

const publishDocsDoc = `mutation($t: Upload!, $p: String!, $v: String!, $r: String) {
  publishDocs(input: {package: $p, version: $v, repository: $r, tarball: $t}) { release { version } } }`

// acmeWorld is a server with organization acme (subscribed, admin alice)
// holding three private releases, two with docs, one retired.
type acmeWorld struct {
	env   *servertest.Env
	alice *servertest.Client
}

func newAcme(t *testing.T) *acmeWorld {
	t.Helper()
	env := servertest.New(t)
	alice := env.SignUp("alice")
	alice.Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	alice.Do(`mutation { updateBillingProfile(input: {organization: "acme", email: "b@acme.test", name: "Acme", country: "US", company: true}) { billingProfile { country } } }`, nil).MustOK(t)
	alice.Do(`mutation { startSubscription(input: {organization: "acme", plan: MONTHLY, seats: 2}) { billing { status } } }`, nil).MustOK(t)
	w := &acmeWorld{env: env, alice: alice}
	acme := map[string]any{"r": "acme"}
	alice.Publish(pkgtest.Tarball(t, "acme_base", "1.0.0"), acme).MustOK(t)
	env.Clock.Advance(3 * time.Hour)
	alice.Publish(pkgtest.Tarball(t, "acme_base", "1.1.0"), acme).MustOK(t)
	env.Clock.Advance(26 * time.Hour)
	alice.Publish(pkgtest.Tarball(t, "acme_app", "0.3.0", pkgtest.Dep{Name: "acme_base", Requirement: "~> 1.1"}), acme).MustOK(t)
	env.Clock.Advance(time.Hour)
	for _, pv := range [][2]string{{"acme_base", "1.1.0"}, {"acme_app", "0.3.0"}} {
		docs := pkgtest.Docs(t, map[string]string{"index.html": "<h1>" + pv[0] + " " + pv[1] + "</h1>"})
		alice.Upload(publishDocsDoc, map[string]any{"p": pv[0], "v": pv[1], "r": "acme"}, "t", docs).MustOK(t)
	}
	alice.Do(`mutation { retireRelease(input: {package: "acme_base", version: "1.0.0", repository: "acme", reason: DEPRECATED, message: "use 1.1"}) { releases { version } } }`, nil).MustOK(t)
	return w
}

// releases lists every release of org's repository with what an export
// must carry over, by "name version".
func releases(t *testing.T, env *servertest.Env, org string) map[string]*ent.Release {
	t.Helper()
	rels, err := env.Server.DB.Client.Release.Query().
		Where(release.HasPackageWith(pkg.HasRepositoryWith(repository.Name(org)))).
		WithPackage().WithRetirement().All(sys())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ent.Release{}
	for _, r := range rels {
		out[r.Edges.Package.Name+" "+r.Version] = r
	}
	return out
}

func blobBytes(t *testing.T, env *servertest.Env, key string) []byte {
	t.Helper()
	rc, _, err := env.Server.Blobs.Open(sys(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// export runs what `depot admin export` runs.
func export(t *testing.T, env *servertest.Env, org string) (string, interchange.ExportSummary) {
	t.Helper()
	dir := t.TempDir()
	sum, err := interchangeOf(env).Export(sys(), interchange.ExportOptions{Org: org, Key: testKey(t, 0)}, interchange.DirSink(dir))
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

// Export, then import into a fresh Depot: the same tarballs byte for byte,
// the same checksums, publish times, retirement and docs.
func TestExportThenImportRoundTrip(t *testing.T) {
	a := newAcme(t)
	dir, sum := export(t, a.env, "acme")
	if sum.Packages != 2 || sum.Releases != 3 || sum.Docs != 2 || sum.Repository != "acme" {
		t.Fatalf("export summary %+v", sum)
	}

	b := servertest.New(t)
	b.SignUp("bob").Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	isum, err := interchangeOf(b).Import(sys(), interchange.Dir(dir), interchange.ImportOptions{Org: "acme", PublicKey: pubPEM(t, testKey(t, 0))})
	if err != nil {
		t.Fatal(err)
	}
	if isum.Imported != 3 || isum.Docs != 2 || len(isum.Refused) != 0 {
		t.Fatalf("import summary %+v", isum)
	}
	src, dst := releases(t, a.env, "acme"), releases(t, b, "acme")
	if len(dst) != len(src) {
		t.Fatalf("imported %d releases, exported %d", len(dst), len(src))
	}
	for k, s := range src {
		d, ok := dst[k]
		switch {
		case !ok:
			t.Fatalf("%s missing after import", k)
		case d.OuterChecksum != s.OuterChecksum || d.InnerChecksum != s.InnerChecksum:
			t.Errorf("%s checksums %s/%s, source %s/%s", k, d.InnerChecksum, d.OuterChecksum, s.InnerChecksum, s.OuterChecksum)
		case !d.FirstPublishedAt.Equal(s.FirstPublishedAt):
			t.Errorf("%s published at %s, source %s", k, d.FirstPublishedAt, s.FirstPublishedAt)
		case !bytes.Equal(blobBytes(t, b, d.BlobKey), blobBytes(t, a.env, s.BlobKey)):
			t.Errorf("%s tarball bytes differ", k)
		case (s.DocsBlobKey == nil) != (d.DocsBlobKey == nil) || (s.DocsBlobKey != nil && *s.DocsBlobKey != *d.DocsBlobKey):
			t.Errorf("%s docs %v, source %v", k, d.DocsBlobKey, s.DocsBlobKey)
		case s.DocsPublishedAt != nil && !d.DocsPublishedAt.Equal(*s.DocsPublishedAt):
			t.Errorf("%s docs published at %v, source %v", k, d.DocsPublishedAt, s.DocsPublishedAt)
		case (s.Edges.Retirement == nil) != (d.Edges.Retirement == nil):
			t.Errorf("%s retirement %v, source %v", k, d.Edges.Retirement, s.Edges.Retirement)
		}
	}
	if r := dst["acme_base 1.0.0"].Edges.Retirement; r == nil || r.Reason != "DEPRECATED" || r.Message != "use 1.1" {
		t.Errorf("retirement %+v", r)
	}
	// Again: nothing new.
	again, err := interchangeOf(b).Import(sys(), interchange.Dir(dir), interchange.ImportOptions{Org: "acme", PublicKey: pubPEM(t, testKey(t, 0))})
	if err != nil || again.Imported != 0 || again.Skipped != 3 || again.Docs != 0 || again.DocsSkipped != 2 {
		t.Fatalf("second import %+v, %v", again, err)
	}
}

// The seed keeps an organization's data at least 90 days after its
// subscription lapses: standing at day 90 after the cancellation took
// effect, the organization is no longer entitled, and the export still
// holds every package and every docs tarball, verified.
func TestExportOfLapsedOrganizationAtDay90(t *testing.T) {
	a := newAcme(t)
	const readPkg = `query { package(name: "acme_base", repository: "acme") { name } }`
	if res := a.alice.Do(readPkg, nil).MustOK(t); !bytes.Contains(res.Data, []byte(`"acme_base"`)) {
		t.Fatalf("package not readable while subscribed: %s", res.Raw)
	}
	var out struct {
		CancelSubscription struct {
			Billing struct{ CurrentPeriodEnd time.Time }
		}
	}
	a.alice.Do(`mutation { cancelSubscription(input: {organization: "acme"}) { billing { currentPeriodEnd } } }`, nil).MustOK(t).Decode(t, &out)
	end := out.CancelSubscription.Billing.CurrentPeriodEnd
	if end.IsZero() {
		t.Fatal("no period end")
	}
	a.env.Clock.Set(end.Add(90 * 24 * time.Hour))
	// Alice signs in again (her session is long gone).
	alice := a.env.Anonymous()
	alice.Do(`mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { user { id } } }`,
		map[string]any{"l": "alice", "p": servertest.Password("alice")}).MustOK(t)
	var billing struct {
		Organization struct {
			ViewerRole string
			Billing    *struct{ Entitled bool }
		}
	}
	alice.Do(`query { organization(name: "acme") { viewerRole billing { entitled } } }`, nil).MustOK(t).Decode(t, &billing)
	if o := billing.Organization; o.ViewerRole != "ADMIN" || o.Billing == nil || o.Billing.Entitled {
		t.Fatalf("at day 90 alice sees %+v; want an admin of a no longer entitled organization", o)
	}
	// Its members can no longer read the private packages...
	if res := alice.Do(readPkg, nil); bytes.Contains(res.Data, []byte(`"acme_base"`)) {
		t.Fatalf("lapsed organization's package still readable: %s", res.Raw)
	}

	// ...but its admin can still export it through the API...
	var ex struct {
		ExportOrganization struct{ Packages, Releases, Docs int }
	}
	alice.Do(`mutation { exportOrganization(input: {organization: "acme"}) { packages releases docs } }`, nil).MustOK(t).Decode(t, &ex)
	if e := ex.ExportOrganization; e.Packages != 2 || e.Releases != 3 || e.Docs != 2 {
		t.Fatalf("lapsed admin's export: %+v", e)
	}

	// ...and the operator's export has every release and docs tarball.
	dir, sum := export(t, a.env, "acme")
	want := releases(t, a.env, "acme")
	if sum.Releases != len(want) || sum.Docs != 2 {
		t.Fatalf("export %+v, want %d releases and 2 docs", sum, len(want))
	}
	var man interchange.Manifest
	mj, err := os.ReadFile(filepath.Join(dir, interchange.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(mj, &man); err != nil {
		t.Fatal(err)
	}
	docs := 0
	for _, p := range man.Packages {
		body, err := os.ReadFile(filepath.Join(dir, "packages", p.Name))
		if err != nil {
			t.Fatal(err)
		}
		hp, err := hexrepo.DecodePackageSigned(body, &testKey(t, 0).PublicKey, "acme", p.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(hp.Releases) != len(p.Releases) {
			t.Fatalf("%s: payload %d releases, manifest %d", p.Name, len(hp.Releases), len(p.Releases))
		}
		for _, r := range p.Releases {
			rel, ok := want[p.Name+" "+r.Version]
			if !ok {
				t.Fatalf("exported %s %s, which is not in the database", p.Name, r.Version)
			}
			delete(want, p.Name+" "+r.Version)
			if got := fileSum(t, filepath.Join(dir, "tarballs", p.Name+"-"+r.Version+".tar")); got != rel.OuterChecksum {
				t.Errorf("%s %s tarball checksum %s, want %s", p.Name, r.Version, got, rel.OuterChecksum)
			}
			if rel.DocsBlobKey != nil {
				if r.Docs == nil || fileSum(t, filepath.Join(dir, filepath.FromSlash(r.Docs.File))) != *rel.DocsBlobKey {
					t.Errorf("%s %s docs missing or wrong: %+v", p.Name, r.Version, r.Docs)
				}
				docs++
			}
		}
	}
	if len(want) != 0 || docs != 2 {
		t.Fatalf("not exported: %v; docs %d", want, docs)
	}
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// A dump is a registry as it is: served by a plain static file server (one
// that sends ETags, as nginx and caddy do), the real rebar3 verifies it
// with the export's key and compiles the organization's packages from it.
func TestExportIsServedAsItIs(t *testing.T) {
	rebar3test.Require(t)
	a := newAcme(t)
	dir, _ := export(t, a.env, "acme")
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/")))); err == nil {
			s := sha256.Sum256(b)
			w.Header().Set("ETag", `"`+hex.EncodeToString(s[:])+`"`)
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	proj := rebar3test.NewProject(t, "scratch", []rebar3test.Dep{{Name: "acme_app", Requirement: "~> 0.3"}},
		rebar3test.Repo{Name: "acme", URL: srv.URL, PublicKey: pubPEM(t, testKey(t, 0))})
	proj.MustRun("compile")
	for _, app := range []string{"acme_base", "acme_app"} {
		if _, err := os.Stat(filepath.Join(proj.Dir, "_build", "default", "lib", app, "ebin", app+".beam")); err != nil {
			t.Errorf("%s was not compiled: %v", app, err)
		}
	}
	if got := proj.Lock()["acme_base"].Version; got != "1.1.0" {
		t.Errorf("rebar3 locked acme_base %q, want 1.1.0", got)
	}
}
