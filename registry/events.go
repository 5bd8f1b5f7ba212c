package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/viewer"
)

// event is one row for the release event log. Names are copied in because
// the package or release may be deleted later.
type event struct {
	Kind          releaseevent.Kind
	Version       string
	ReleaseID     int
	Reason        string
	Message       string
	PreviousOwner string
	NewOwner      string
}

// writeEvent appends e for package p in the same transaction as the change.
// Events of private packages carry private_org_id so that only members see
// them in feeds.
//
// events.LockForAppend first: event ids must become visible in id order, or
// a feed reader could skip an event that commits after a higher id.
func writeEvent(ctx context.Context, tx *ent.Tx, at time.Time, r repo, p *ent.Pkg, e event) error {
	if err := events.LockForAppend(ctx, tx); err != nil {
		return err
	}
	q := tx.ReleaseEvent.Create().
		SetKind(e.Kind).
		SetOccurredAt(at).
		SetRepository(r.Name).
		SetPackageName(p.Name).
		SetVersion(e.Version).
		SetPackageID(p.ID).
		SetNillablePrivateOrgID(r.privateOrgID())
	if e.ReleaseID != 0 {
		q.SetReleaseID(e.ReleaseID)
	}
	if v := viewer.FromContext(ctx); v.UserID != 0 {
		q.SetActorID(v.UserID)
	}
	if e.Reason != "" {
		q.SetRetirementReason(e.Reason)
	}
	if e.Message != "" {
		q.SetRetirementMessage(e.Message)
	}
	if e.PreviousOwner != "" {
		q.SetPreviousOwner(e.PreviousOwner)
	}
	if e.NewOwner != "" {
		q.SetNewOwner(e.NewOwner)
	}
	if err := q.Exec(ctx); err != nil {
		return fmt.Errorf("write %s event: %w", e.Kind, err)
	}
	return nil
}
