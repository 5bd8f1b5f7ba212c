package registry_test

import (
	"context"
	"slices"
	"testing"

	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/viewer"
)

func req(names ...string) []hextar.Requirement {
	out := make([]hextar.Requirement, len(names))
	for i, n := range names {
		out[i] = hextar.Requirement{Name: n, Requirement: ">= 0.0.0", Repository: "hexpm"}
	}
	return out
}

func (fx *fixture) setDownloads(name string, n int64) {
	fx.t.Helper()
	if err := fx.db.Pkg.Update().Where(pkg.Name(name)).SetDownloads(n).Exec(fx.sys()); err != nil {
		fx.t.Fatal(err)
	}
}

// search runs term and returns names, total and suggestion.
func (fx *fixture) search(ctx context.Context, term string) ([]string, int, string) {
	fx.t.Helper()
	res, err := fx.svc.Search(ctx, registry.SearchInput{Term: term, Count: true})
	if err != nil {
		fx.t.Fatalf("search %q: %v", term, err)
	}
	return names(res.Packages), res.Total, res.Suggestion
}

func TestSearchRanking(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	ctx := as(alice)
	for _, s := range []struct {
		pkgSpec
		downloads int64
	}{
		{pkgSpec{name: "ecto", description: "A toolkit for data mapping"}, 100},
		{pkgSpec{name: "phoenix", description: "Productive web framework"}, 200},
		{pkgSpec{name: "cowboy", description: "Small, fast HTTP server"}, 110},
		{pkgSpec{name: "ecto_sql", description: "SQL adapters for Ecto", deps: req("ecto")}, 90},
		{pkgSpec{name: "phoenix_ecto", description: "Integration between Phoenix and Ecto", deps: req("ecto", "phoenix")}, 50},
		{pkgSpec{name: "mongo_driver", description: "Ecto adapter for MongoDB"}, 10},
		{pkgSpec{name: "phoenix_html", description: "HTML helpers"}, 80},
		{pkgSpec{name: "plug", description: "Composable web modules"}, 150},
		{pkgSpec{name: "plug_cowboy", description: "A Plug adapter for Cowboy", deps: req("plug", "cowboy")}, 120},
		{pkgSpec{name: "jason", description: "A blazing fast JSON parser"}, 300},
	} {
		s.version = "1.0.0"
		fx.publish(ctx, "", s.pkgSpec)
		fx.setDownloads(s.name, s.downloads)
	}
	// Only the latest release's requirements count for depends:.
	fx.publish(ctx, "", pkgSpec{name: "old_user", version: "1.0.0", description: "Formerly used it", deps: req("ecto")})
	fx.publish(ctx, "", pkgSpec{name: "old_user", version: "2.0.0", description: "Formerly used it"})

	tests := []struct {
		name, term string
		want       []string
		suggestion string
	}{
		{"exact, prefix, word prefix, description", "ecto", []string{"ecto", "ecto_sql", "phoenix_ecto", "mongo_driver"}, ""},
		{"case does not matter", "ECTO", []string{"ecto", "ecto_sql", "phoenix_ecto", "mongo_driver"}, ""},
		{"prefixes by downloads", "pho", []string{"phoenix", "phoenix_html", "phoenix_ecto"}, ""},
		{"exact before word prefix", "cowboy", []string{"cowboy", "plug_cowboy"}, ""},
		{"description only", "parser", []string{"jason"}, ""},
		{"description words by downloads", "adapter", []string{"plug_cowboy", "ecto_sql", "mongo_driver"}, ""},
		{"misspelling", "phonix", []string{"phoenix", "phoenix_html", "phoenix_ecto"}, "phoenix"},
		{"swapped letters", "ecot", []string{"ecto", "ecto_sql", "phoenix_ecto"}, "ecto"},
		{"exact matches before misspellings", "json", []string{"jason"}, ""},
		{"depends on the latest release", "depends:ecto", []string{"ecto_sql", "phoenix_ecto"}, ""},
		{"depends with a word", "depends:plug cowboy", []string{"plug_cowboy"}, ""},
		{"name only", "name:ecto", []string{"ecto", "ecto_sql", "phoenix_ecto"}, ""},
		{"name only, nothing", "name:adapter", nil, ""},
		{"description only field", "description:phoenix", []string{"phoenix_ecto"}, ""},
		{"quoted description", `description:"web modules"`, []string{"plug"}, ""},
		{"all words must match", "phoenix ecto", []string{"phoenix_ecto"}, ""},
		{"all words, one misspelt", "phoenix ecot", []string{"phoenix_ecto"}, "phoenix ecto"},
		{"or", "jason OR cowboy", []string{"jason", "cowboy", "plug_cowboy"}, ""},
		{"or with and", "phoenix html OR parser", []string{"phoenix_html", "jason"}, ""},
		{"no results with a suggestion", "ecotx", nil, "ecto"},
		{"name suggestion keeps the field", "name:ecotx", nil, "name:ecto"},
		{"nothing near", "zzzzzz", nil, ""},
		{"only punctuation is no term", "%%", []string{"jason", "phoenix", "plug", "plug_cowboy", "cowboy", "ecto", "ecto_sql", "phoenix_html", "phoenix_ecto", "mongo_driver", "old_user"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, sugg := fx.search(anonymous(), tt.term)
			if tt.term == "%%" {
				slices.Sort(got)
				tt.want = slices.Clone(tt.want)
				slices.Sort(tt.want)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%q: got %v, want %v", tt.term, got, tt.want)
			}
			if total != len(tt.want) {
				t.Errorf("%q: total %d, want %d", tt.term, total, len(tt.want))
			}
			if sugg != tt.suggestion {
				t.Errorf("%q: suggestion %q, want %q", tt.term, sugg, tt.suggestion)
			}
		})
	}

	// A full page of exact matches still counts the misspellings after it.
	res, err := fx.svc.Search(anonymous(), registry.SearchInput{Term: "ecto OR phonix", First: 2, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 6 || !res.HasNext || len(res.Packages) != 2 {
		t.Errorf("ecto OR phonix, first 2: total %d, hasNext %v, %v", res.Total, res.HasNext, names(res.Packages))
	}

	// Pages join up across exact matches and misspellings.
	var all []string
	in := registry.SearchInput{Term: "ecot", First: 2}
	for range 5 {
		res, err := fx.svc.Search(anonymous(), in)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, names(res.Packages)...)
		if !res.HasNext {
			break
		}
		in.After = res.Cursors[len(res.Cursors)-1]
	}
	if want := []string{"ecto", "ecto_sql", "phoenix_ecto"}; !slices.Equal(all, want) {
		t.Errorf("paged ecot = %v, want %v", all, want)
	}
	all = nil
	in = registry.SearchInput{Term: "ecto OR phonix", First: 3}
	for range 5 {
		res, err := fx.svc.Search(anonymous(), in)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, names(res.Packages)...)
		if !res.HasNext {
			break
		}
		in.After = res.Cursors[len(res.Cursors)-1]
	}
	if want := []string{"ecto", "ecto_sql", "phoenix_ecto", "mongo_driver", "phoenix", "phoenix_html"}; !slices.Equal(all, want) {
		t.Errorf("paged ecto OR phonix = %v, want %v", all, want)
	}
}

// A private package is never a match, a misspelling or a suggestion for
// someone who cannot read its repository.
func TestSearchPrivacy(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice, bob := fx.user("alice"), fx.user("bob")
	acme := fx.org("acme")
	member := as(alice, fx.member(acme, alice, viewer.RoleWrite))
	fx.publish(member, "", pkgSpec{name: "ecto", version: "1.0.0", description: "Data mapping"})
	fx.publish(member, "acme", pkgSpec{name: "quokka", version: "1.0.0", description: "Secret ecto tools", deps: req("ecto")})
	fx.publish(member, "acme", pkgSpec{name: "ecto_secret", version: "1.0.0"})

	tests := []struct {
		name, term string
		ctx        context.Context
		want       []string
		suggestion string
	}{
		{"member: match", "quokka", member, []string{"quokka"}, ""},
		{"member: misspelling", "quoka", member, []string{"quokka"}, "quokka"},
		{"member: suggestion", "quokkaxyz", member, nil, "quokka"},
		{"member: depends", "depends:ecto", member, []string{"quokka"}, ""},
		{"member: words", "ecto", member, []string{"ecto", "ecto_secret", "quokka"}, ""},
		{"anonymous: no match", "quokka", anonymous(), nil, ""},
		{"anonymous: no misspelling", "quoka", anonymous(), nil, ""},
		{"anonymous: no suggestion", "quokkaxyz", anonymous(), nil, ""},
		{"anonymous: no depends", "depends:ecto", anonymous(), nil, ""},
		{"anonymous: words", "ecto", anonymous(), []string{"ecto"}, ""},
		{"outsider: no match", "quokka", as(bob), nil, ""},
		{"outsider: no suggestion", "quokkaxyz", as(bob), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, sugg := fx.search(tt.ctx, tt.term)
			if !slices.Equal(got, tt.want) || total != len(tt.want) || sugg != tt.suggestion {
				t.Errorf("%q: got %v (total %d, suggestion %q), want %v (suggestion %q)", tt.term, got, total, sugg, tt.want, tt.suggestion)
			}
		})
	}
}

// The index follows every write that changes a name, a description or the
// latest release, in the same transaction.
func TestSearchIndexFreshness(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	fx.user("bob")
	ctx := as(alice)
	want := func(term string, wantNames ...string) {
		t.Helper()
		got, _, _ := fx.search(anonymous(), term)
		if !slices.Equal(got, wantNames) {
			t.Errorf("%q: got %v, want %v", term, got, wantNames)
		}
	}
	fx.publish(ctx, "", pkgSpec{name: "base", version: "1.0.0"})
	fx.publish(ctx, "", pkgSpec{name: "walrus", version: "1.0.0", description: "Tusked marine mammal"})
	want("walrus", "walrus")
	want("tusked", "walrus")
	want("depends:base")

	// Publish: the new latest release's description and requirements.
	fx.publish(ctx, "", pkgSpec{name: "walrus", version: "1.1.0", description: "Arctic swimmer", deps: req("base")})
	want("tusked")
	want("arctic", "walrus")
	want("depends:base", "walrus")

	// Revert: back to the previous release.
	if _, _, err := fx.svc.Revert(ctx, "", "walrus", "1.1.0"); err != nil {
		t.Fatal(err)
	}
	want("arctic")
	want("tusked", "walrus")
	want("depends:base")

	// Retire and transfer change none of it.
	if _, err := fx.svc.Retire(ctx, "", "walrus", "1.0.0", retirement.ReasonDEPRECATED, "old"); err != nil {
		t.Fatal(err)
	}
	want("tusked", "walrus")
	if _, err := fx.svc.Transfer(ctx, "", "walrus", "bob"); err != nil {
		t.Fatal(err)
	}
	want("walrus", "walrus")
	want("walrs", "walrus")

	// Reverting the last release deletes the package and its entry.
	fx.publish(ctx, "", pkgSpec{name: "narwhal", version: "1.0.0", description: "Unicorn of the sea"})
	want("unicorn", "narwhal")
	if _, _, err := fx.svc.Revert(ctx, "", "narwhal", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	want("unicorn")
	want("narwhal")
	want("narwhl")

	// Administrative removal.
	if _, err := fx.svc.AdminRemove(fx.sys(), "", "walrus", "", "legal"); err != nil {
		t.Fatal(err)
	}
	want("walrus")
	want("tusked")
	want("walrs")
}

// A one-word search's page is the same whoever reads it through the
// top-candidates plan: private packages an outsider may not read take no
// place among the candidates (were they counted, the best-downloaded
// private names would push the public ones out of a short page).
func TestSearchTopCandidatesPrivacy(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice, bob := fx.user("alice"), fx.user("bob")
	acme := fx.org("acme")
	member := as(alice, fx.member(acme, alice, viewer.RoleWrite))
	for i, name := range []string{"lynx_a", "lynx_b", "lynx_c"} {
		fx.publish(member, "acme", pkgSpec{name: name, version: "1.0.0"})
		fx.setDownloads(name, int64(1000+i))
	}
	fx.publish(member, "", pkgSpec{name: "lynx_d", version: "1.0.0"})
	fx.publish(member, "", pkgSpec{name: "lynx_e", version: "1.0.0"})
	fx.setDownloads("lynx_d", 20)
	fx.setDownloads("lynx_e", 10)

	for _, tt := range []struct {
		name  string
		ctx   context.Context
		first int
		want  []string
		next  bool
	}{
		{"outsider, page of one", as(bob), 1, []string{"lynx_d"}, true},
		{"outsider, page of two", as(bob), 2, []string{"lynx_d", "lynx_e"}, false},
		{"member, page of two", member, 2, []string{"lynx_c", "lynx_b"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := fx.svc.Search(tt.ctx, registry.SearchInput{Term: "lynx", First: tt.first})
			if err != nil {
				t.Fatal(err)
			}
			if got := names(res.Packages); !slices.Equal(got, tt.want) || res.HasNext != tt.next {
				t.Errorf("lynx, first %d: %v (next %v), want %v (next %v)", tt.first, got, res.HasNext, tt.want, tt.next)
			}
		})
	}
}
