package registry_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/viewer"
)

// DependentsOf reads many packages' dependents at once: each package's
// own page, by name, privacy applied before the page is cut (a hidden
// dependent never takes a visible one's place), a dependent of several
// packages listed under each, and a package never its own dependent.
func TestDependentsOfBatch(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	acme := fx.org("acme")
	member := as(alice, fx.member(acme, alice, viewer.RoleWrite))
	on := func(names ...string) []hextar.Requirement {
		var reqs []hextar.Requirement
		for _, n := range names {
			reqs = append(reqs, hextar.Requirement{Name: n, Requirement: "~> 1.0", Repository: "hexpm"})
		}
		return reqs
	}
	base := fx.publish(member, "", pkgSpec{name: "base", version: "1.0.0"})
	core := fx.publish(member, "", pkgSpec{name: "core", version: "1.0.0"})
	lone := fx.publish(member, "", pkgSpec{name: "lone", version: "1.0.0"})
	fx.publish(member, "", pkgSpec{name: "zeta", version: "1.0.0", deps: on("base")})
	fx.publish(member, "", pkgSpec{name: "mid", version: "1.0.0", deps: on("base", "core")})
	fx.publish(member, "", pkgSpec{name: "mid", version: "1.1.0", deps: on("base", "core")})
	// "aaa" sorts first and is private: anonymous pages must skip it.
	fx.publish(member, "acme", pkgSpec{name: "aaa", version: "1.0.0", deps: on("base", "core")})
	ids := []int{base.PackageID, core.PackageID, lone.PackageID}

	cases := []struct {
		name   string
		member bool
		limit  int
		want   map[int][]string
	}{
		{"anonymous, all", false, 0, map[int][]string{base.PackageID: {"mid", "zeta"}, core.PackageID: {"mid"}}},
		{"anonymous, one each", false, 1, map[int][]string{base.PackageID: {"mid"}, core.PackageID: {"mid"}}},
		{"member, all", true, 0, map[int][]string{base.PackageID: {"aaa", "mid", "zeta"}, core.PackageID: {"aaa", "mid"}}},
		{"member, two each", true, 2, map[int][]string{base.PackageID: {"aaa", "mid"}, core.PackageID: {"aaa", "mid"}}},
	}
	for _, c := range cases {
		ctx := anonymous()
		if c.member {
			ctx = member
		}
		got, err := fx.svc.DependentsOf(ctx, ids, c.limit)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		gotNames := map[int][]string{}
		for id, ps := range got {
			gotNames[id] = names(ps)
		}
		if !maps.EqualFunc(gotNames, c.want, slices.Equal[[]string]) {
			t.Errorf("%s: %v, want %v", c.name, gotNames, c.want)
		}
		// The one-package read is the same rule.
		for _, id := range ids {
			one, err := fx.svc.Dependents(ctx, id, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(one), c.want[id]) {
				t.Errorf("%s: Dependents(%d) = %v, want %v", c.name, id, names(one), c.want[id])
			}
		}
	}
	if got, err := fx.svc.DependentsOf(anonymous(), nil, 0); err != nil || len(got) != 0 {
		t.Errorf("no ids: %v, %v; want none", got, err)
	}
}
