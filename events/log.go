package events

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/viewer"
)

// Filter selects events; zero fields match everything.
type Filter struct {
	// Packages matches any of these package names exactly.
	Packages []string
	// Repository is a repository name (the public one or an organization's).
	Repository string
	// Kinds matches any of these kinds.
	Kinds []releaseevent.Kind
}

// Validate reports a BAD_USER_INPUT error for an unknown kind. Unknown
// package or repository names are not errors: they may exist later (or be
// private), so they simply match nothing.
func (f Filter) Validate() error {
	for _, k := range f.Kinds {
		if err := releaseevent.KindValidator(k); err != nil {
			return apperr.Invalid("filter.kinds", "unknown release event kind %q", string(k))
		}
	}
	return nil
}

// Match reports whether e passes the filter; it is the in-memory twin of the
// query predicates, used by the hub on events it has already read.
func (f Filter) Match(e *ent.ReleaseEvent) bool {
	return (len(f.Packages) == 0 || slices.Contains(f.Packages, e.PackageName)) &&
		(f.Repository == "" || f.Repository == e.Repository) &&
		(len(f.Kinds) == 0 || slices.Contains(f.Kinds, e.Kind))
}

// Log reads the release event log.
type Log struct{ DB *ent.Client }

// After returns up to limit events with id > cursorID that pass the filter,
// ascending by id. Private events are filtered by the viewer in ctx (the
// Ent privacy interceptor), so callers get exactly what that viewer may see.
func (l Log) After(ctx context.Context, cursorID int, f Filter, limit int) ([]*ent.ReleaseEvent, error) {
	return l.between(ctx, cursorID, 0, f, limit)
}

// between is After bounded above by upTo (inclusive; 0 = no bound), which
// the hub needs to replay exactly the span it has not broadcast yet.
func (l Log) between(ctx context.Context, after, upTo int, f Filter, limit int) ([]*ent.ReleaseEvent, error) {
	if limit <= 0 {
		return nil, apperr.Invalid("first", "limit must be positive, got %d", limit)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	q := l.DB.ReleaseEvent.Query().Where(releaseevent.IDGT(after))
	if upTo > 0 {
		q.Where(releaseevent.IDLTE(upTo))
	}
	if len(f.Packages) > 0 {
		q.Where(releaseevent.PackageNameIn(f.Packages...))
	}
	if f.Repository != "" {
		q.Where(releaseevent.Repository(f.Repository))
	}
	if len(f.Kinds) > 0 {
		q.Where(releaseevent.KindIn(f.Kinds...))
	}
	evs, err := q.Order(releaseevent.ByID()).Limit(limit).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: read log after %d: %w", after, err)
	}
	return evs, nil
}

// Head returns the id of the newest event in the whole log (0 when empty),
// whoever may read it: it is a position, not content.
func (l Log) Head(ctx context.Context) (int, error) {
	id, err := l.DB.ReleaseEvent.Query().Order(releaseevent.ByID(sql.OrderDesc())).FirstID(viewer.System(ctx))
	if ent.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("events: read log head: %w", err)
	}
	return id, nil
}
