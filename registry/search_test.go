package registry_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/viewer"
)

func names(ps []*ent.Pkg) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func TestSearch(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	acme := fx.org("acme")
	ctx := as(alice, fx.member(acme, alice, viewer.RoleWrite))
	for _, s := range []pkgSpec{
		{name: "plug_cowboy", description: "A Plug adapter for Cowboy"},
		{name: "plug", description: "Compose web applications"},
		{name: "cowboy", description: "Small, fast HTTP server"},
		{name: "phoenix", description: "Productive web framework built on PLUG"},
		{name: "plugx", description: "Other things"},
		{name: "percent", description: "Matches 100% of nothing"},
		{name: "a_b", description: "underscore"},
		{name: "axb", description: "no underscore"},
	} {
		s.version = "1.0.0"
		fx.publish(ctx, "", s)
	}
	fx.publish(ctx, "acme", pkgSpec{name: "plug_private", version: "1.0.0"})

	tests := []struct {
		name string
		ctx  context.Context
		in   registry.SearchInput
		want []string
	}{
		// Exact name, then prefix (by downloads, then name), then description.
		{"relevance", anonymous(), registry.SearchInput{Term: "plug"}, []string{"plug", "plug_cowboy", "plugx", "phoenix"}},
		{"case-insensitive", anonymous(), registry.SearchInput{Term: "PLUG"}, []string{"plug", "plug_cowboy", "plugx", "phoenix"}},
		{"members also see private packages", ctx, registry.SearchInput{Term: "plug"}, []string{"plug", "plug_cowboy", "plug_private", "plugx", "phoenix"}},
		{"one repository", ctx, registry.SearchInput{Term: "plug", Repository: "acme"}, []string{"plug_private"}},
		{"% is literal", anonymous(), registry.SearchInput{Term: "100%"}, []string{"percent"}},
		// axb is no match: _ is not a wildcard. Descriptions match by word
		// ("a", "adapter", "applications").
		{"_ is literal", anonymous(), registry.SearchInput{Term: "a_"}, []string{"a_b", "plug", "plug_cowboy"}},
		{"no term: order by name", anonymous(), registry.SearchInput{}, []string{"a_b", "axb", "cowboy", "percent", "phoenix", "plug", "plug_cowboy", "plugx"}},
		{"no term: name descending", anonymous(), registry.SearchInput{OrderBy: &registry.Order{Field: registry.OrderName, Desc: true}}, []string{"plugx", "plug_cowboy", "plug", "phoenix", "percent", "cowboy", "axb", "a_b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Count = true
			res, err := fx.svc.Search(tt.ctx, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(res.Packages); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if res.Total != len(tt.want) || res.HasNext {
				t.Errorf("total %d, hasNext %v", res.Total, res.HasNext)
			}
		})
	}

	// Pages join up without gaps or overlaps.
	var all []string
	in := registry.SearchInput{First: 3, Count: true}
	for page := 0; ; page++ {
		res, err := fx.svc.Search(anonymous(), in)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, names(res.Packages)...)
		if res.Total != 8 {
			t.Errorf("total = %d", res.Total)
		}
		if !res.HasNext {
			break
		}
		in.After = res.Cursors[len(res.Cursors)-1]
		if page > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if !slices.Equal(all, tests[6].want) {
		t.Errorf("paged = %v", all)
	}
	_, err := fx.svc.Search(anonymous(), registry.SearchInput{After: "garbage!"})
	wantCode(t, err, apperr.BadInput)
}

func TestDependents(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	acme := fx.org("acme")
	member := as(alice, fx.member(acme, alice, viewer.RoleWrite))
	base := fx.publish(member, "", pkgSpec{name: "base", version: "1.0.0"})
	dep := []hextar.Requirement{{Name: "base", Requirement: "~> 1.0", Repository: "hexpm"}}
	fx.publish(member, "", pkgSpec{name: "zeta", version: "1.0.0", deps: dep})
	fx.publish(member, "", pkgSpec{name: "alpha", version: "1.0.0", deps: dep})
	fx.publish(member, "", pkgSpec{name: "alpha", version: "1.1.0", deps: dep}) // listed once
	fx.publish(member, "acme", pkgSpec{name: "hidden", version: "1.0.0", deps: dep})

	got, err := fx.svc.Dependents(anonymous(), base.PackageID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(got), []string{"alpha", "zeta"}) {
		t.Errorf("public view = %v", names(got))
	}
	got, _ = fx.svc.Dependents(member, base.PackageID, 0)
	if !slices.Equal(names(got), []string{"alpha", "hidden", "zeta"}) {
		t.Errorf("member view = %v", names(got))
	}
	// The revert refusal counts the private dependent without naming it.
	fx.clock.set(time.Minute)
	_, _, err = fx.svc.Revert(as(alice), "", "base", "1.0.0")
	wantCode(t, err, apperr.Conflict)
	if msg := err.Error(); !contains(msg, "alpha") || contains(msg, "hidden") || !contains(msg, "1 private") {
		t.Errorf("message = %q", msg)
	}
}

func TestDownloads(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	r1 := fx.publish(as(alice), "", pkgSpec{name: "foo", version: "1.0.0"})
	r2 := fx.publish(as(alice), "", pkgSpec{name: "foo", version: "1.1.0"})
	updated := mustPkg(t, fx, "foo").UpdatedAt
	for range 3 {
		fx.svc.CountDownload(r1.ID)
	}
	fx.svc.CountDownload(r2.ID)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fx.svc.RunDownloadFlusher(ctx, time.Hour) }()
	cancel() // shutdown flushes what is pending
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p := mustPkg(t, fx, "foo")
	if p.Downloads != 4 {
		t.Errorf("package downloads = %d, want 4", p.Downloads)
	}
	if got := fx.db.Release.GetX(fx.sys(), r1.ID).Downloads; got != 3 {
		t.Errorf("release downloads = %d, want 3", got)
	}
	if !p.UpdatedAt.Equal(updated) {
		t.Errorf("downloads moved updated_at: %v → %v", updated, p.UpdatedAt)
	}
	// Nothing pending: a flush is a no-op.
	if err := fx.svc.FlushDownloads(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := mustPkg(t, fx, "foo").Downloads; got != 4 {
		t.Errorf("second flush counted again: %d", got)
	}
}
