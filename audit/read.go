package audit

import (
	"context"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/auditlog"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/viewer"
)

// Readable returns the audit entries the viewer in ctx may read: their own
// actions and actions on them, or, with orgName, that organization's
// entries (its admins only). The audit log is account data: keys that do
// not read it (viewer.Scopes.AllowsAccountRead) are refused, because entries
// name private packages and carry messages the key could not read
// otherwise.
func Readable(ctx context.Context, db *ent.Client, orgName string) (*ent.AuditLogQuery, error) {
	v := viewer.FromContext(ctx)
	if v.Anonymous() {
		return nil, apperr.SignInRequired()
	}
	if !v.ReadsAccount() {
		return nil, apperr.New(apperr.Forbidden, "this API key may not read the audit log (needs api:read)")
	}
	q := db.AuditLog.Query()
	if orgName == "" {
		return q.Where(auditlog.Or(auditlog.ActorID(v.UserID), auditlog.SubjectUserID(v.UserID))), nil
	}
	o, err := db.Organization.Query().Where(organization.Name(orgName)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "no organization named %q", orgName)
	}
	if err != nil {
		return nil, err
	}
	if v.ReadRoleIn(o.ID) != viewer.RoleAdmin {
		return nil, apperr.New(apperr.Forbidden, "only admins of %s can read its audit log", orgName)
	}
	return q.Where(auditlog.OrganizationID(o.ID)), nil
}

// CanRead reports whether v may read entry e (node lookups): the same rule
// as Readable, one entry at a time.
func CanRead(v *viewer.Viewer, e *ent.AuditLog) bool {
	if v.IsSystem() {
		return true
	}
	if !v.ReadsAccount() {
		return false
	}
	return (e.ActorID != nil && *e.ActorID == v.UserID) ||
		(e.SubjectUserID != nil && *e.SubjectUserID == v.UserID) ||
		(e.OrganizationID != nil && v.ReadRoleIn(*e.OrganizationID) == viewer.RoleAdmin)
}
