package server

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/depot-registry/depot/readcache"
	"github.com/depot-registry/depot/viewer"
)

// cacheReads is a gqlgen response interceptor answering queries from the
// read cache (package readcache says why that is never stale). Only whole
// successful answers are kept; mutations and subscriptions always run.
//
// An answer is keyed by the request and by the viewer's visibility: the
// private repositories the viewer reads (viewer.PrivateOrgIDs, the one
// thing the privacy interceptors filter by). Anonymous visitors and most
// API keys read none, so they share entries. A signed-in viewer is served
// from the cache only when every field of the selection is in
// visibilityFields: its answer then depends on who asks through the
// visibility alone. A selection touching anything else (the viewer, keys,
// roles, billing, a field not classified yet) runs every time.
func (s *Server) cacheReads(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if s.reads == nil || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	v := viewer.FromContext(ctx)
	if v.IsSystem() || (!v.Anonymous() && !visibilityOnly(oc.Operation.SelectionSet)) || selectsAny(oc.Operation.SelectionSet, uncachedFields) {
		return next(ctx)
	}
	vars, err := json.Marshal(oc.Variables) // map keys come out sorted
	if err != nil {
		return next(ctx)
	}
	gen, err := s.DB.Generation(ctx)
	if err != nil {
		s.Log.WarnContext(ctx, "read cache bypassed", "err", err)
		return next(ctx)
	}
	key := readcache.KeyOf([]byte(oc.OperationName), []byte(oc.RawQuery), vars, visibility(v))
	if data, ok := s.reads.Get(gen, key); ok {
		return &graphql.Response{Data: data}
	}
	ctx, validity := readcache.WithValidity(ctx)
	resp := next(ctx)
	if resp != nil && resp.Data != nil && len(resp.Errors) == 0 && len(resp.Extensions) == 0 && resp.HasNext == nil {
		s.reads.Put(gen, key, resp.Data, validity.Until())
	}
	return resp
}

// visibility is the cache key part of what v may read beyond public data:
// its private organizations, sorted ("" for anonymous visitors and for
// every viewer reading public data only).
func visibility(v *viewer.Viewer) []byte {
	var b []byte
	for i, id := range v.PrivateOrgIDs() {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	return b
}

// visibilityOnly reports whether every field selected in set (through
// fragments too) is in visibilityFields. Introspection (__typename,
// __schema, __type) is the same for everyone.
func visibilityOnly(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			if s.ObjectDefinition == nil || !visibilityFields[s.ObjectDefinition.Name+"."+s.Name] || !visibilityOnly(s.SelectionSet) {
				return false
			}
		case *ast.InlineFragment:
			if !visibilityOnly(s.SelectionSet) {
				return false
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || !visibilityOnly(s.Definition.SelectionSet) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// The two kinds of field a query can select, by type. Every field of every
// type a visibility field leads to is in exactly one list
// (TestReadCacheClassifiesEveryField fails otherwise), so a new field is
// not cached for signed-in viewers until someone decides which it is.
var (
	// visibilityFields answer the same to every viewer who reads the same
	// private repositories: public data, and private rows the privacy
	// interceptors filter by viewer.PrivateOrgIDs.
	visibilityFields = fieldSet(map[string]string{
		"Query":                     "organization organizations package packages release releaseEvents user plans billingCountries trustedPublisherKinds",
		"TrustedPublisherKindSpec":  "kind claims anyClaims needsIssuer",
		"TrustedPublisherClaimSpec": "name required",
		"PlanOffer":                 "plan seatPrice periodMonths",
		"BillingCountry":            "code name vatPrefix",
		"Money":                     "cents currency",
		"Organization":              "id createdAt updatedAt name displayName packages requireTwoFactor",
		"OrganizationConnection":    "edges pageInfo totalCount",
		"OrganizationEdge":          "node cursor",
		"Owner":                     "account level",
		"Package": "id createdAt updatedAt name description latestVersion downloads firstPublishedAt repository releases " +
			"repositoryName private versions latestRelease owners dependents downloadStats downloadsByDay",
		"PackageConnection": "edges pageInfo totalCount suggestion",
		"PackageEdge":       "node cursor",
		"PageInfo":          "hasNextPage hasPreviousPage startCursor endCursor",
		"Release": "id createdAt updatedAt version prerelease innerChecksum outerChecksum size app description licenses " +
			"buildTools elixirRequirement firstPublishedAt downloads docsPublishedAt package packageName links publishedAt " +
			"revertableUntil hasDocs docsUrl tarballUrl retirement requirements publisher downloadStats downloadsByDay trustedPublish",
		"ReleaseConnection": "edges pageInfo totalCount",
		"ReleaseEdge":       "node cursor",
		"ReleaseEvent":      "id kind occurredAt repository packageName version previousOwner newOwner actor cursor package release retirement",
		"ReleaseEventPage":  "events endCursor hasNextPage",
		"Repository":        "id createdAt updatedAt name organization",
		"Requirement":       "id name repository requirement app optional release",
		"Retirement":        "id createdAt updatedAt reason message release",
		"RetirementInfo":    "reason message",
		"Link":              "name url",
		"DownloadStats":     "allTime recent week day",
		"DownloadCount":     "day downloads",
		"TrustedPublish":    "publisher issuer runId runUrl sha workflowRef",
		"User":              "id createdAt updatedAt username fullName packages",
	})
	// viewerFields depend on who asks: the viewer's own account (email,
	// keys, audit log, memberships), roles and rights, billing, and node
	// lookups (which reach keys and audit entries). The mirror's fields are
	// here too, though the same for everyone: they are never cached
	// (uncachedFields).
	viewerFields = fieldSet(map[string]string{
		"Query":        "node nodes viewer apiKeys auditLog previewSeatChange pendingTrustedPublishers mirroredPackage mirroredPackages",
		"Organization": "billing billingProfile invoices invoice members viewerRole viewerNeedsTwoFactor",
		"Package":      "viewerCanPublish viewerIsFullOwner trustedPublishers",
		"User":         "email emailVerified organizations twoFactorEnabled recoveryCodesLeft",
	})
)

// uncachedFields are never answered from the cache, for anonymous visitors
// too: the mirror's cache writes do not move the generation
// (store/generation.go unseenTables), so a kept answer would miss a package
// cached since. They are the same for everyone (viewerFields lists them so
// that signed-in viewers' selections are classified).
var uncachedFields = fieldSet(map[string]string{"Query": "mirroredPackage mirroredPackages"})

// selectsAny reports whether set selects (through fragments too) a field
// of fields.
func selectsAny(set ast.SelectionSet, fields map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.ObjectDefinition != nil && fields[s.ObjectDefinition.Name+"."+s.Name] || selectsAny(s.SelectionSet, fields) {
				return true
			}
		case *ast.InlineFragment:
			if selectsAny(s.SelectionSet, fields) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && selectsAny(s.Definition.SelectionSet, fields) {
				return true
			}
		}
	}
	return false
}

func fieldSet(byType map[string]string) map[string]bool {
	out := map[string]bool{}
	for typ, fields := range byType {
		for _, f := range strings.Fields(fields) {
			out[typ+"."+f] = true
		}
	}
	return out
}
