package server_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// The cost of listing organizations with their members and users must not
// grow with the number of organizations (no N+1 queries).
func TestOrganizationListStatementsDoNotGrow(t *testing.T) {
	env := servertest.New(t)
	admin := env.SignUp("owner")
	for i := range 3 {
		env.SignUp(fmt.Sprintf("member%d", i))
	}
	for i := range 50 {
		name := fmt.Sprintf("org%02d", i)
		admin.Do(`mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id } } }`, map[string]any{"n": name}).MustOK(t)
		for j := range 3 {
			admin.Do(`mutation($o: String!, $u: String!) { addMember(input: {organization: $o, username: $u, role: READ}) { membership { id } } }`,
				map[string]any{"o": name, "u": fmt.Sprintf("member%d", j)}).MustOK(t)
		}
	}
	query := `query($n: Int!) { organizations(first: $n) { totalCount edges { node { name members { role user { username } } } } } }`
	count := func(n int) int {
		r := admin.Do(query, map[string]any{"n": n}).MustOK(t)
		var out struct {
			Organizations struct {
				Edges []struct {
					Node struct {
						Members []struct{ User struct{ Username string } }
					}
				}
			}
		}
		r.Decode(t, &out)
		if len(out.Organizations.Edges) != n {
			t.Fatalf("asked for %d organizations, got %d", n, len(out.Organizations.Edges))
		}
		for _, e := range out.Organizations.Edges {
			if len(e.Node.Members) != 4 {
				t.Fatalf("want 4 members per organization, got %d", len(e.Node.Members))
			}
		}
		return r.Statements
	}
	small, large := count(5), count(50)
	if small == 0 || large != small {
		t.Fatalf("statements for 5 organizations: %d, for 50: %d; want equal and non-zero", small, large)
	}
	t.Logf("statements per request: %d", large)
}

// Listing packages with their dependents (and the dependents' latest
// releases) costs the same statements for 3 packages as for 12: the
// dependents of a page are one batch (registry.DependentsOf).
func TestPackageDependentsStatementsDoNotGrow(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	for i := range 12 {
		base := fmt.Sprintf("base%02d", i)
		alice.Publish(pkgtest.Tarball(t, base, "1.0.0"), nil).MustOK(t)
		for j := range 2 {
			user := fmt.Sprintf("user%02d_%d", i, j)
			alice.Publish(pkgtest.Tarball(t, user, "1.0.0", pkgtest.Dep{Name: base, Requirement: "~> 1.0"}), nil).MustOK(t)
		}
	}
	query := `query($n: Int!) { packages(first: $n, where: {nameHasPrefix: "base"}, orderBy: {field: NAME, direction: ASC}) { edges { node { name dependents(first: 5) { name latestRelease { version } } } } } }`
	count := func(n int) int {
		r := alice.Do(query, map[string]any{"n": n}).MustOK(t)
		var out struct {
			Packages struct {
				Edges []struct {
					Node struct {
						Name       string
						Dependents []struct {
							Name          string
							LatestRelease struct{ Version string }
						}
					}
				}
			}
		}
		r.Decode(t, &out)
		if len(out.Packages.Edges) != n {
			t.Fatalf("asked for %d packages, got %d", n, len(out.Packages.Edges))
		}
		for i, e := range out.Packages.Edges {
			want := []string{fmt.Sprintf("user%02d_0", i), fmt.Sprintf("user%02d_1", i)}
			var got []string
			for _, d := range e.Node.Dependents {
				if d.LatestRelease.Version != "1.0.0" {
					t.Fatalf("%s: dependent %s latest %q", e.Node.Name, d.Name, d.LatestRelease.Version)
				}
				got = append(got, d.Name)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: dependents %v, want %v", e.Node.Name, got, want)
			}
		}
		return r.Statements
	}
	small, large := count(3), count(12)
	if small == 0 || large != small {
		t.Fatalf("statements for 3 packages: %d, for 12: %d; want equal and non-zero", small, large)
	}
	t.Logf("statements per request: %d", large)
}
