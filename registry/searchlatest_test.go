package registry_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/viewer"
)

// A search asked for the latest releases reads them with its page on
// PostgreSQL, and they are the releases LatestReleases (the loaders' read)
// gives for the same viewer: the latest rule (a stable release before a
// newer pre-release; a pre-release when there is nothing else), privacy,
// every column. On SQLite the search leaves them to the loaders.
func TestSearchReadsLatestReleases(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice, bob := fx.user("alice"), fx.user("bob")
	acme := fx.org("acme")
	member := as(alice, fx.member(acme, alice, viewer.RoleWrite))
	fx.clock.set(1234567 * time.Microsecond) // a time with microseconds
	fx.publish(member, "", pkgSpec{name: "heron", version: "1.0.0"})
	fx.publish(member, "", pkgSpec{name: "heron", version: "2.0.0-rc.1"})
	fx.publish(member, "", pkgSpec{name: "heron_beta", version: "0.1.0-beta"})
	fx.publish(member, "", pkgSpec{name: "heron_beta", version: "0.1.0-alpha"})
	fx.publish(member, "acme", pkgSpec{name: "heron_secret", version: "1.0.0"})
	fx.clock.set(2 * time.Second)
	fx.publish(member, "acme", pkgSpec{name: "heron_secret", version: "1.1.0"})
	fx.publish(member, "", pkgSpec{name: "egret", version: "3.0.0", description: "not a heron"})
	fx.setDownloads("heron_secret", 500)
	pg := fx.db.Dialect == dialect.Postgres

	for _, tt := range []struct {
		name  string
		ctx   context.Context
		term  string
		first int
		want  map[string]string // package → latest version
	}{
		{"member, one word", member, "heron", 20, map[string]string{"heron": "1.0.0", "heron_beta": "0.1.0-beta", "heron_secret": "1.1.0", "egret": "3.0.0"}},
		{"member, full page", member, "heron", 2, map[string]string{"heron_secret": "1.1.0", "heron": "1.0.0", "heron_beta": "0.1.0-beta"}},
		{"outsider, one word", as(bob), "heron", 20, map[string]string{"heron": "1.0.0", "heron_beta": "0.1.0-beta", "egret": "3.0.0"}},
		{"anonymous, two words", anonymous(), "heron beta", 20, map[string]string{"heron_beta": "0.1.0-beta"}},
		{"member, name field", member, "name:heron_secret", 20, map[string]string{"heron_secret": "1.1.0"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := fx.svc.Search(tt.ctx, registry.SearchInput{Term: tt.term, First: tt.first, Latest: registry.LatestSummaryColumns})
			if err != nil {
				t.Fatal(err)
			}
			if !pg {
				if res.Latest != nil {
					t.Fatalf("SQLite: latest releases read by the search: %v", res.Latest)
				}
				return
			}
			ids := make([]int, 0, len(res.Latest))
			byName := map[string]*ent.Release{}
			for _, p := range res.Packages {
				if _, ok := res.Latest[p.ID]; !ok {
					t.Errorf("%s: no latest release read", p.Name)
				}
			}
			for id := range res.Latest {
				ids = append(ids, id)
			}
			loaded, err := fx.svc.LatestReleases(tt.ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			for id, got := range res.Latest {
				want := loaded[id]
				if got == nil || want == nil {
					t.Fatalf("package %d: folded %v, loaded %v", id, got, want)
				}
				if got.ID != want.ID || got.PackageID != want.PackageID || got.Version != want.Version ||
					!bytes.Equal(got.VersionKey, want.VersionKey) || got.Prerelease != want.Prerelease ||
					!eqInt(got.PrivateOrgID, want.PrivateOrgID) || !got.FirstPublishedAt.Equal(want.FirstPublishedAt) ||
					got.FirstPublishedAt.Format(time.RFC3339Nano) != want.FirstPublishedAt.Format(time.RFC3339Nano) ||
					!eqInt(got.PublisherID, want.PublisherID) || !eqStr(got.DocsBlobKey, want.DocsBlobKey) {
					t.Errorf("package %d: folded %+v, loaded %+v", id, got, want)
				}
				p := mustPkgByID(t, fx, id)
				byName[p.Name] = got
			}
			if len(byName) != len(tt.want) {
				t.Errorf("latest releases of %v, want those of %v", keys(byName), tt.want)
			}
			for name, v := range tt.want {
				if byName[name] == nil || byName[name].Version != v {
					t.Errorf("%s: latest %v, want %s", name, byName[name], v)
				}
			}
		})
	}
}

func eqInt(a, b *int) bool    { return a == nil && b == nil || a != nil && b != nil && *a == *b }
func eqStr(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func mustPkgByID(t *testing.T, fx *fixture, id int) *ent.Pkg {
	t.Helper()
	p, err := fx.db.Pkg.Get(fx.sys(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
