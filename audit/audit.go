// Package audit writes the audit log: one row per state-changing action, in
// the same transaction as the change, so the log and the data never disagree.
package audit

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/viewer"
)

// Entry describes one action. Params must never hold secrets (passwords,
// tokens, key secrets).
type Entry struct {
	Action string
	// OrganizationID is the organization affected, so its admins can read it.
	OrganizationID int
	// SubjectUserID is a user affected other than the actor.
	SubjectUserID int
	Package       string
	Params        map[string]any
}

// Record writes e with the actor, API key and client of ctx.
func Record(ctx context.Context, tx *ent.Tx, e Entry) error {
	v := viewer.FromContext(ctx)
	c := viewer.ClientFrom(ctx)
	q := tx.AuditLog.Create().
		SetAction(e.Action).
		SetIP(c.IP).
		SetUserAgent(truncate(c.UserAgent, 512))
	if v.UserID != 0 {
		q.SetActorID(v.UserID)
	}
	if v.KeyID != 0 {
		q.SetAPIKeyID(v.KeyID)
	}
	if e.OrganizationID != 0 {
		q.SetOrganizationID(e.OrganizationID)
	}
	if e.SubjectUserID != 0 {
		q.SetSubjectUserID(e.SubjectUserID)
	}
	if e.Package != "" {
		q.SetPackage(e.Package)
	}
	if len(e.Params) > 0 {
		q.SetParams(e.Params)
	}
	if err := q.Exec(ctx); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
