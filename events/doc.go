// Package events is Depot's release-event feed: the append-only log of
// release events (ent.ReleaseEvent), the bus that tells server instances the
// log has grown, and the hub that fans new events out to live subscribers.
//
// The pieces and why they are split this way:
//
//   - Log reads the table. It is the only source of truth: every delivery,
//     live or replayed, is a read of the log after a cursor, so a lost
//     notification can delay an event but never lose it.
//   - Bus carries "the log grew up to id N" signals between writers and hubs:
//     in-process for the embedded SQLite server, PostgreSQL LISTEN/NOTIFY
//     when several instances share a database. Signals carry no event data,
//     so they need no privacy checks and may be coalesced or dropped.
//   - Hub (one per process) reads new events once per signal, as the system
//     viewer, and filters them per subscriber by privacy and filter, so the
//     cost of a new event is one query per process, not one per subscriber.
//
// The bus also carries Revocations (a key revoked, a member removed, a
// subscription lapsed): who may now read less. Subscriptions of the affected
// viewers re-read their viewer at once instead of at their next periodic
// refresh, and end with ErrAccessRevoked (or the re-read's error) when they
// lost access. Revocations are hints too: a lost one delays the cut-off to
// that periodic refresh.
//
// Writers call LockForAppend before inserting events in their transaction
// and Bus.Notify after it commits; see LockForAppend for why the lock is what
// makes cursors gap-free.
package events
