package viewer

import (
	"slices"
	"testing"
)

// The read side of every scope kind, as the table in scopes.go states it:
// what a key of a member (admin) of organization "acme" may read.
func TestReadScopes(t *testing.T) {
	acme := Org{ID: 7, Name: "acme", Role: RoleAdmin, Entitled: true}
	tests := []struct {
		name    string
		scopes  Scopes
		account bool // own account, members, billing, audit log
		private bool // acme's private packages
		docs    bool // acme's private documentation
	}{
		{"session", nil, true, true, true},
		{"api:read", Scopes{"api:read"}, true, true, true},
		{"api:write", Scopes{"api:write"}, true, true, true},
		{"package:NAME", Scopes{"package:foo"}, false, false, false},
		{"repository:acme", Scopes{"repository:acme"}, false, true, true},
		{"repository:other", Scopes{"repository:other"}, false, false, false},
		{"docs:acme", Scopes{"docs:acme"}, false, false, true},
		{"docs:other", Scopes{"docs:other"}, false, false, false},
		{"package and repository", Scopes{"package:foo", "repository:acme"}, false, true, true},
		{"package and api:read", Scopes{"package:foo", "api:read"}, true, true, true},
		{"no scope at all", Scopes{}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &Viewer{UserID: 1, Username: "ada", Scopes: tt.scopes, Orgs: []Org{acme}}
			if got := tt.scopes.AllowsAccountRead(); got != tt.account {
				t.Errorf("AllowsAccountRead = %v, want %v", got, tt.account)
			}
			if got := v.ReadsAccount(); got != tt.account {
				t.Errorf("ReadsAccount = %v, want %v", got, tt.account)
			}
			if got := v.ReadsAccountOf(1); got != tt.account {
				t.Errorf("ReadsAccountOf(self) = %v, want %v", got, tt.account)
			}
			if v.ReadsAccountOf(2) {
				t.Error("ReadsAccountOf(another user) = true")
			}
			wantRole := RoleNone
			if tt.account {
				wantRole = RoleAdmin
			}
			if got := v.ReadRoleIn(acme.ID); got != wantRole {
				t.Errorf("ReadRoleIn = %v, want %v", got, wantRole)
			}
			if got := v.RoleIn(acme.ID); got != RoleAdmin {
				t.Errorf("RoleIn = %v: the membership itself does not depend on the scope", got)
			}
			if got := slices.Contains(v.PrivateOrgIDs(), acme.ID); got != tt.private {
				t.Errorf("private repository readable = %v, want %v", got, tt.private)
			}
			if got := tt.scopes.AllowsDocs("acme"); got != tt.docs {
				t.Errorf("AllowsDocs = %v, want %v", got, tt.docs)
			}
		})
	}
}

func TestReadScopesAnonymousAndSystem(t *testing.T) {
	anon := &Viewer{}
	if anon.ReadsAccount() || anon.ReadsAccountOf(0) || anon.ReadRoleIn(7) != RoleNone {
		t.Error("an anonymous viewer reads account data")
	}
	sys := FromContext(System(t.Context()))
	if !sys.ReadsAccount() || !sys.ReadsAccountOf(42) {
		t.Error("the system viewer must read everything")
	}
}
