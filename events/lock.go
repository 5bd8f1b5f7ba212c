package events

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/viewer"
)

// appendLockKey names the PostgreSQL advisory lock that serializes event
// appends ("depotev" in ASCII); any constant works as long as nothing else
// in the database uses it.
const appendLockKey = 0x6465706f746576

// LockForAppend must be called in a transaction before it inserts
// ReleaseEvent rows (after any other row locks it takes, to keep lock order
// simple). It is what makes the log gap-free for readers.
//
// Why: ids come from a sequence at INSERT, but transactions commit in any
// order, so without it a reader could see event 12 commit, move its cursor
// past it, and only then see event 11 commit — and never deliver 11. On
// PostgreSQL this takes a transaction-scoped advisory lock, so appending
// transactions run their inserts one after another and each commits (the
// lock is released only after the commit is visible) before the next can
// take an id: committed ids always form a prefix of the sequence, and
// "everything after my cursor" never misses a late commit. Only the append
// phase of concurrent publishes is serialized, not the rest of their work.
// On SQLite writers are already serialized by the database lock
// (_txlock=immediate), so the statement takes no lock there.
func LockForAppend(ctx context.Context, tx *ent.Tx) error {
	// The query goes through Ent's builder rather than tx.ExecContext: the
	// store's statement-counting driver does not pass ExecContext through,
	// and this way the statement is counted like any other. The builder is
	// also the only place that reveals the dialect of a *ent.Tx.
	var one []int
	err := tx.ReleaseEvent.Query().Modify(func(s *sql.Selector) {
		lock := "(SELECT 1) AS depot_append_lock"
		if s.Dialect() == dialect.Postgres {
			lock = fmt.Sprintf("(SELECT pg_advisory_xact_lock(%d)) AS depot_append_lock", appendLockKey)
		}
		s.FromExpr(sql.Expr(lock))
		s.SelectExpr(sql.Expr("1"))
	}).Scan(viewer.System(ctx), &one) // system: the privacy filter has no column to filter here
	if err != nil {
		return fmt.Errorf("events: lock for append: %w", err)
	}
	return nil
}
