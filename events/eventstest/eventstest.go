// Package eventstest holds what tests of Depot's event feed share: the
// conformance suite every events.Bus implementation must pass, and a writer
// helper that appends events the way production writers must.
package eventstest

import (
	"context"
	"fmt"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/viewer"
)

// Event describes one event to append.
type Event struct {
	Kind       releaseevent.Kind // default PUBLISHED
	Repository string            // default "depot"
	Package    string
	Version    string
	// PrivateOrg, when non-zero, makes the event private to that organization.
	PrivateOrg int
}

// Append commits evs in one transaction following the writer protocol
// (LockForAppend, insert, commit, then Notify) and returns their ids. It
// returns errors instead of failing a test so goroutines can use it.
func Append(ctx context.Context, db *ent.Client, bus events.Bus, evs ...Event) ([]int, error) {
	ctx = viewer.System(ctx)
	tx, err := db.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	ids, err := insert(ctx, tx, evs)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	if len(ids) > 0 {
		if err := bus.Notify(ctx, ids[len(ids)-1]); err != nil {
			return ids, fmt.Errorf("notify: %w", err)
		}
	}
	return ids, nil
}

func insert(ctx context.Context, tx *ent.Tx, evs []Event) ([]int, error) {
	if err := events.LockForAppend(ctx, tx); err != nil {
		return nil, err
	}
	ids := make([]int, 0, len(evs))
	for _, e := range evs {
		if e.Kind == "" {
			e.Kind = releaseevent.KindPUBLISHED
		}
		if e.Repository == "" {
			e.Repository = "depot"
		}
		c := tx.ReleaseEvent.Create().SetKind(e.Kind).SetRepository(e.Repository).
			SetPackageName(e.Package).SetVersion(e.Version).SetOccurredAt(time.Now())
		if e.PrivateOrg != 0 {
			c.SetPrivateOrgID(e.PrivateOrg)
		}
		row, err := c.Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("insert event: %w", err)
		}
		ids = append(ids, row.ID)
	}
	return ids, nil
}
