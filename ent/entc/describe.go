package main

import (
	"fmt"
	"regexp"
	"strings"

	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

// describe fills in descriptions entgql leaves empty, so every type, field,
// argument and enum value of the published schema says what it is
// (integrators read it in their IDE). Hand-written descriptions and ent
// field comments win; this only fills the gaps, from naming conventions.
func describe(_ *gen.Graph, s *ast.Schema) error {
	for name, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		if def.Description == "" {
			def.Description = typeDescription(name, def)
		}
		for _, f := range def.Fields {
			if f.Description == "" {
				f.Description = fieldDescription(name, def, f.Name)
			}
			for _, a := range f.Arguments {
				if a.Description == "" {
					a.Description = argDescription(a.Name)
				}
			}
		}
		for _, v := range def.EnumValues {
			if v.Description == "" {
				v.Description = enumValueDescription(name, v.Name)
			}
		}
	}
	return nil
}

var typeDescriptions = map[string]string{
	"ApiKey":           "An API key of the signed-in user. Its secret is shown only once, at creation.",
	"AuditLog":         "One state-changing action, recorded in the same transaction as the change.",
	"Membership":       "A user's role in an organization.",
	"Organization":     "An organization: members with roles, packages it owns, and (for private packages) billing.",
	"Package":          "A package in the public repository or in an organization's private repository.",
	"Release":          "One published version of a package.",
	"ReleaseEvent":     "One entry of the append-only release event log (publish, replace, revert, retire, transfer...).",
	"Repository":       "A repository of packages: the public one, or an organization's private one.",
	"Requirement":      "A dependency of a release on another package.",
	"Retirement":       "Why a release is retired. A retired release stays resolvable and fetchable.",
	"User":             "A person with an account. Usernames never change.",
	"PageInfo":         "Relay pagination information of a connection.",
	"OrganizationRole": "A member's role: ADMIN > WRITE > READ.",
	"OwnerLevel":       "A package owner's level: FULL manages owners and transfers; MAINTAINER publishes, reverts and retires.",
	"RetirementReason": "Why a release was retired.",
	"ReleaseEventKind": "What happened in a release event.",
	"OrderDirection":   "Sort direction.",
	"Cursor":           "An opaque pagination cursor.",
	"Time":             "A time in RFC 3339 format, UTC.",
	"Map":              "A JSON object.",
	"Node":             "An object with an opaque global ID, fetchable with `node(id:)`.",
	"Query":            "Read operations.",
}

func typeDescription(name string, def *ast.Definition) string {
	if d, ok := typeDescriptions[name]; ok {
		return d
	}
	switch {
	case strings.HasSuffix(name, "WhereInput"):
		return "Filters for " + strings.TrimSuffix(name, "WhereInput") + " lists; all given conditions must hold."
	case strings.HasSuffix(name, "OrderField"):
		return "Fields " + strings.TrimSuffix(name, "OrderField") + " lists can be ordered by."
	case strings.HasSuffix(name, "Order"):
		return "Ordering of " + strings.TrimSuffix(name, "Order") + " lists."
	case strings.HasSuffix(name, "Connection"):
		return "A page of " + strings.TrimSuffix(name, "Connection") + " items (Relay connection)."
	case strings.HasSuffix(name, "Edge"):
		return "One " + strings.TrimSuffix(name, "Edge") + " in a connection, with its cursor."
	}
	return name + "."
}

var fieldDescriptions = map[string]string{
	"id":                "Opaque global identifier; pass it to `node(id:)`.",
	"createdAt":         "When it was created.",
	"updatedAt":         "When it last changed.",
	"edges":             "The items of this page, with cursors.",
	"node":              "The item.",
	"cursor":            "Cursor of this item, for `after`/`before`.",
	"pageInfo":          "Pagination information.",
	"totalCount":        "Number of items in the whole list (all pages).",
	"direction":         "Ascending or descending.",
	"field":             "The field to order by.",
	"not":               "Negates the filter.",
	"and":               "All of these filters must hold.",
	"or":                "At least one of these filters must hold.",
	"hasNextPage":       "Whether there are items after this page.",
	"hasPreviousPage":   "Whether there are items before this page.",
	"startCursor":       "Cursor of the first item of the page.",
	"endCursor":         "Cursor of the last item of the page.",
	"name":              "Name.",
	"username":          "Username (lower case; never changes).",
	"fullName":          "Display name.",
	"displayName":       "Display name.",
	"role":              "Role in the organization.",
	"user":              "The user.",
	"organization":      "The organization.",
	"userID":            "ID of the user.",
	"organizationID":    "ID of the organization.",
	"scopes":            "Scopes granted to the key.",
	"expiresAt":         "When the key stops working, if ever.",
	"revokedAt":         "When the key was revoked, if it was.",
	"lastUsedAt":        "Last time the key authenticated a request.",
	"lastUsedIP":        "IP address of the last use.",
	"lastUsedUserAgent": "User agent of the last use.",
	"action":            "What was done, e.g. organization.add_member.",
	"actor":             "Who did it.",
	"package":           "The package.",
	"ip":                "Client IP address.",
	"userAgent":         "Client user agent.",
	"params":            "Parameters of the action (never secrets).",
	"version":           "SemVer version.",
	"prerelease":        "Whether the version has a pre-release part.",
	"app":               "OTP application name.",
	"description":       "Description from the package metadata.",
	"licenses":          "Licenses from the package metadata.",
	"buildTools":        "Build tools from the package metadata (mix, rebar3, ...).",
	"elixirRequirement": "Elixir version requirement from the metadata, if any.",
	"downloads":         "Download count.",
	"docsPublishedAt":   "When documentation was last published, if any.",
	"release":           "The release.",
	"requirements":      "Dependencies of this release.",
	"retirement":        "The retirement, when the release is retired.",
	"publisher":         "Who published this version.",
	"releases":          "Releases of the package.",
	"repository":        "Repository.",
	"kind":              "What happened.",
	"occurredAt":        "When it happened.",
	"packageName":       "Package name.",
	"previousOwner":     "Owner before a transfer.",
	"newOwner":          "Owner after a transfer.",
	"reason":            "Why.",
	"message":           "Free-text explanation.",
	"requirement":       "Version requirement, e.g. ~> 1.2.",
	"optional":          "Whether the dependency is optional.",
	"size":              "Size in bytes.",
	"firstPublishedAt":  "When it was first published.",
	"latestVersion":     "Highest stable version, else highest pre-release.",
}

var predicateRE = regexp.MustCompile(`^(.*?)(NEQ|EQ|In|NotIn|GTE|GT|LTE|LT|Contains|ContainsFold|HasPrefix|HasSuffix|EqualFold|IsNil|NotNil)?$`)

var predicateText = map[string]string{
	"": "equals", "EQ": "equals", "NEQ": "differs from", "In": "is one of", "NotIn": "is none of",
	"GT": "is greater than", "GTE": "is at least", "LT": "is less than", "LTE": "is at most",
	"Contains": "contains", "ContainsFold": "contains, ignoring case", "HasPrefix": "starts with",
	"HasSuffix": "ends with", "EqualFold": "equals, ignoring case", "IsNil": "is null", "NotNil": "is not null",
}

func fieldDescription(typeName string, def *ast.Definition, field string) string {
	if strings.HasSuffix(typeName, "WhereInput") {
		if d, ok := fieldDescriptions[field]; ok && (field == "not" || field == "and" || field == "or") {
			return d
		}
		if strings.HasPrefix(field, "has") && len(field) > 3 {
			edge := strings.TrimPrefix(field, "has")
			if strings.HasSuffix(edge, "With") {
				return "Has a " + strings.TrimSuffix(edge, "With") + " matching these filters."
			}
			return "Has a " + edge + " (or not, when false)."
		}
		m := predicateRE.FindStringSubmatch(field)
		return fmt.Sprintf("Only items whose %s %s the value.", m[1], predicateText[m[2]])
	}
	if d, ok := fieldDescriptions[field]; ok {
		return d
	}
	return field + " of the " + typeName + "."
}

func argDescription(name string) string {
	switch name {
	case "first":
		return "Return at most this many items from the start (max 100)."
	case "last":
		return "Return at most this many items from the end (max 100)."
	case "after":
		return "Return items after this cursor."
	case "before":
		return "Return items before this cursor."
	case "orderBy":
		return "Ordering."
	case "where":
		return "Filters."
	case "input":
		return "The mutation's input."
	case "id":
		return "Opaque global ID."
	case "ids":
		return "Opaque global IDs."
	}
	return name + "."
}

func enumValueDescription(typeName, value string) string {
	switch typeName {
	case "OrderDirection":
		if value == "ASC" {
			return "Ascending."
		}
		return "Descending."
	}
	if strings.HasSuffix(typeName, "OrderField") {
		return "Order by " + strings.ToLower(value) + "."
	}
	return strings.ToUpper(value[:1]) + strings.ToLower(strings.ReplaceAll(value[1:], "_", " ")) + "."
}
