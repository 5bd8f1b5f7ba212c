package viewer

import (
	"fmt"
	"regexp"
	"slices"
)

// Scope grants an API key part of its owner's rights. A session (browser)
// carries no scopes and is not restricted by them.
//
//	api:read          read everything the owner can read
//	api:write         read and change everything the owner can (implies api:read)
//	package:NAME      change only the public package NAME; read public data only
//	repository:ORG    read and publish in organization ORG's private repository
//	docs:ORG          read organization ORG's private documentation
type Scope string

var scopeRE = regexp.MustCompile(`^(api:read|api:write|package:[a-z][a-z0-9_]{1,63}|repository:[a-z0-9_]{3,}|docs:[a-z0-9_]{3,})$`)

// ParseScope validates one scope string.
func ParseScope(s string) (Scope, error) {
	if !scopeRE.MatchString(s) {
		return "", fmt.Errorf("unknown scope %q (want api:read, api:write, package:NAME, repository:ORG or docs:ORG)", s)
	}
	return Scope(s), nil
}

// Scopes is the set of scopes of an API key; nil means "not a key" (a
// browser session), which is unrestricted.
type Scopes []Scope

func (s Scopes) isKey() bool { return s != nil }

func (s Scopes) has(x Scope) bool { return slices.Contains(s, x) }

// AllowsWrite reports whether the key may change anything not covered by a
// narrower scope (account, organizations, any package the owner owns).
func (s Scopes) AllowsWrite() bool { return !s.isKey() || s.has("api:write") }

// AllowsPackageWrite reports whether the key may change package name in the
// repository of org ("" for the public repository).
func (s Scopes) AllowsPackageWrite(org, name string) bool {
	if s.AllowsWrite() {
		return true
	}
	if org != "" {
		return s.has(Scope("repository:" + org))
	}
	return s.has(Scope("package:" + name))
}

// AllowsRepository reports whether the key may read org's private repository.
func (s Scopes) AllowsRepository(org string) bool {
	if !s.isKey() || s.has("api:read") || s.has("api:write") {
		return true
	}
	return s.has(Scope("repository:" + org))
}

// AllowsDocs reports whether the key may read org's private documentation.
func (s Scopes) AllowsDocs(org string) bool {
	return s.AllowsRepository(org) || s.has(Scope("docs:"+org))
}

// The read side of the scopes. A scope limits reads as well as writes.
// Every key reads public data; beyond that:
//
//	what                              session,   package:NAME  repository:ORG  docs:ORG
//	                                  api:read,
//	                                  api:write
//	private packages of ORG (1)       yes        no            ORG only        no
//	private documentation of ORG (1)  yes        no            ORG only        ORG only
//	own account: email, API keys,     yes        no            no              no
//	  audit log, organizations
//	an organization's members and     yes        no            no              no
//	  the viewer's role in it (2)
//	an organization's audit log,      yes        no            no              no
//	  billing and invoices (3)
//
//	(1) members of ORG, while ORG is entitled to private packages
//	(2) members only
//	(3) admins only
//
// A narrow key (package:, repository:, docs:) sees its owner's account and
// organizations the way an outsider does: no email, no keys, no audit log,
// no members, no role, no billing. Its identity (the viewer field and public
// profile fields) stays readable, so an integration can tell whose key it
// holds. The functions below are this table; domain read paths ask them
// (Viewer.ReadsAccount, Viewer.ReadRoleIn, Viewer.PrivateOrgIDs) rather
// than looking at scopes themselves.

// AllowsAccountRead reports whether the key may read its owner's account
// data and the member-only data of the owner's organizations (API keys,
// audit log, email, memberships, members, billing). Narrow keys
// (package:, repository:, docs:) may not.
func (s Scopes) AllowsAccountRead() bool {
	return !s.isKey() || s.has("api:read") || s.has("api:write")
}

// ReadsAccount reports whether v may read the signed-in user's account data
// (Scopes.AllowsAccountRead): false for anonymous viewers and narrow keys.
func (v *Viewer) ReadsAccount() bool {
	if v.IsSystem() {
		return true
	}
	return !v.Anonymous() && v.Scopes.AllowsAccountRead()
}

// ReadsAccountOf reports whether v may read user userID's account data
// (email, API keys, memberships): only the user themself, with a session
// or a key that reads account data.
func (v *Viewer) ReadsAccountOf(userID int) bool {
	return v.IsSystem() || (v.UserID == userID && v.ReadsAccount())
}

// ReadRoleIn is the role that decides v's reads of organization orgID's
// member-only data (members, viewer role, audit log, billing): the
// membership role when v reads account data, RoleNone for a narrow key,
// which reads such data like an outsider. The system viewer has no role;
// callers let it through before asking. Write rules keep using RoleIn
// together with the write scopes.
func (v *Viewer) ReadRoleIn(orgID int) Role {
	if !v.ReadsAccount() {
		return RoleNone
	}
	return v.RoleIn(orgID)
}

// Strings returns the scopes as plain strings.
func (s Scopes) Strings() []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return out
}
