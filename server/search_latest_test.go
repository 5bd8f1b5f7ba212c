package server_test

import (
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// A search page's latestRelease fields are the latest rule's answer for the
// viewer (a stable release before a newer pre-release, a pre-release when
// there is nothing else, a private package's only for those who may read
// it), and on PostgreSQL the search statement reads them: asking for them
// costs no statement (on SQLite the loaders read them in one).
func TestSearchPageLatestReleases(t *testing.T) {
	env := servertest.New(t, func(c *server.Config) { c.ReadCacheMB = 0 })
	f := newFixture(t, env, 1)
	ada := f.ada
	ada.Do(`mutation($o: String!) { updateBillingProfile(input: {organization: $o, email: "billing@example.test", name: "Ada", country: "US", company: true}) { billingProfile { country } } }`,
		map[string]any{"o": f.org}).MustOK(t)
	ada.Do(`mutation($o: String!) { startSubscription(input: {organization: $o, plan: MONTHLY, seats: 10}) { billing { status } } }`,
		map[string]any{"o": f.org}).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "kite", "1.0.0"), map[string]any{"r": f.org}).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "kite", "1.2.0"), map[string]any{"r": f.org}).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "kite_a", "1.0.0"), nil).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "kite_a", "2.0.0-rc.1"), nil).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "kite_b", "0.1.0-beta"), nil).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "kite_c", "3.0.0"), nil).MustOK(t)

	const (
		withLatest = `query { packages(search: "kite", first: 2) { edges { node { name latestRelease { version prerelease } } } } }`
		namesOnly  = `query { packages(search: "kite", first: 2) { edges { node { name } } } }`
	)
	public := []string{"kite_a 1.0.0 false", "kite_b 0.1.0-beta true"}
	member := []string{"kite 1.2.0 false", "kite_a 1.0.0 false"}
	for col, want := range map[string][]string{
		"anonymous":     public,
		"other user":    public,
		"key package:x": public,
		"user":          member,
		"org read":      member,
		"key api:read":  member,
	} {
		t.Run(col, func(t *testing.T) {
			c := f.principal(t, env, col)
			var out struct {
				Packages struct {
					Edges []struct {
						Node struct {
							Name          string
							LatestRelease *struct {
								Version    string
								Prerelease bool
							}
						}
					}
				}
			}
			r := c.Do(withLatest, nil).MustOK(t)
			r.Decode(t, &out)
			var got []string
			for _, e := range out.Packages.Edges {
				lr := e.Node.LatestRelease
				if lr == nil {
					got = append(got, e.Node.Name+" none")
					continue
				}
				got = append(got, e.Node.Name+" "+lr.Version+map[bool]string{true: " true", false: " false"}[lr.Prerelease])
			}
			if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
				t.Errorf("search kite: %v, want %v", got, want)
			}
			plain := c.Do(namesOnly, nil).MustOK(t)
			extra := 1 // the loaders' statement
			if testdb.Postgres() {
				extra = 0
			}
			if r.Statements != plain.Statements+extra {
				t.Errorf("statements with latest releases %d, without %d; want %d more", r.Statements, plain.Statements, extra)
			}
		})
	}
}

// The same latestRelease selection reached through a fragment with more
// fields beside it in one list than in another: each list's releases
// carry the columns its own selection needs (the loaders are remembered
// by selection, and only the list asking for the summary columns alone
// has them read by the search).
func TestSearchLatestReleasesBySelection(t *testing.T) {
	env := servertest.New(t, func(c *server.Config) { c.ReadCacheMB = 0 })
	ada := env.SignUp("ada")
	ada.Publish(pkgtest.Tarball(t, "kite_a", "1.0.0"), nil).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "kite_b", "2.0.0"), nil).MustOK(t)
	var out struct {
		A, B struct {
			Edges []struct {
				Node struct {
					Name          string
					LatestRelease struct{ Version, Description string }
				}
			}
		}
	}
	ada.Do(`query {
		a: packages(search: "kite", first: 5) { edges { node { ...F latestRelease { description } } } }
		b: packages(search: "kite", first: 5) { edges { node { ...F } } }
	}
	fragment F on Package { name latestRelease { version } }`, nil).MustOK(t).Decode(t, &out)
	want := map[string]string{"kite_a": "1.0.0", "kite_b": "2.0.0"}
	for list, edges := range map[string][]struct {
		Node struct {
			Name          string
			LatestRelease struct{ Version, Description string }
		}
	}{"a": out.A.Edges, "b": out.B.Edges} {
		if len(edges) != 2 {
			t.Fatalf("%s: %d results, want 2", list, len(edges))
		}
		for _, e := range edges {
			lr := e.Node.LatestRelease
			if lr.Version != want[e.Node.Name] || (list == "a") != (lr.Description != "") {
				t.Errorf("%s: %s latest %+v, want version %s and a description only in a", list, e.Node.Name, lr, want[e.Node.Name])
			}
		}
	}
}

// A search page reads only the package columns its selection needs:
// every Package field it answers is the one package(name:) gives, whether
// the selection asks for a few columns, for all the mapped ones, or for a
// field that needs them all.
func TestSearchPageColumns(t *testing.T) {
	env := servertest.New(t, func(c *server.Config) { c.ReadCacheMB = 0 })
	ada := env.SignUp("ada")
	ada.Publish(pkgtest.Tarball(t, "kite_a", "1.0.0"), nil).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "kite_a", "1.1.0"), nil).MustOK(t)
	for _, sel := range []string{
		"id name",
		"name description",
		"name createdAt updatedAt description latestVersion downloads firstPublishedAt private repositoryName",
		"name description viewerCanPublish",
	} {
		t.Run(sel, func(t *testing.T) {
			var list struct {
				Packages struct {
					Edges []struct{ Node map[string]any }
				}
			}
			ada.Do(`query { packages(search: "kite", first: 5) { edges { node { `+sel+` } } } }`, nil).MustOK(t).Decode(t, &list)
			var one struct{ Package map[string]any }
			ada.Do(`query { package(name: "kite_a") { `+sel+` } }`, nil).MustOK(t).Decode(t, &one)
			if len(list.Packages.Edges) != 1 {
				t.Fatalf("%d results, want 1", len(list.Packages.Edges))
			}
			got := list.Packages.Edges[0].Node
			for k, want := range one.Package {
				if g := got[k]; g != want || g == nil || g == "" && k != "latestVersion" {
					t.Errorf("%s: search %v, package %v", k, g, want)
				}
			}
		})
	}
}
