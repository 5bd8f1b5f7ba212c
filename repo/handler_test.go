package repo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"testing"

	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/viewer"
)

const public = testdb.PublicRepository

func (e *repoEnv) decodePackage(body []byte, repository, name string) hexrepo.Package {
	e.t.Helper()
	p, err := hexrepo.DecodePackageSigned(body, &e.keys.Private.PublicKey, repository, name)
	if err != nil {
		e.t.Fatalf("decode /packages/%s: %v", name, err)
	}
	return p
}

func versionsOf(p hexrepo.Package) []string {
	var out []string
	for _, r := range p.Releases {
		out = append(out, r.Version)
	}
	return out
}

func TestPackagePayload(t *testing.T) {
	e := newRepoEnv(t)
	alice := e.user("alice")
	va := as(alice)
	rels := map[string]string{} // version → outer checksum
	for _, v := range []string{"1.10.0", "1.2.0", "1.2.0-rc.1", "0.9.0"} {
		rels[v] = e.publish(va, "", "alpha", v).OuterChecksum
	}
	beta := e.publish(va, "", "beta", "1.0.0", hextar.Requirement{Name: "alpha", Requirement: "~> 1.2", Optional: true})
	ctx := viewer.NewContext(context.Background(), va)
	if _, err := e.svc.Retire(ctx, "", "alpha", "1.2.0", retirement.ReasonSECURITY, "use 1.10.0"); err != nil {
		t.Fatal(err)
	}

	res := e.get(nil, http.MethodGet, "/repo/packages/alpha")
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	p := e.decodePackage(res.body, public, "alpha")
	if got, want := versionsOf(p), []string{"0.9.0", "1.2.0-rc.1", "1.2.0", "1.10.0"}; !slices.Equal(got, want) {
		t.Errorf("versions = %v, want SemVer ascending %v", got, want)
	}
	for _, r := range p.Releases {
		if got := hex.EncodeToString(r.OuterChecksum); got != rels[r.Version] {
			t.Errorf("%s outer checksum = %s, want %s", r.Version, got, rels[r.Version])
		}
		if len(r.InnerChecksum) != 32 {
			t.Errorf("%s inner checksum has %d bytes", r.Version, len(r.InnerChecksum))
		}
		retired := r.Retired != nil
		if retired != (r.Version == "1.2.0") {
			t.Errorf("%s retired = %v", r.Version, retired)
		}
		if retired && (r.Retired.Reason != hexrepo.ReasonSecurity || r.Retired.Message != "use 1.10.0") {
			t.Errorf("retirement = %+v, want security / use 1.10.0", *r.Retired)
		}
	}

	res = e.get(nil, http.MethodGet, "/repo/packages/beta")
	b := e.decodePackage(res.body, public, "beta")
	if len(b.Releases) != 1 || len(b.Releases[0].Dependencies) != 1 {
		t.Fatalf("beta = %+v", b)
	}
	dep := b.Releases[0].Dependencies[0]
	want := hexrepo.Dependency{Package: "alpha", Requirement: "~> 1.2", Optional: true, App: "alpha"}
	if dep != want {
		t.Errorf("dependency = %+v, want %+v", dep, want)
	}
	if got := hex.EncodeToString(b.Releases[0].InnerChecksum); got != beta.InnerChecksum {
		t.Errorf("inner checksum = %s, want %s", got, beta.InnerChecksum)
	}
}

func TestETagAndRevalidation(t *testing.T) {
	e := newRepoEnv(t)
	alice := e.user("alice")
	e.publish(as(alice), "", "alpha", "1.0.0")
	for _, path := range []string{"/repo/packages/alpha", "/repo/names", "/repo/versions", "/repo/public_key"} {
		t.Run(path, func(t *testing.T) {
			first := e.get(nil, http.MethodGet, path)
			sum := sha256.Sum256(first.body)
			etag := `"` + hex.EncodeToString(sum[:]) + `"`
			if got := first.header.Get("ETag"); got != etag {
				t.Fatalf("ETag = %s, want quoted SHA-256 of the body %s", got, etag)
			}
			again := e.get(nil, http.MethodGet, path)
			if again.header.Get("ETag") != etag {
				t.Errorf("ETag changed between identical requests: %s then %s", etag, again.header.Get("ETag"))
			}
			cond := e.get(nil, http.MethodGet, path, "If-None-Match", etag)
			if cond.status != http.StatusNotModified || len(cond.body) != 0 {
				t.Errorf("conditional GET = %d with %d bytes, want 304 and no body", cond.status, len(cond.body))
			}
			other := e.get(nil, http.MethodGet, path, "If-None-Match", `"0000"`)
			if other.status != http.StatusOK {
				t.Errorf("GET with a stale ETag = %d, want 200", other.status)
			}
			head := e.get(nil, http.MethodHead, path)
			if head.status != http.StatusOK || len(head.body) != 0 || head.header.Get("Content-Length") != first.header.Get("Content-Length") {
				t.Errorf("HEAD = %d, %d bytes, length %s", head.status, len(head.body), head.header.Get("Content-Length"))
			}
		})
	}
	if cc := e.get(nil, http.MethodGet, "/repo/packages/alpha").header.Get("Cache-Control"); cc != "public, no-cache" {
		t.Errorf("registry Cache-Control = %q, want revalidation on every use", cc)
	}
}

// A registry payload must show every committed change at once: the next
// request after a publish, retirement or revert sees it.
func TestPayloadsFollowCommits(t *testing.T) {
	e := newRepoEnv(t)
	alice := e.user("alice")
	va := as(alice)
	ctx := viewer.NewContext(context.Background(), va)
	e.publish(va, "", "alpha", "1.0.0")
	fetch := func() (hexrepo.Package, string) {
		res := e.get(nil, http.MethodGet, "/repo/packages/alpha")
		return e.decodePackage(res.body, public, "alpha"), res.header.Get("ETag")
	}
	_, etag1 := fetch()

	e.publish(va, "", "alpha", "1.1.0")
	p, etag2 := fetch()
	if !slices.Equal(versionsOf(p), []string{"1.0.0", "1.1.0"}) || etag2 == etag1 {
		t.Fatalf("after publish: versions %v, ETag changed %v", versionsOf(p), etag2 != etag1)
	}
	if cond := e.get(nil, http.MethodGet, "/repo/packages/alpha", "If-None-Match", etag1); cond.status != http.StatusOK {
		t.Errorf("revalidating the old ETag after a publish = %d, want 200", cond.status)
	}

	if _, _, err := e.svc.Revert(ctx, "", "alpha", "1.1.0"); err != nil {
		t.Fatal(err)
	}
	p, etag3 := fetch()
	if !slices.Equal(versionsOf(p), []string{"1.0.0"}) {
		t.Fatalf("after revert: versions %v, want [1.0.0]", versionsOf(p))
	}
	if etag3 != etag1 {
		t.Errorf("same content should give the same ETag again: %s vs %s", etag3, etag1)
	}
	names := e.get(nil, http.MethodGet, "/repo/versions")
	v, err := hexrepo.DecodeVersionsSigned(names.body, &e.keys.Private.PublicKey, public)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Packages) != 1 || !slices.Equal(v.Packages[0].Versions, []string{"1.0.0"}) {
		t.Errorf("/versions after revert = %+v", v.Packages)
	}

	if _, _, err := e.svc.Revert(ctx, "", "alpha", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if res := e.get(nil, http.MethodGet, "/repo/packages/alpha"); res.status != http.StatusNotFound {
		t.Errorf("package whose last release was reverted: status %d, want 404", res.status)
	}
}

func TestNamesAndVersions(t *testing.T) {
	e := newRepoEnv(t)
	alice := e.user("alice")
	va := as(alice)
	acme := e.org("acme", alice)
	e.publish(va, "", "zeta", "1.0.0")
	e.publish(va, "", "alpha", "2.0.0")
	e.publish(va, "", "alpha", "1.0.0")
	e.publish(as(alice, acme), "acme", "secret", "1.0.0")
	ctx := viewer.NewContext(context.Background(), va)
	if _, err := e.svc.Retire(ctx, "", "alpha", "2.0.0", retirement.ReasonDEPRECATED, ""); err != nil {
		t.Fatal(err)
	}
	pub := &e.keys.Private.PublicKey

	n, err := hexrepo.DecodeNamesSigned(e.get(nil, http.MethodGet, "/repo/names").body, pub, public)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range n.Packages {
		names = append(names, p.Name)
		if p.UpdatedAt.IsZero() {
			t.Errorf("%s has no updated_at", p.Name)
		}
	}
	if !slices.Equal(names, []string{"alpha", "zeta"}) {
		t.Errorf("public names = %v, want [alpha zeta] (private packages excluded)", names)
	}

	v, err := hexrepo.DecodeVersionsSigned(e.get(nil, http.MethodGet, "/repo/versions").body, pub, public)
	if err != nil {
		t.Fatal(err)
	}
	want := []hexrepo.VersionsEntry{
		{Name: "alpha", Versions: []string{"1.0.0", "2.0.0"}, Retired: []int32{1}},
		{Name: "zeta", Versions: []string{"1.0.0"}},
	}
	if len(v.Packages) != len(want) {
		t.Fatalf("versions = %+v", v.Packages)
	}
	for i, w := range want {
		g := v.Packages[i]
		if g.Name != w.Name || !slices.Equal(g.Versions, w.Versions) || !slices.Equal(g.Retired, w.Retired) {
			t.Errorf("versions[%d] = %+v, want %+v", i, g, w)
		}
	}

	pn, err := hexrepo.DecodeNamesSigned(e.get(as(alice, acme), http.MethodGet, "/repo/repos/acme/names").body, pub, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(pn.Packages) != 1 || pn.Packages[0].Name != "secret" {
		t.Errorf("acme names = %+v, want [secret]", pn.Packages)
	}
}

func TestPrivateRepository(t *testing.T) {
	e := newRepoEnv(t)
	alice := e.user("alice")
	acme := e.org("acme", alice)
	member := as(alice, acme)
	e.publish(as(alice), "", "pubdep", "1.0.0")
	e.publish(member, "acme", "inner", "1.0.0")
	e.publish(member, "acme", "secret", "1.0.0",
		hextar.Requirement{Name: "pubdep", Requirement: ">= 1.0.0", Repository: public},
		hextar.Requirement{Name: "inner", Requirement: "~> 1.0"})

	res := e.get(member, http.MethodGet, "/repo/repos/acme/packages/secret")
	if res.status != http.StatusOK {
		t.Fatalf("member: status %d", res.status)
	}
	if cc := res.header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("private Cache-Control = %q", cc)
	}
	p := e.decodePackage(res.body, "acme", "secret")
	deps := map[string]string{}
	for _, d := range p.Releases[0].Dependencies {
		deps[d.Package] = d.Repository
	}
	if deps["pubdep"] != public || deps["inner"] != "" {
		t.Errorf("dependency repositories = %v, want pubdep→%s, inner→same repository", deps, public)
	}
	tb := e.get(member, http.MethodGet, "/repo/repos/acme/tarballs/secret-1.0.0.tar")
	if tb.status != http.StatusOK {
		t.Errorf("private tarball for a member: %d", tb.status)
	}
	sum := sha256.Sum256(tb.body)
	if hex.EncodeToString(sum[:]) != hex.EncodeToString(p.Releases[0].OuterChecksum) {
		t.Errorf("tarball does not match the outer checksum of the payload")
	}
}

// A private package must be indistinguishable from a missing one.
func TestNotFoundLooksTheSame(t *testing.T) {
	e := newRepoEnv(t)
	alice := e.user("alice")
	bob := e.user("bob")
	acme := e.org("acme", alice)
	e.publish(as(alice, acme), "acme", "secret", "1.0.0")
	lapsed := acme
	lapsed.Entitled = false
	scoped := as(alice, acme)
	scoped.KeyID, scoped.Scopes = 7, viewer.Scopes{"repository:other"}

	reference := e.get(nil, http.MethodGet, "/repo/packages/nothing")
	if reference.status != http.StatusNotFound {
		t.Fatalf("missing package: %d", reference.status)
	}
	cases := []struct {
		name string
		v    *viewer.Viewer
		path string
	}{
		{"private package asked in the public repository", as(alice, acme), "/repo/packages/secret"},
		{"anonymous", nil, "/repo/repos/acme/packages/secret"},
		{"non-member", as(bob), "/repo/repos/acme/packages/secret"},
		{"lapsed organization", as(alice, lapsed), "/repo/repos/acme/packages/secret"},
		{"key scoped to another repository", scoped, "/repo/repos/acme/packages/secret"},
		{"non-member names", as(bob), "/repo/repos/acme/names"},
		{"non-member versions", as(bob), "/repo/repos/acme/versions"},
		{"non-member tarball", as(bob), "/repo/repos/acme/tarballs/secret-1.0.0.tar"},
		{"unknown organization", as(bob), "/repo/repos/nope/packages/secret"},
		{"member, missing package", as(alice, acme), "/repo/repos/acme/packages/nothing"},
		{"nested path", nil, "/repo/packages/a/b"},
		{"unknown resource", nil, "/repo/whatever"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.get(c.v, http.MethodGet, c.path)
			if res.status != http.StatusNotFound || string(res.body) != string(reference.body) {
				t.Errorf("status %d body %q, want 404 %q", res.status, res.body, reference.body)
			}
			if res.header.Get("ETag") != "" {
				t.Errorf("a 404 carries an ETag")
			}
		})
	}
}

func TestPublicKeyAndMethods(t *testing.T) {
	e := newRepoEnv(t)
	res := e.get(nil, http.MethodGet, "/repo/public_key")
	if res.status != http.StatusOK || string(res.body) != string(e.keys.PublicPEM) {
		t.Fatalf("public key: %d %q", res.status, res.body)
	}
	if _, err := hexrepo.DecodePublicKeyPEM(res.body); err != nil {
		t.Errorf("served key does not decode: %v", err)
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		if res := e.get(nil, m, "/repo/names"); res.status != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d, want 405", m, res.status)
		}
	}
}
