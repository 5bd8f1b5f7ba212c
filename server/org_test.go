package server_test

import (
	"strings"
	"testing"

	"github.com/depot-registry/depot/server/servertest"
)

type membersOut struct {
	Organization *struct {
		Name       string
		ViewerRole *string
		Members    []struct {
			Role string
			User struct{ Username string }
		}
	}
}

func members(t *testing.T, c *servertest.Client, org string) map[string]string {
	t.Helper()
	var o membersOut
	c.Do(membersDoc, map[string]any{"o": org}).MustOK(t).Decode(t, &o)
	if o.Organization == nil {
		t.Fatalf("organization %s not found", org)
	}
	out := map[string]string{}
	for _, m := range o.Organization.Members {
		out[m.User.Username] = m.Role
	}
	return out
}

// Organizations: creation (names shared with users), members and roles, the
// last-admin rule, and members visible only to members. Every change is in
// the audit log.
func TestOrganizationMembership(t *testing.T) {
	env := servertest.New(t)
	admin := env.SignUp("rosa")
	sam := env.SignUp("sam")
	outsider := env.SignUp("tess")

	var created struct {
		CreateOrganization struct {
			Organization struct {
				Name       string
				ViewerRole string
			}
		}
	}
	admin.Do(createOrgDoc, map[string]any{"n": "acme"}).MustOK(t).Decode(t, &created)
	if created.CreateOrganization.Organization.ViewerRole != "ADMIN" {
		t.Fatalf("creator's role = %q, want ADMIN", created.CreateOrganization.Organization.ViewerRole)
	}
	wantAudit(t, env, "organization.create")

	badNames := []struct{ name, org, code string }{
		{"upper case", "Acme2", "BAD_USER_INPUT"},
		{"dash (allowed in usernames only)", "ac-me", "BAD_USER_INPUT"},
		{"dot", "ac.me", "BAD_USER_INPUT"},
		{"space", "ac me", "BAD_USER_INPUT"},
		{"two characters", "ac", "BAD_USER_INPUT"},
		{"empty", "", "BAD_USER_INPUT"},
		{"reserved word", "elixir", "BAD_USER_INPUT"},
		{"existing organization", "acme", "CONFLICT"},
		{"name of a user", "sam", "CONFLICT"},
		{"41 characters", strings.Repeat("o", 41), "BAD_USER_INPUT"},
	}
	for _, tt := range badNames {
		t.Run("createOrganization "+tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			wantCode(t, admin.Do(createOrgDoc, map[string]any{"n": tt.org}), tt.code)
			unchanged(t, env, before)
		})
	}
	// The organization's name is now taken for users too.
	signUpRefused(t, env, "acme", "acme@example.com", "a perfectly fine passphrase", "CONFLICT")

	admin.Do(addMemberDoc, map[string]any{"o": "acme", "u": "sam", "r": "WRITE"}).MustOK(t)
	wantAudit(t, env, "organization.add_member")

	// Members see members; outsiders and anonymous visitors see none.
	if got := members(t, sam, "acme"); len(got) != 2 || got["rosa"] != "ADMIN" || got["sam"] != "WRITE" {
		t.Fatalf("members seen by sam = %v", got)
	}
	for name, c := range map[string]*servertest.Client{"outsider": outsider, "anonymous": env.Anonymous(), "outsider's key": outsider.WithKey("api:read")} {
		if got := members(t, c, "acme"); len(got) != 0 {
			t.Fatalf("%s sees members %v", name, got)
		}
	}

	badChanges := []struct {
		name  string
		c     *servertest.Client
		query string
		vars  map[string]any
		code  string
	}{
		{"add an existing member", admin, addMemberDoc, map[string]any{"o": "acme", "u": "sam", "r": "READ"}, "CONFLICT"},
		{"add an unknown user", admin, addMemberDoc, map[string]any{"o": "acme", "u": "nobody", "r": "READ"}, "NOT_FOUND"},
		{"add to an unknown organization", admin, addMemberDoc, map[string]any{"o": "nope", "u": "tess", "r": "READ"}, "NOT_FOUND"},
		{"add with a bad role", admin, addMemberDoc, map[string]any{"o": "acme", "u": "tess", "r": "OWNER"}, "BAD_USER_INPUT"},
		{"write member adds", sam, addMemberDoc, map[string]any{"o": "acme", "u": "tess", "r": "READ"}, "FORBIDDEN"},
		{"write member promotes self", sam, setRoleDoc, map[string]any{"o": "acme", "u": "sam", "r": "ADMIN"}, "FORBIDDEN"},
		{"outsider removes a member", outsider, removeMemberDoc, map[string]any{"o": "acme", "u": "sam"}, "FORBIDDEN"},
		{"last admin demotes self", admin, setRoleDoc, map[string]any{"o": "acme", "u": "rosa", "r": "WRITE"}, "CONFLICT"},
		{"last admin leaves", admin, removeMemberDoc, map[string]any{"o": "acme", "u": "rosa"}, "CONFLICT"},
		{"write member removes the last admin", sam, removeMemberDoc, map[string]any{"o": "acme", "u": "rosa"}, "FORBIDDEN"},
		{"remove a non-member", admin, removeMemberDoc, map[string]any{"o": "acme", "u": "tess"}, "NOT_FOUND"},
		{"set role of a non-member", admin, setRoleDoc, map[string]any{"o": "acme", "u": "tess", "r": "READ"}, "NOT_FOUND"},
	}
	for _, tt := range badChanges {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			wantCode(t, tt.c.Do(tt.query, tt.vars), tt.code)
			unchanged(t, env, before)
		})
	}

	// Promote sam; now rosa may step down, and sam is the last admin.
	admin.Do(setRoleDoc, map[string]any{"o": "acme", "u": "sam", "r": "ADMIN"}).MustOK(t)
	wantAudit(t, env, "organization.set_role")
	admin.Do(setRoleDoc, map[string]any{"o": "acme", "u": "rosa", "r": "READ"}).MustOK(t)
	before := snapshot(t, env)
	wantCode(t, sam.Do(removeMemberDoc, map[string]any{"o": "acme", "u": "sam"}), "CONFLICT")
	wantCode(t, sam.Do(setRoleDoc, map[string]any{"o": "acme", "u": "sam", "r": "READ"}), "CONFLICT")
	unchanged(t, env, before)
	// A read member may leave by themself.
	admin.Do(removeMemberDoc, map[string]any{"o": "acme", "u": "rosa"}).MustOK(t)
	wantAudit(t, env, "organization.remove_member")
	if got := members(t, sam, "acme"); len(got) != 1 || got["sam"] != "ADMIN" {
		t.Fatalf("after rosa left: members = %v", got)
	}
	if got := members(t, admin, "acme"); len(got) != 0 {
		t.Fatalf("rosa left but still sees members %v", got)
	}
}

// The audit log: users read their own entries; organization admins read
// the organization's; others are refused.
func TestAuditLogAccess(t *testing.T) {
	env := servertest.New(t)
	admin := env.SignUp("uma")
	reader := env.SignUp("vic")
	outsider := env.SignUp("walt")
	admin.Do(createOrgDoc, map[string]any{"n": "globex"}).MustOK(t)
	admin.Do(addMemberDoc, map[string]any{"o": "globex", "u": "vic", "r": "READ"}).MustOK(t)
	createKey(t, admin, "api:read")

	actions := func(c *servertest.Client, org any) []string {
		t.Helper()
		var out struct {
			AuditLog struct {
				Edges []struct{ Node struct{ Action string } }
			}
		}
		c.Do(auditDoc, map[string]any{"o": org}).MustOK(t).Decode(t, &out)
		var a []string
		for _, e := range out.AuditLog.Edges {
			a = append(a, e.Node.Action)
		}
		return a
	}
	has := func(list []string, want ...string) bool {
		for _, w := range want {
			found := false
			for _, a := range list {
				found = found || a == w
			}
			if !found {
				return false
			}
		}
		return true
	}
	if own := actions(admin, nil); !has(own, "user.sign_up", "organization.create", "organization.add_member", "api_key.create") {
		t.Fatalf("uma's own audit log = %v", own)
	}
	// vic is the subject of add_member: it shows in vic's log too.
	if own := actions(reader, nil); !has(own, "user.sign_up", "organization.add_member") || has(own, "api_key.create") {
		t.Fatalf("vic's own audit log = %v", own)
	}
	if org := actions(admin, "globex"); !has(org, "organization.create", "organization.add_member") || has(org, "api_key.create") {
		t.Fatalf("globex audit log = %v", org)
	}
	if org := actions(admin.WithKey("api:read"), "globex"); !has(org, "organization.create") {
		t.Fatalf("globex audit log through admin's read key = %v", org)
	}
	refused := []struct {
		name string
		c    *servertest.Client
		org  any
		code string
	}{
		{"read member reads the organization's log", reader, "globex", "FORBIDDEN"},
		{"outsider reads the organization's log", outsider, "globex", "FORBIDDEN"},
		{"anonymous reads the organization's log", env.Anonymous(), "globex", "UNAUTHENTICATED"},
		{"anonymous reads own log", env.Anonymous(), nil, "UNAUTHENTICATED"},
		{"unknown organization", admin, "nope", "NOT_FOUND"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.Do(auditDoc, map[string]any{"o": tt.org})
			wantCode(t, r, tt.code)
			if strings.Contains(string(r.Raw), "organization.create") {
				t.Fatalf("refused request shows entries: %s", r.Raw)
			}
		})
	}
	// Nothing of another user's own log leaks.
	if own := actions(outsider, nil); has(own, "organization.create") {
		t.Fatalf("walt sees uma's entries: %v", own)
	}
}
