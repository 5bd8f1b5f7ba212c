package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/depot-registry/depot/server/servertest"
)

// fixture is one fresh cast for one cell of the authorization matrix, so
// that an allowed mutation in one cell cannot change the next cell's answer.
//
//	ada   admin of org, owner of key K (the key revokeApiKey targets) and of
//	      the key principals below
//	adam  the organization's second admin
//	walt  write member; rita  read member; tom  read member (the target of
//	      removeMember and setMemberRole)
//	oscar signed in, no membership, not K's owner
//	xena  not a member (the user addMember adds)
type fixture struct {
	n                          int
	org                        string
	ada, adam, walt, rita, osc *servertest.Client
	keyID                      string
}

func (f *fixture) name(base string) string { return fmt.Sprintf("%s%d", base, f.n) }

func newFixture(t *testing.T, env *servertest.Env, n int) *fixture {
	t.Helper()
	f := &fixture{n: n}
	f.org = f.name("org")
	f.ada = env.SignUp(f.name("ada"))
	f.adam = env.SignUp(f.name("adam"))
	f.walt = env.SignUp(f.name("walt"))
	f.rita = env.SignUp(f.name("rita"))
	f.osc = env.SignUp(f.name("oscar"))
	env.SignUp(f.name("tom"))
	env.SignUp(f.name("xena"))
	f.ada.Do(createOrgDoc, map[string]any{"n": f.org}).MustOK(t)
	for u, role := range map[string]string{"adam": "ADMIN", "walt": "WRITE", "rita": "READ", "tom": "READ"} {
		f.ada.Do(addMemberDoc, map[string]any{"o": f.org, "u": f.name(u), "r": role}).MustOK(t)
	}
	_, f.keyID = createKey(t, f.ada, "api:read")
	return f
}

// principal returns the client of one matrix column.
func (f *fixture) principal(t *testing.T, env *servertest.Env, col string) *servertest.Client {
	switch col {
	case "anonymous":
		return env.Anonymous()
	case "user":
		return f.ada
	case "other user":
		return f.osc
	case "org read":
		return f.rita
	case "org write":
		return f.walt
	case "org admin":
		return f.adam
	case "key api:read":
		return f.ada.WithKey("api:read")
	case "key api:write":
		return f.ada.WithKey("api:write")
	case "key package:x":
		return f.ada.WithKey("package:somepkg")
	case "key repository:ORG":
		return f.ada.WithKey("repository:" + f.org)
	case "user 2fa, stale":
		// ada with two-factor authentication, her last code 11 minutes old.
		f.ada.EnableTwoFactor()
		env.Clock.Advance(11 * time.Minute)
		return f.ada
	case "key needs code":
		// ada's api:write key marked "writes need a code", sent without one.
		f.ada.EnableTwoFactor()
		var out struct{ CreateAPIKey struct{ Secret string } }
		f.ada.Do(`mutation { createApiKey(input: {name: "coded", scopes: ["api:write"], writesNeedCode: true}) { secret } }`, nil).
			MustOK(t).Decode(t, &out)
		return keyClient(env, out.CreateAPIKey.Secret)
	}
	t.Fatalf("unknown principal %q", col)
	return nil
}

// The authorization matrix of the foundation mutations: who may do what.
// "" means allowed (and must leave an audit row); "noop" means accepted
// but there is nothing to do (signOut without a session); any other value
// is the refusal's code, and a refusal must change nothing.
func TestAuthorizationMatrix(t *testing.T) {
	cols := []string{"anonymous", "user", "other user", "org read", "org write", "org admin",
		"key api:read", "key api:write", "key package:x", "key repository:ORG", "user 2fa, stale", "key needs code"}
	const (
		T  = "TOTP_REQUIRED"
		U  = "UNAUTHENTICATED"
		F  = "FORBIDDEN"
		NF = "NOT_FOUND"
		OK = ""
		NO = "noop"
	)
	rows := []struct {
		mutation string
		action   string // audit action of an allowed call
		query    string
		vars     func(f *fixture, c *servertest.Client) map[string]any
		want     []string // one per column, in cols order
	}{
		{"createApiKey", "api_key.create", createKeyDoc,
			func(f *fixture, c *servertest.Client) map[string]any {
				return map[string]any{"n": "new", "s": []string{"api:read"}}
			},
			[]string{U, OK, OK, OK, OK, OK, F, OK, F, F, T, T}},
		{"revokeApiKey", "api_key.revoke", revokeKeyDoc,
			func(f *fixture, c *servertest.Client) map[string]any { return map[string]any{"id": f.keyID} },
			[]string{U, OK, NF, NF, NF, NF, F, OK, F, F, OK, T}},
		{"createOrganization", "organization.create", createOrgDoc,
			func(f *fixture, c *servertest.Client) map[string]any { return map[string]any{"n": f.name("neworg")} },
			[]string{U, OK, OK, OK, OK, OK, F, OK, F, F, OK, T}},
		{"addMember", "organization.add_member", addMemberDoc,
			func(f *fixture, c *servertest.Client) map[string]any {
				return map[string]any{"o": f.org, "u": f.name("xena"), "r": "READ"}
			},
			[]string{U, OK, F, F, F, OK, F, OK, F, F, OK, T}},
		{"removeMember", "organization.remove_member", removeMemberDoc,
			func(f *fixture, c *servertest.Client) map[string]any {
				return map[string]any{"o": f.org, "u": f.name("tom")}
			},
			[]string{U, OK, F, F, F, OK, F, OK, F, F, OK, T}},
		{"setMemberRole", "organization.set_role", setRoleDoc,
			func(f *fixture, c *servertest.Client) map[string]any {
				return map[string]any{"o": f.org, "u": f.name("tom"), "r": "WRITE"}
			},
			[]string{U, OK, F, F, F, OK, F, OK, F, F, OK, T}},
		{"changePassword", "user.change_password", changePasswordDoc,
			func(f *fixture, c *servertest.Client) map[string]any {
				return map[string]any{"c": servertest.Password(c.Username), "n": "a changed passphrase"}
			},
			// Passwords change only in a browser session, never with a key.
			[]string{U, OK, OK, OK, OK, OK, F, F, F, F, T, F}},
		{"signOut", "user.sign_out", signOutDoc,
			func(f *fixture, c *servertest.Client) map[string]any { return nil },
			[]string{NO, OK, OK, OK, OK, OK, NO, NO, NO, NO, OK, NO}},
	}
	env := servertest.New(t)
	n := 0
	for _, row := range rows {
		if len(row.want) != len(cols) {
			t.Fatalf("%s: %d cells for %d columns", row.mutation, len(row.want), len(cols))
		}
		for i, col := range cols {
			want := row.want[i]
			t.Run(row.mutation+"/"+col, func(t *testing.T) {
				n++
				f := newFixture(t, env, n)
				c := f.principal(t, env, col)
				before := snapshot(t, env)
				r := c.Do(row.query, row.vars(f, c))
				switch want {
				case NO:
					wantCode(t, r, "")
					unchanged(t, env, before)
				case OK:
					wantCode(t, r, "")
					if snapshot(t, env) == before {
						t.Fatal("allowed mutation changed nothing")
					}
					wantAudit(t, env, row.action)
				default:
					wantCode(t, r, want)
					unchanged(t, env, before)
				}
			})
		}
	}
}
