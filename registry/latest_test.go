package registry_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/repository"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/semver"
)

// TestLatestRuleOneDefinition checks that the renderings of the latest
// rule — Latest (one package, Ent), LatestReleases / ReleasePages (many
// packages in one statement, dialect-specific SQL) and LatestVersion (in
// memory) — pick the same release
// on a table of version sets, and that the pages agree with SemVer
// precedence. Run it on both databases.
func TestLatestRuleOneDefinition(t *testing.T) {
	fx := newFixture(t)
	ctx := fx.sys()
	tests := []struct {
		versions []string
		latest   string // "" when the package has no release
		newest2  []string
	}{
		{nil, "", nil},
		{[]string{"1.0.0"}, "1.0.0", []string{"1.0.0"}},
		{[]string{"1.0.0", "1.10.0", "1.9.0"}, "1.10.0", []string{"1.10.0", "1.9.0"}},
		{[]string{"1.0.0", "2.0.0-rc.1", "1.5.0"}, "1.5.0", []string{"2.0.0-rc.1", "1.5.0"}},
		{[]string{"2.0.0-rc.1", "2.0.0-beta.2"}, "2.0.0-rc.1", []string{"2.0.0-rc.1", "2.0.0-beta.2"}},
		{[]string{"0.1.0-alpha", "0.0.1"}, "0.0.1", []string{"0.1.0-alpha", "0.0.1"}},
		{[]string{"1.0.0-rc.1", "1.0.0"}, "1.0.0", []string{"1.0.0", "1.0.0-rc.1"}},
		{[]string{"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-alpha"}, "1.0.0-beta.11", []string{"1.0.0-beta.11", "1.0.0-beta.2"}},
		{[]string{"1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-alpha"}, "1.0.0-alpha.beta", []string{"1.0.0-alpha.beta", "1.0.0-alpha.1"}},
		{[]string{"3.0.0-rc.1", "10.0.0-alpha", "9.0.0-rc.2"}, "10.0.0-alpha", []string{"10.0.0-alpha", "9.0.0-rc.2"}},
		{[]string{"0.9.0", "256.0.0-rc.1", "255.1.0"}, "255.1.0", []string{"256.0.0-rc.1", "255.1.0"}},
	}
	repo, err := fx.db.Repository.Query().Where(repository.Name(testdb.PublicRepository)).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, len(tests))
	for i, tt := range tests {
		p, err := fx.db.Pkg.Create().SetName(fmt.Sprintf("latest_%d", i)).SetRepositoryID(repo.ID).SetFirstPublishedAt(t0).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = p.ID
		for _, s := range tt.versions {
			v := semver.MustParse(s)
			err := fx.db.Release.Create().SetPackageID(p.ID).SetVersion(s).SetVersionKey(registry.VersionKey(v)).
				SetPrerelease(v.IsPrerelease()).SetInnerChecksum("x").SetOuterChecksum("x").SetBlobKey("x").
				SetSize(1).SetFirstPublishedAt(t0).Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
		}
	}

	batched, err := fx.svc.LatestReleases(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	pages, _, err := fx.svc.ReleasePages(ctx, ids, registry.ReleasePage{N: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		one, err := registry.Latest(ctx, fx.db.Release, release.PackageID(ids[i]))
		if err != nil {
			t.Fatal(err)
		}
		if got := versionOf(one); got != tt.latest {
			t.Errorf("%v: Latest = %q, want %q", tt.versions, got, tt.latest)
		}
		if got := versionOf(batched[ids[i]]); got != tt.latest {
			t.Errorf("%v: LatestReleases = %q, want %q", tt.versions, got, tt.latest)
		}
		var vs []semver.Version
		for _, s := range tt.versions {
			vs = append(vs, semver.MustParse(s))
		}
		if got, ok := registry.LatestVersion(vs); ok != (tt.latest != "") || (ok && got.String() != tt.latest) {
			t.Errorf("%v: LatestVersion = %v, %v, want %q", tt.versions, got, ok, tt.latest)
		}
		var page []string
		for _, r := range pages[ids[i]] {
			page = append(page, r.Version)
		}
		if !slices.Equal(page, tt.newest2) {
			t.Errorf("%v: page of 2 = %v, want %v", tt.versions, page, tt.newest2)
		}
	}
	if _, ok := batched[ids[0]]; ok {
		t.Errorf("a package without releases has a latest release")
	}
}

// TestReleasePagesRejectsEmptyPage checks that a page size below 1 is an
// error, not an empty answer.
func TestReleasePagesRejectsEmptyPage(t *testing.T) {
	fx := newFixture(t)
	if _, _, err := fx.svc.ReleasePages(fx.sys(), []int{1}, registry.ReleasePage{N: 0}); err == nil {
		t.Fatal("page size 0 accepted")
	}
}

func versionOf(r *ent.Release) string {
	if r == nil {
		return ""
	}
	return r.Version
}
