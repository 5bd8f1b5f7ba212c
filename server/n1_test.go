package server_test

import (
	"fmt"
	"testing"

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
