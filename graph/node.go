package graph

import (
	"context"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/viewer"
)

// visible decides whether node(id:) may return n. Private packages,
// releases and events are already filtered by the privacy interceptors;
// this covers the types that belong to one user or organization.
func (r *Resolver) visible(ctx context.Context, n ent.Noder) bool {
	v := viewer.FromContext(ctx)
	switch n := n.(type) {
	case *ent.APIKey:
		return n.UserID == v.UserID
	case *ent.AuditLog:
		return (n.ActorID != nil && *n.ActorID == v.UserID) ||
			(n.SubjectUserID != nil && *n.SubjectUserID == v.UserID) ||
			(n.OrganizationID != nil && v.RoleIn(*n.OrganizationID) == viewer.RoleAdmin)
	case *ent.Membership:
		_, member := v.Org(n.OrganizationID)
		return member
	case *ent.PackageOwner:
		return true
	}
	return true
}
