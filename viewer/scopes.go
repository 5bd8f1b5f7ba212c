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
//	package:NAME      change only the public package NAME (and read like api:read)
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

// AllowsRead reports whether public reads are allowed. Every key may read
// public data; the scope only narrows what it may change and which private
// repositories it may open.
func (s Scopes) AllowsRead() bool { return true }

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

// Strings returns the scopes as plain strings.
func (s Scopes) Strings() []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return out
}
