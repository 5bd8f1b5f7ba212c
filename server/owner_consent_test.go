package server_test

import (
	"strings"
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

const (
	addOwnerDoc    = `mutation($p: String!, $o: String!, $l: OwnerLevel!) { addPackageOwner(input: {package: $p, owner: $o, level: $l}) { package { name } } }`
	removeOwnerDoc = `mutation($p: String!, $o: String!) { removePackageOwner(input: {package: $p, owner: $o}) { package { name } } }`
	ownersDoc      = `query($p: String!) { package(name: $p) { owners { level account { ... on User { username } ... on Organization { name } } } } }`
)

// An organization becomes an owner of a package only with the consent of
// one of its admins, whether through transferPackage or addPackageOwner:
// adding it as FULL owner and then leaving must not hand it a package.
func TestAddPackageOwnerOrganizationNeedsAdmin(t *testing.T) {
	env := servertest.New(t)
	olga := env.SignUp("olga")   // owns the package, no member of acme
	boss := env.SignUp("boss")   // admin of acme, full owner too
	wendy := env.SignUp("wendy") // write member of acme, full owner too
	boss.Do(createOrgDoc, map[string]any{"n": "acme"}).MustOK(t)
	boss.Do(addMemberDoc, map[string]any{"o": "acme", "u": "wendy", "r": "WRITE"}).MustOK(t)
	olga.Publish(pkgtest.Tarball(t, "dpkg", "1.0.0"), nil).MustOK(t)
	for _, u := range []string{"boss", "wendy"} {
		olga.Do(addOwnerDoc, map[string]any{"p": "dpkg", "o": u, "l": "FULL"}).MustOK(t)
	}
	owners := func() string { return string(olga.Do(ownersDoc, map[string]any{"p": "dpkg"}).MustOK(t).Data) }

	for _, c := range []struct {
		name string
		c    *servertest.Client
	}{{"non-member", olga}, {"non-member's api:write key", olga.WithKey("api:write")}, {"write member", wendy}} {
		t.Run(c.name, func(t *testing.T) {
			before, ownersBefore := snapshot(t, env), owners()
			wantCode(t, c.c.Do(addOwnerDoc, map[string]any{"p": "dpkg", "o": "acme", "l": "FULL"}), "FORBIDDEN")
			unchanged(t, env, before)
			if got := owners(); got != ownersBefore {
				t.Fatalf("owners changed: %s → %s", ownersBefore, got)
			}
		})
	}
	t.Run("admin", func(t *testing.T) {
		wantCode(t, boss.Do(addOwnerDoc, map[string]any{"p": "dpkg", "o": "acme", "l": "FULL"}), "")
		wantAudit(t, env, "package.owner.add")
		if got := owners(); !strings.Contains(got, `"name":"acme"`) {
			t.Fatalf("acme is no owner after its admin added it: %s", got)
		}
	})
}
