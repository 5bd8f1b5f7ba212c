package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/depot-registry/depot/ent/mirroredpackage"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

const mirroredPackageQuery = `query($n: String!) { mirroredPackage(name: $n) {
	name upstream repositoryUrl latestVersion cachedAt
	versions { version outerChecksum tarballCached retirement { reason message } } } }`

type mirroredPackageAnswer struct {
	MirroredPackage *struct {
		Name, Upstream, LatestVersion, CachedAt string
		RepositoryURL                           *string
		Versions                                []struct {
			Version, OuterChecksum string
			TarballCached          bool
			Retirement             *struct{ Reason, Message string }
		}
	}
}

const mirroredSearchQuery = `query($s: String, $first: Int, $after: Cursor) {
	mirroredPackages(search: $s, first: $first, after: $after) {
		totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name upstream } } } }`

type mirroredSearchAnswer struct {
	MirroredPackages struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   *string
		}
		Edges []struct {
			Cursor string
			Node   struct{ Name, Upstream string }
		}
	}
}

func (a mirroredSearchAnswer) names() []string {
	var out []string
	for _, e := range a.MirroredPackages.Edges {
		out = append(out, e.Node.Name)
	}
	return out
}

// upstreamRequests is every request that reached the upstream.
func (u *upstreamDepot) requests() int64 { return u.packages.Load() + u.tarballs.Load() }

// A cached mirrored package answers in GraphQL as the cache holds it
// (releases newest first, the upstream's retirement, which tarballs are
// cached, the latest by the registry's rule); an uncached one is null.
// Neither asks the upstream anything.
func TestMirroredPackageGraphQL(t *testing.T) {
	up := newUpstreamDepot(t)
	up.alice.Publish(pkgtest.Tarball(t, "up_lib", "1.1.0"), nil).MustOK(t)
	up.alice.Publish(pkgtest.Tarball(t, "up_lib", "2.0.0-rc.1"), nil).MustOK(t)
	up.alice.Do(`mutation { retireRelease(input: {package: "up_lib", version: "1.0.0", reason: SECURITY, message: "CVE-2026-0002"}) { releases { version } } }`, nil).MustOK(t)
	local := servertest.New(t, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM))
	// Asked before anything is cached: nothing, and (the read cache being
	// on) no answer that outlives the caching below.
	for _, c := range []*servertest.Client{local.Anonymous(), local.SignUp("bob")} {
		if r := c.Do(mirroredSearchQuery, map[string]any{"s": "up"}).MustOK(t); decodeAs[mirroredSearchAnswer](t, r).MirroredPackages.TotalCount != 0 {
			t.Fatalf("before caching: %s", r.Data)
		}
		if got := decodeAs[mirroredPackageAnswer](t, c.Do(mirroredPackageQuery, map[string]any{"n": "up_lib"}).MustOK(t)); got.MirroredPackage != nil {
			t.Fatalf("before caching: mirroredPackage(up_lib) = %+v", got.MirroredPackage)
		}
	}
	if status, body := get(t, local, "/repo/packages/up_lib"); status != http.StatusOK {
		t.Fatalf("GET mirrored package: %d %s", status, body)
	}
	status, tarball := get(t, local, "/repo/tarballs/up_lib-1.1.0.tar")
	if status != http.StatusOK {
		t.Fatalf("GET mirrored tarball: %d", status)
	}
	sum := sha256.Sum256(tarball)
	before := up.requests()

	anon := local.Anonymous()
	got := decodeAs[mirroredPackageAnswer](t, anon.Do(mirroredPackageQuery, map[string]any{"n": "up_lib"}).MustOK(t))
	p := got.MirroredPackage
	if p == nil {
		t.Fatal("mirroredPackage(up_lib) = null, want the cached package")
	}
	if p.Name != "up_lib" || p.Upstream != "hexpm" || p.RepositoryURL == nil || *p.RepositoryURL != up.url || p.CachedAt == "" {
		t.Errorf("package %+v, want up_lib from hexpm at %s", p, up.url)
	}
	if p.LatestVersion != "1.1.0" {
		t.Errorf("latestVersion %s, want 1.1.0 (stable before pre-release)", p.LatestVersion)
	}
	var versions []string
	for _, v := range p.Versions {
		versions = append(versions, v.Version)
	}
	if strings.Join(versions, " ") != "2.0.0-rc.1 1.1.0 1.0.0" {
		t.Fatalf("versions %v, want newest first", versions)
	}
	if r := p.Versions[2].Retirement; r == nil || r.Reason != "SECURITY" || r.Message != "CVE-2026-0002" {
		t.Errorf("1.0.0 retirement %+v, want the upstream's", r)
	}
	if p.Versions[1].Retirement != nil || !p.Versions[1].TarballCached || p.Versions[0].TarballCached {
		t.Errorf("versions %+v: want only 1.1.0's tarball cached, 1.1.0 not retired", p.Versions)
	}
	if p.Versions[1].OuterChecksum != hex.EncodeToString(sum[:]) {
		t.Errorf("1.1.0 outer checksum %s, want the tarball's %x", p.Versions[1].OuterChecksum, sum)
	}
	// up_base is upstream but not cached: GraphQL does not fetch it.
	if got := decodeAs[mirroredPackageAnswer](t, anon.Do(mirroredPackageQuery, map[string]any{"n": "up_base"}).MustOK(t)); got.MirroredPackage != nil {
		t.Errorf("uncached mirroredPackage(up_base) = %+v, want null", got.MirroredPackage)
	}
	s := decodeAs[mirroredSearchAnswer](t, anon.Do(mirroredSearchQuery, map[string]any{"s": "up"}).MustOK(t))
	if names := s.names(); !slices.Equal(names, []string{"up_lib"}) || s.MirroredPackages.TotalCount != 1 {
		t.Errorf("mirroredPackages(up) = %v (total %d), want only the cached up_lib", names, s.MirroredPackages.TotalCount)
	}
	// The package page asks package(name:) first: a mirrored-only name is null there.
	if r := anon.Do(`{ package(name: "up_lib") { name } }`, nil).MustOK(t); string(r.Data) != `{"package":null}` {
		t.Errorf("package(up_lib) = %s, want null", r.Data)
	}
	if after := up.requests(); after != before {
		t.Errorf("GraphQL made %d upstream requests, want none", after-before)
	}
}

// Search ranks exact, then prefix, then substring matches, ties by name,
// and pages with cursors; rows the upstream said are missing and rows that
// no longer verify are never listed, and a local package shadows its
// mirrored namesake.
func TestMirroredPackagesSearch(t *testing.T) {
	up := newUpstreamDepot(t)
	for _, n := range []string{"json", "json_b", "json_a", "fast_json", "a_json", "jason", "shadowed_json"} {
		up.alice.Publish(pkgtest.Tarball(t, n, "1.0.0"), nil).MustOK(t)
	}
	local := servertest.New(t, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM), func(c *server.Config) {
		c.MirrorAllowLocal = []string{"shadowed_json"}
	})
	for _, n := range []string{"json", "json_b", "json_a", "fast_json", "a_json", "jason", "shadowed_json", "broken_json"} {
		get(t, local, "/repo/packages/"+n)
	}
	get(t, local, "/repo/packages/json_missing") // not upstream: a missing row
	local.SignUp("alice").Publish(pkgtest.Tarball(t, "shadowed_json", "9.0.0"), nil).MustOK(t)
	ctx := context.Background()
	db := local.Server.DB.Client
	// A row whose payload no longer verifies (tampered in the database).
	row, err := db.MirroredPackage.Query().Where(mirroredpackage.Name("json_a")).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tampered := slices.Clone(row.Payload)
	tampered[len(tampered)/2] ^= 0xff
	if err := db.MirroredPackage.Create().SetUpstream("hexpm").SetName("json_bad").SetPayload(tampered).SetFetchedAt(row.FetchedAt).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := db.MirroredPackage.Query().Where(mirroredpackage.Missing(true)).Count(ctx); err != nil || n != 2 {
		t.Fatalf("%d missing rows (%v), want json_missing and broken_json", n, err)
	}
	before := up.requests()
	anon := local.Anonymous()

	all := decodeAs[mirroredSearchAnswer](t, anon.Do(mirroredSearchQuery, map[string]any{"s": "json"}).MustOK(t))
	want := []string{"json", "json_a", "json_b", "a_json", "fast_json"}
	if names := all.names(); !slices.Equal(names, want) || all.MirroredPackages.TotalCount != len(want) || all.MirroredPackages.PageInfo.HasNextPage {
		t.Fatalf("mirroredPackages(json) = %v (total %d), want %v", names, all.MirroredPackages.TotalCount, want)
	}
	// Upper case and spaces are the same term.
	if names := decodeAs[mirroredSearchAnswer](t, anon.Do(mirroredSearchQuery, map[string]any{"s": " JSON "}).MustOK(t)).names(); !slices.Equal(names, want) {
		t.Errorf("mirroredPackages(' JSON ') = %v, want %v", names, want)
	}
	// Pages of two follow one another to the end.
	var paged []string
	var after any
	for range 4 {
		p := decodeAs[mirroredSearchAnswer](t, anon.Do(mirroredSearchQuery, map[string]any{"s": "json", "first": 2, "after": after}).MustOK(t))
		paged = append(paged, p.names()...)
		if p.MirroredPackages.TotalCount != len(want) {
			t.Errorf("page total %d, want %d", p.MirroredPackages.TotalCount, len(want))
		}
		if !p.MirroredPackages.PageInfo.HasNextPage {
			break
		}
		after = *p.MirroredPackages.PageInfo.EndCursor
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged %v, want %v", paged, want)
	}
	// No term: every listable cached package, by name.
	if names := decodeAs[mirroredSearchAnswer](t, anon.Do(mirroredSearchQuery, nil).MustOK(t)).names(); !slices.Equal(names, []string{"a_json", "fast_json", "jason", "json", "json_a", "json_b"}) {
		t.Errorf("mirroredPackages() = %v", names)
	}
	for _, n := range []string{"json_bad", "json_missing", "broken_json", "shadowed_json"} {
		if got := decodeAs[mirroredPackageAnswer](t, anon.Do(mirroredPackageQuery, map[string]any{"n": n}).MustOK(t)); got.MirroredPackage != nil {
			t.Errorf("mirroredPackage(%s) = %+v, want null", n, got.MirroredPackage)
		}
	}
	empty := anon.Do(mirroredSearchQuery, map[string]any{"s": "nothing_like_it"}).MustOK(t)
	if !strings.Contains(string(empty.Data), `"edges":[]`) || !strings.Contains(string(empty.Data), `"totalCount":0`) {
		t.Errorf("no match: %s, want edges [] and totalCount 0", empty.Data)
	}
	// Another connection's cursor is refused with a stable code.
	other := decodeAs[struct {
		Packages struct{ PageInfo struct{ EndCursor string } }
	}](t, anon.Do(`{ packages(first: 1) { pageInfo { endCursor } } }`, nil).MustOK(t))
	if r := anon.Do(mirroredSearchQuery, map[string]any{"s": "json", "after": other.Packages.PageInfo.EndCursor}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("foreign cursor: code %q, want BAD_USER_INPUT: %s", r.Code(), r.Raw)
	}
	if after := up.requests(); after != before {
		t.Errorf("GraphQL made %d upstream requests, want none", after-before)
	}
}

// Mirroring off: the list is an empty connection and every name is null.
func TestMirroredPackagesOff(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("alice").Publish(pkgtest.Tarball(t, "json", "1.0.0"), nil).MustOK(t)
	r := env.Anonymous().Do(mirroredSearchQuery, map[string]any{"s": "json"}).MustOK(t)
	if string(r.Data) != `{"mirroredPackages":{"totalCount":0,"pageInfo":{"hasNextPage":false,"endCursor":null},"edges":[]}}` {
		t.Errorf("mirroring off: %s", r.Data)
	}
	if got := decodeAs[mirroredPackageAnswer](t, env.Anonymous().Do(mirroredPackageQuery, map[string]any{"n": "json"}).MustOK(t)); got.MirroredPackage != nil {
		t.Errorf("mirroring off: mirroredPackage = %+v", got.MirroredPackage)
	}
}
