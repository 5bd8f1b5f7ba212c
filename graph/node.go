package graph

import (
	"context"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/org"
	"github.com/depot-registry/depot/viewer"
)

// visible decides whether node(id:) may return n. Private packages,
// releases and events are already filtered by the privacy interceptors
// (which go by the key's repository scopes); this covers the types that
// belong to one user or organization, each by its domain's read rule, so a
// key's scopes limit node lookups exactly as they limit the list fields.
//
// The ownership columns are read again by id: n was loaded with only the
// fields the query selected (field collection), so its UserID or
// OrganizationID may be zero — which would make every key look like the
// anonymous viewer's, and nothing look like its owner's.
func (r *Resolver) visible(ctx context.Context, n ent.Noder) bool {
	v := viewer.FromContext(ctx)
	if v.IsSystem() {
		return true
	}
	switch n := n.(type) {
	case *ent.APIKey:
		k, err := r.DB.APIKey.Get(ctx, n.ID)
		return err == nil && account.KeyVisible(v, k.UserID)
	case *ent.AuditLog:
		a, err := r.DB.AuditLog.Get(ctx, n.ID)
		return err == nil && audit.CanRead(v, a)
	case *ent.Membership:
		m, err := r.DB.Membership.Get(ctx, n.ID)
		if err != nil {
			return false
		}
		return org.MembersVisible(v, m.OrganizationID)
	case *ent.PackageOwner:
		return true
	}
	return true
}
