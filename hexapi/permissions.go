package hexapi

import (
	"fmt"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/viewer"
)

// Hex keys carry permissions as {domain, resource} pairs; Depot keys carry
// scopes (viewer.Scope), whose meaning viewer defines. This file is the
// translation between the two and nothing more:
//
//	hex permission                      Depot scope
//	{api}            (no resource)      api:write (which implies api:read)
//	{api, read}                         api:read
//	{api, write}                        api:write
//	{package, NAME | hexpm/NAME}        package:NAME
//	{repository, ORG}                   repository:ORG
//	{repositories}                      repository:ORG for every organization
//	                                    the user belongs to when the key is made
//	{docs, ORG}                         docs:ORG
//
// A package permission in an organization's repository (ORG/NAME) has no
// narrower Depot scope than repository:ORG and is refused rather than
// silently widened.

// scopesFor turns a POST /api/keys permissions list into scopes. No
// permissions is a full API key, as in hexpm.
func scopesFor(v *viewer.Viewer, perms any) ([]string, error) {
	if perms == nil {
		return []string{"api:write"}, nil
	}
	list, ok := perms.([]any)
	if !ok {
		return nil, apperr.Invalid("permissions", "permissions must be a list of {domain, resource} maps")
	}
	if len(list) == 0 {
		return []string{"api:write"}, nil
	}
	var out []string
	for _, p := range list {
		m, ok := p.(map[string]any)
		if !ok {
			return nil, apperr.Invalid("permissions", "each permission must be a map with domain and resource")
		}
		domain, err := str(m, "domain")
		if err != nil {
			return nil, err
		}
		resource, err := str(m, "resource")
		if err != nil {
			return nil, err
		}
		scopes, err := scopesOf(v, domain, resource)
		if err != nil {
			return nil, err
		}
		out = append(out, scopes...)
	}
	return dedupe(out), nil
}

func scopesOf(v *viewer.Viewer, domain, resource string) ([]string, error) {
	switch {
	case domain == "api" && resource == "":
		return []string{"api:write"}, nil
	case domain == "api" && (resource == "read" || resource == "write"):
		return []string{"api:" + resource}, nil
	case domain == "package" && resource != "":
		repoName, name, scoped := strings.Cut(resource, "/")
		if !scoped {
			name = resource
		} else if repoName != "hexpm" {
			return nil, apperr.Invalid("permissions", "a package permission in repository %s is not supported; use {repository, %s}", repoName, repoName)
		}
		return []string{"package:" + name}, nil
	case domain == "repository" && resource != "", domain == "docs" && resource != "":
		return []string{domain + ":" + resource}, nil
	case domain == "repositories" && resource == "":
		var out []string
		for _, o := range v.Orgs {
			out = append(out, "repository:"+o.Name)
		}
		if len(out) == 0 {
			return nil, apperr.Invalid("permissions", "you belong to no organization, so a repositories permission would grant nothing")
		}
		return out, nil
	}
	return nil, apperr.Invalid("permissions", "unknown permission {%s, %s}", domain, resource)
}

// permissionsOf is the reverse, for key views.
func permissionsOf(scopes []string) []any {
	out := make([]any, 0, len(scopes))
	for _, s := range scopes {
		domain, resource, _ := strings.Cut(s, ":")
		if domain == "package" {
			resource = "hexpm/" + resource
		}
		out = append(out, map[string]any{"domain": domain, "resource": resource})
	}
	return out
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// authError is why GET /api/auth refused: the key lacks the permission
// (401, as hexpm) or the account lacks the access (403).
type authError struct {
	status  int
	message string
}

func (e *authError) Error() string { return e.message }

// checkAuth answers GET /api/auth?domain=&resource= for viewer v: may this
// credential act in that domain? Each question goes to the viewer's own
// scope and membership rules; owner checks for packages are the caller's
// (it asks the registry).
func checkAuth(v *viewer.Viewer, domain, resource string) error {
	denyKey := &authError{401, "key not authorized for this action"}
	denyAccount := &authError{403, "account not authorized for this action"}
	s := v.Scopes
	switch domain {
	case "api":
		switch resource {
		case "read":
			if !s.AllowsAccountRead() {
				return denyKey
			}
		case "write", "":
			if !s.AllowsWrite() {
				return denyKey
			}
		default:
			return denyKey
		}
		return nil
	case "repository", "docs":
		allowed := s.AllowsRepository(resource)
		if domain == "docs" {
			allowed = s.AllowsDocs(resource)
		}
		if !allowed {
			return denyKey
		}
		o, ok := v.OrgByName(resource)
		if !ok {
			return denyAccount
		}
		if !o.Entitled {
			return &authError{403, fmt.Sprintf("organization %s has no active subscription", resource)}
		}
		return nil
	case "repositories":
		// Every repository the account reads: what api:read grants.
		if !s.AllowsAccountRead() {
			return denyKey
		}
		return nil
	}
	return denyKey
}
