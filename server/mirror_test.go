package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/mirroredpackage"
	"github.com/depot-registry/depot/ent/mirroredtarball"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/internal/command"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// upstreamDepot is a second Depot playing the upstream "hexpm", behind a
// front that can stop it, answer garbage, or change tarball bytes.
type upstreamDepot struct {
	env   *servertest.Env
	alice *servertest.Client
	url   string
	mode  atomic.Value // "", "down", "garbage", "tarball"
	// tarballs and packages count the requests for each that reached it.
	tarballs, packages atomic.Int64
}

func newUpstreamDepot(t testing.TB) *upstreamDepot {
	t.Helper()
	u := &upstreamDepot{env: servertest.New(t, func(c *server.Config) { c.PublicRepository = "hexpm" })}
	u.mode.Store("")
	c := u.env.SignUp("upalice")
	u.alice = c
	c.Publish(pkgtest.Tarball(t, "up_base", "1.0.0"), nil).MustOK(t)
	c.Publish(pkgtest.Tarball(t, "up_lib", "1.0.0", pkgtest.Dep{Name: "up_base", Requirement: "~> 1.0"}), nil).MustOK(t)
	h := u.env.Server.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "/tarballs/"):
			u.tarballs.Add(1)
		case strings.Contains(r.URL.Path, "/packages/"):
			u.packages.Add(1)
		}
		switch m := u.mode.Load().(string); {
		case m == "down":
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		case m == "garbage" && strings.Contains(r.URL.Path, "/packages/"):
			_, _ = w.Write([]byte("not a registry payload"))
			return
		case m == "tarball" && strings.Contains(r.URL.Path, "/tarballs/"):
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			b := rec.Body.Bytes()
			b[len(b)/2] ^= 0xff
			_, _ = w.Write(b)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	u.url = srv.URL + "/repo"
	return u
}

func (u *upstreamDepot) config(name string, key []byte) servertest.Option {
	return func(c *server.Config) {
		c.Upstreams = []config.Upstream{{Name: name, URL: u.url, PublicKey: key}}
	}
}

// cached lists what the mirror has stored in the shared cache: every
// package row (with its payload's digest, ETag, fetch time and missing
// flag, so a rewrite shows) and every tarball row.
func cached(t *testing.T, env *servertest.Env) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	pkgs, err := env.Server.DB.Client.MirroredPackage.Query().Order(ent.Asc(mirroredpackage.FieldName)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		out = append(out, fmt.Sprintf("package %s/%s %x %s %s %v", p.Upstream, p.Name, sha256.Sum256(p.Payload), p.Etag, p.FetchedAt, p.Missing))
	}
	tars, err := env.Server.DB.Client.MirroredTarball.Query().Order(ent.Asc(mirroredtarball.FieldName)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tars {
		out = append(out, fmt.Sprintf("tarball %s/%s-%s %s", r.Upstream, r.Name, r.Version, r.BlobKey))
	}
	return out
}

func get(t *testing.T, env *servertest.Env, path string) (int, []byte) {
	t.Helper()
	resp := env.Anonymous().Get(path, nil)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// A mirrored package is served re-signed with Depot's key under Depot's
// repository name, its upstream dependency pointing at Depot itself, and
// its tarball is the upstream's, verified by the outer checksum.
func TestMirrorServesResigned(t *testing.T) {
	up := newUpstreamDepot(t)
	up.alice.Do(`mutation { retireRelease(input: {package: "up_lib", version: "1.0.0", reason: SECURITY, message: "CVE-2026-0002"}) { releases { version } } }`, nil).MustOK(t)
	local := servertest.New(t, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM))
	status, body := get(t, local, "/repo/packages/up_lib")
	if status != http.StatusOK {
		t.Fatalf("GET mirrored package: %d %s", status, body)
	}
	p, err := hexrepo.DecodePackageSigned(body, &local.Server.RepoKeys.Private.PublicKey, testdb.PublicRepository, "up_lib")
	if err != nil {
		t.Fatalf("mirrored payload does not verify with Depot's key and name: %v", err)
	}
	if len(p.Releases) != 1 || len(p.Releases[0].Dependencies) != 1 || p.Releases[0].Dependencies[0].Repository != "" {
		t.Fatalf("mirrored releases %+v, want 1.0.0 depending on up_base in this repository", p.Releases)
	}
	if r := p.Releases[0].Retired; r == nil || r.Reason != hexrepo.ReasonSecurity || r.Message != "CVE-2026-0002" {
		t.Errorf("upstream retirement not carried: %+v", r)
	}
	status, tarball := get(t, local, "/repo/tarballs/up_lib-1.0.0.tar")
	sum := sha256.Sum256(tarball)
	if status != http.StatusOK || !bytes.Equal(sum[:], p.Releases[0].OuterChecksum) {
		t.Fatalf("mirrored tarball: %d, checksum %x, want %x", status, sum, p.Releases[0].OuterChecksum)
	}
	// /names and /versions list the cached mirrored package beside local ones.
	local.SignUp("alice").Publish(pkgtest.Tarball(t, "loc_lib", "1.0.0"), nil).MustOK(t)
	pub := &local.Server.RepoKeys.Private.PublicKey
	_, nb := get(t, local, "/repo/names")
	names, err := hexrepo.DecodeNamesSigned(nb, pub, testdb.PublicRepository)
	if err != nil || len(names.Packages) != 2 || names.Packages[0].Name != "loc_lib" || names.Packages[1].Name != "up_lib" {
		t.Errorf("/repo/names %+v %v, want loc_lib and up_lib", names.Packages, err)
	}
	_, vb := get(t, local, "/repo/versions")
	versions, err := hexrepo.DecodeVersionsSigned(vb, pub, testdb.PublicRepository)
	if err != nil || len(versions.Packages) != 2 || versions.Packages[1].Name != "up_lib" || strings.Join(versions.Packages[1].Versions, ",") != "1.0.0" || len(versions.Packages[1].Retired) != 1 {
		t.Errorf("/repo/versions %+v %v, want loc_lib and up_lib 1.0.0", versions.Packages, err)
	}
	// Fetched once: with the upstream down the tarball is still served.
	up.mode.Store("down")
	if status, again := get(t, local, "/repo/tarballs/up_lib-1.0.0.tar"); status != http.StatusOK || !bytes.Equal(again, tarball) {
		t.Fatalf("cached tarball with the upstream down: %d", status)
	}
	if status, _ := get(t, local, "/repo/tarballs/up_lib-9.9.9.tar"); status != http.StatusNotFound {
		t.Errorf("unknown mirrored version: %d, want 404", status)
	}
}

// A wrong upstream key, a payload naming another repository, and a tarball
// that does not match the signed checksum are each refused (502) and
// nothing is cached; garbage after caching leaves the cache serving.
func TestMirrorRefusesUnverified(t *testing.T) {
	up := newUpstreamDepot(t)
	other, err := hexrepo.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	otherPEM, _ := hexrepo.EncodePublicKeyPEM(&other.PublicKey)
	for _, c := range []struct {
		name string
		opt  servertest.Option
	}{
		{"wrong key", up.config("hexpm", otherPEM)},
		{"wrong repository name", up.config("elsewhere", up.env.Server.RepoKeys.PublicPEM)},
	} {
		t.Run(c.name, func(t *testing.T) {
			local := servertest.New(t, c.opt)
			status, body := get(t, local, "/repo/packages/up_lib")
			if status != http.StatusBadGateway {
				t.Errorf("status %d %s, want 502", status, body)
			}
			if status, _ := get(t, local, "/repo/tarballs/up_lib-1.0.0.tar"); status != http.StatusBadGateway {
				t.Errorf("tarball status %d, want 502", status)
			}
			if files := cached(t, local); len(files) != 0 {
				t.Errorf("cached %v after a refused answer", files)
			}
			if n := local.Server.Mirror.Stats.UpstreamErrors.Load(); n == 0 {
				t.Errorf("upstream errors not counted")
			}
		})
	}
	t.Run("tarball changed upstream", func(t *testing.T) {
		local := servertest.New(t, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM))
		if status, _ := get(t, local, "/repo/packages/up_lib"); status != http.StatusOK {
			t.Fatalf("package: %d", status)
		}
		before := cached(t, local)
		up.mode.Store("tarball")
		defer up.mode.Store("")
		if status, _ := get(t, local, "/repo/tarballs/up_lib-1.0.0.tar"); status != http.StatusBadGateway {
			t.Errorf("changed tarball: %d, want 502", status)
		}
		if after := cached(t, local); strings.Join(after, ",") != strings.Join(before, ",") {
			t.Errorf("cache %v became %v after a refused tarball", before, after)
		}
		up.mode.Store("")
		if status, _ := get(t, local, "/repo/tarballs/up_lib-1.0.0.tar"); status != http.StatusOK {
			t.Errorf("honest tarball afterwards: %d", status)
		}
	})
	t.Run("garbage after caching", func(t *testing.T) {
		local := servertest.New(t, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM))
		status, first := get(t, local, "/repo/packages/up_lib")
		if status != http.StatusOK {
			t.Fatalf("package: %d", status)
		}
		before := cached(t, local)
		up.mode.Store("garbage")
		defer up.mode.Store("")
		local.Clock.Advance(24 * time.Hour)
		status, again := get(t, local, "/repo/packages/up_lib")
		if status != http.StatusOK || !bytes.Equal(first, again) {
			t.Errorf("stale-if-error: %d, same body %v", status, bytes.Equal(first, again))
		}
		if after := cached(t, local); strings.Join(after, ",") != strings.Join(before, ",") {
			t.Errorf("cache changed: %v → %v", before, after)
		}
	})
}

// Publishing a public package whose name exists upstream is refused with
// CONFLICT (nothing is published) until the operator allows the name; a
// local package then always wins over the upstream one.
func TestMirrorDependencyConfusion(t *testing.T) {
	up := newUpstreamDepot(t)
	dbURL := testdb.URL(t)
	guarded := servertest.NewOnDatabase(t, dbURL, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM))
	alice := guarded.SignUp("alice")
	res := alice.Publish(pkgtest.Tarball(t, "up_lib", "2.0.0"), nil)
	wantCode(t, res, "CONFLICT")
	if len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, "exists in the upstream repository hexpm") {
		t.Errorf("message %v does not explain the conflict", res.Errors)
	}
	var out struct{ Package *struct{ Name string } }
	alice.Do(`{ package(name: "up_lib") { name } }`, nil).MustOK(t).Decode(t, &out)
	if out.Package != nil {
		t.Fatalf("the refused publish created the package")
	}
	// A name the upstream does not have publishes as usual.
	alice.Publish(pkgtest.Tarball(t, "own_lib", "1.0.0"), nil).MustOK(t)

	allowed := servertest.NewOnDatabase(t, dbURL, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM), func(c *server.Config) {
		c.MirrorAllowLocal = []string{"up_lib"}
	})
	allowed.SignUp("bob").Publish(pkgtest.Tarball(t, "up_lib", "2.0.0"), nil).MustOK(t)
	status, body := get(t, allowed, "/repo/packages/up_lib")
	if status != http.StatusOK {
		t.Fatalf("package: %d", status)
	}
	p, err := hexrepo.DecodePackageSigned(body, &allowed.Server.RepoKeys.Private.PublicKey, testdb.PublicRepository, "up_lib")
	if err != nil || len(p.Releases) != 1 || p.Releases[0].Version != "2.0.0" {
		t.Fatalf("local package should win over the upstream one: %+v %v", p.Releases, err)
	}
	if status, _ := get(t, allowed, "/repo/tarballs/up_lib-1.0.0.tar"); status != http.StatusNotFound {
		t.Errorf("upstream-only version of a local package: %d, want 404", status)
	}
}

// `depot admin mirror sync` pre-fetches packages and their tarballs, which
// then resolve with the upstream down.
func TestMirrorSync(t *testing.T) {
	up := newUpstreamDepot(t)
	local := servertest.New(t, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM))
	res, err := local.Server.Mirror.Sync(context.Background(), []string{"up_lib", "up_base", "no_such_lib"})
	if err != nil || res.Packages != 2 || res.Tarballs != 2 || res.NotFound != 1 || len(res.Failed) != 0 {
		t.Fatalf("sync: %+v %v", res, err)
	}
	up.mode.Store("down")
	for _, path := range []string{"/repo/packages/up_lib", "/repo/packages/up_base", "/repo/tarballs/up_lib-1.0.0.tar", "/repo/tarballs/up_base-1.0.0.tar"} {
		if status, _ := get(t, local, path); status != http.StatusOK {
			t.Errorf("%s after sync with the upstream down: %d", path, status)
		}
	}
}

// Private organization repositories never mirror, and their names are not
// vetted against the upstream (clients address them by repository).
func TestMirrorNeverIntoPrivateRepositories(t *testing.T) {
	up := newUpstreamDepot(t)
	local := servertest.New(t, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM))
	alice := local.SignUp("alice")
	alice.Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	alice.Do(`mutation { updateBillingProfile(input: {organization: "acme", email: "billing@acme.test", name: "Acme AB", country: "SE", company: true}) { billingProfile { country } } }`, nil).MustOK(t)
	alice.Do(`mutation { startSubscription(input: {organization: "acme", plan: MONTHLY, seats: 1}) { billing { status } } }`, nil).MustOK(t)
	alice.Publish(pkgtest.Tarball(t, "up_lib", "3.0.0"), map[string]any{"r": "acme"}).MustOK(t)
	member := alice.WithKey("repository:acme")
	for _, path := range []string{"/repo/repos/acme/packages/up_base", "/repo/repos/acme/tarballs/up_base-1.0.0.tar", "/repo/repos/acme/tarballs/up_lib-1.0.0.tar"} {
		resp := member.Get(path, nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404 (private repositories never mirror)", path, resp.StatusCode)
		}
	}
	if files := cached(t, local); len(files) != 0 {
		t.Errorf("private requests reached the mirror: %v", files)
	}
}

// Two instances over one database and one blob store share the mirror's
// cache: a package and tarball fetched through one are served by the other
// without another upstream request (the tarball is fetched exactly once).
func TestMirrorSharedByInstances(t *testing.T) {
	up := newUpstreamDepot(t)
	dbURL, blobDir := testdb.URL(t), t.TempDir()
	shared := func(c *server.Config) { c.BlobURL = "file://" + blobDir }
	a := servertest.NewOnDatabase(t, dbURL, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM), shared)
	b := servertest.NewOnDatabase(t, dbURL, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM), shared)
	status, first := get(t, a, "/repo/tarballs/up_lib-1.0.0.tar")
	if status != http.StatusOK {
		t.Fatalf("tarball through the first instance: %d", status)
	}
	if status, again := get(t, b, "/repo/tarballs/up_lib-1.0.0.tar"); status != http.StatusOK || !bytes.Equal(again, first) {
		t.Fatalf("tarball through the second instance: %d, same bytes %v", status, bytes.Equal(again, first))
	}
	if status, _ := get(t, b, "/repo/packages/up_lib"); status != http.StatusOK {
		t.Fatalf("package through the second instance: %d", status)
	}
	if n, m := up.tarballs.Load(), up.packages.Load(); n != 1 || m != 1 {
		t.Errorf("upstream asked %d times for the tarball and %d for the package, want exactly once each", n, m)
	}
	if st := &b.Server.Mirror.Stats; st.Misses.Load() != 0 || st.Hits.Load() == 0 {
		t.Errorf("second instance: %d misses, %d hits; want only hits", st.Misses.Load(), st.Hits.Load())
	}
}

// The orphan sweep keeps mirrored tarballs (their rows reference them) on
// the local blob store while it removes a true orphan, and the tarball is
// then served with the upstream down.
func TestMirrorSweepKeepsTarballs(t *testing.T) {
	up := newUpstreamDepot(t)
	local := servertest.New(t, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM))
	status, tarball := get(t, local, "/repo/tarballs/up_lib-1.0.0.tar")
	if status != http.StatusOK {
		t.Fatalf("tarball: %d", status)
	}
	ctx := context.Background()
	orphan, err := local.Server.Blobs.Put(ctx, bytes.NewReader([]byte("left by a crashed publish")))
	if err != nil {
		t.Fatal(err)
	}
	// blob/local ages blobs by the files' times, the wall clock.
	local.Clock.Set(time.Now().Add(2 * time.Hour))
	res, err := local.Server.Registry.SweepOrphans(ctx, time.Hour)
	if err != nil || res.Orphans != 1 {
		t.Fatalf("sweep: %+v %v, want the one orphan removed", res, err)
	}
	sum := sha256.Sum256(tarball)
	for key, want := range map[string]bool{hex.EncodeToString(sum[:]): true, orphan.Key: false} {
		if ok, err := local.Server.Blobs.Exists(ctx, key); err != nil || ok != want {
			t.Errorf("blob %s exists = %v (%v), want %v", key, ok, err, want)
		}
	}
	up.mode.Store("down")
	if status, again := get(t, local, "/repo/tarballs/up_lib-1.0.0.tar"); status != http.StatusOK || !bytes.Equal(again, tarball) {
		t.Errorf("swept-around tarball with the upstream down: %d", status)
	}
	if n := up.tarballs.Load(); n != 1 {
		t.Errorf("upstream asked %d times for the tarball, want once", n)
	}
}

// `depot admin mirror sync` fills the servers' own cache (their database
// and blob store): a running server then serves the synced package and
// tarball with the upstream down, having never asked it itself.
func TestAdminMirrorSyncFillsSharedCache(t *testing.T) {
	up := newUpstreamDepot(t)
	dbURL, blobDir := testdb.URL(t), t.TempDir()
	blobURL := "file://" + blobDir
	local := servertest.NewOnDatabase(t, dbURL, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM), func(c *server.Config) { c.BlobURL = blobURL })
	pem := filepath.Join(t.TempDir(), "hexpm.pem")
	if err := os.WriteFile(pem, up.env.Server.RepoKeys.PublicPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DEPOT_DATABASE_URL", dbURL)
	t.Setenv("DEPOT_DATA_DIR", t.TempDir())
	t.Setenv("DEPOT_BLOB_URL", blobURL)
	t.Setenv("DEPOT_UPSTREAMS", "hexpm="+up.url+",key="+pem)
	var admin command.Command
	for _, c := range server.Commands() {
		if c.Name == "admin" {
			admin = c
		}
	}
	if err := admin.Run(context.Background(), []string{"mirror", "sync", "up_lib"}); err != nil {
		t.Fatalf("depot admin mirror sync: %v", err)
	}
	if n, m := up.packages.Load(), up.tarballs.Load(); n != 1 || m != 1 {
		t.Fatalf("sync asked the upstream %d times for the package and %d for the tarball, want once each", n, m)
	}
	up.mode.Store("down")
	for _, path := range []string{"/repo/packages/up_lib", "/repo/tarballs/up_lib-1.0.0.tar"} {
		if status, _ := get(t, local, path); status != http.StatusOK {
			t.Errorf("%s after sync by the command, upstream down: %d", path, status)
		}
	}
	if st := &local.Server.Mirror.Stats; st.Misses.Load() != 0 {
		t.Errorf("the server fetched %d times itself, want the command's cache", st.Misses.Load())
	}
}
