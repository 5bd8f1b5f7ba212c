package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"entgo.io/ent/dialect"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/apikey"
	"github.com/depot-registry/depot/ent/auditlog"
	"github.com/depot-registry/depot/ent/mailmessage"
	"github.com/depot-registry/depot/ent/mirroredpackage"
	"github.com/depot-registry/depot/ent/mirroredtarball"
	"github.com/depot-registry/depot/ent/processedwebhook"
	"github.com/depot-registry/depot/ent/recoverycode"
	"github.com/depot-registry/depot/ent/session"
	"github.com/depot-registry/depot/ent/token"
	"github.com/depot-registry/depot/ent/twofactor"
)

// The data generation is one number in the database that every committed
// write readers could see moves forward (a per-process read cache keys its
// answers by it; see package readcache). It lives in the database, not in
// a process, so a write through any instance — or through `depot admin`
// — is seen by the next read on every instance, without waiting for a
// notification to travel.
//
// The store bumps it itself: a transaction that wrote to any table readers
// see ends with one UPDATE of the generation row just before COMMIT (the
// driver sees every statement of the transaction; the row is the last lock
// it takes, so it cannot join a lock cycle), and an Ent mutation outside a
// transaction is followed by one once it has returned (a hook: the driver
// cannot tell when an INSERT ... RETURNING outside a transaction is done).
// Writes readers never see (sessions, API key use, mail, audit, webhook
// bookkeeping) and writes the caller marks with CounterWrites do not bump
// it.
const (
	generationTable = "data_generation"
	bumpGeneration  = "UPDATE data_generation SET value = value + 1 WHERE id = 1"
	readGeneration  = "SELECT value FROM data_generation WHERE id = 1"
)

// unseenTypes are written without changing anything a cached read shows:
// they are never part of an answer to a reader without an account.
// unseenTables are their tables, as the driver sees them. The mirror's
// cache rows are unseen so that a mirror revalidation does not empty every
// instance's cache: the read cache serves GraphQL alone, and never answers
// its mirror fields (mirroredPackage[s], server/readcache.go
// uncachedFields); the repository front rebuilds its payloads on every
// request.
var (
	unseenTypes = []string{
		ent.TypeSession, ent.TypeAPIKey, ent.TypeToken, ent.TypeMailMessage, ent.TypeAuditLog, ent.TypeProcessedWebhook,
		ent.TypeTwoFactor, ent.TypeRecoveryCode, ent.TypeMirroredPackage, ent.TypeMirroredTarball,
	}
	unseenTables = map[string]bool{
		session.Table: true, apikey.Table: true, token.Table: true, mailmessage.Table: true, auditlog.Table: true, processedwebhook.Table: true,
		twofactor.Table: true, recoverycode.Table: true,
		mirroredpackage.Table: true, mirroredtarball.Table: true,
	}
)

type counterWritesKey struct{}

// CounterWrites marks ctx's writes as counters that cached answers may show
// late (download counts): they do not move the data generation, so they do
// not empty every instance's read cache each time they are flushed.
func CounterWrites(ctx context.Context) context.Context {
	return context.WithValue(ctx, counterWritesKey{}, true)
}

// changesReads reports whether statement q (run under ctx) writes rows a
// reader could see.
func changesReads(ctx context.Context, q string) bool {
	table, ok := writtenTable(q)
	if !ok || unseenTables[table] {
		return false
	}
	return ctx.Value(counterWritesKey{}) == nil
}

// writtenTable returns the table an INSERT, UPDATE or DELETE statement
// writes (Ent quotes names with " on PostgreSQL and ` on SQLite).
func writtenTable(q string) (string, bool) {
	q = strings.TrimLeft(q, " \t\r\n")
	var rest string
	switch {
	case hasPrefixFold(q, "INSERT INTO "):
		rest = q[len("INSERT INTO "):]
	case hasPrefixFold(q, "UPDATE "):
		rest = q[len("UPDATE "):]
	case hasPrefixFold(q, "DELETE FROM "):
		rest = q[len("DELETE FROM "):]
	default:
		return "", false
	}
	rest = strings.TrimLeft(rest, " ")
	end := strings.IndexAny(rest, " (\n")
	if end < 0 {
		end = len(rest)
	}
	return strings.Trim(rest[:end], "\"`"), true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// generationHook bumps the generation after an Ent mutation that ran
// outside a transaction (inside one, countingTx does it at commit).
func generationHook(drv dialect.Driver) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil || slices.Contains(unseenTypes, m.Type()) || ctx.Value(counterWritesKey{}) != nil {
				return v, err
			}
			if t, ok := m.(interface{ Tx() (*ent.Tx, error) }); ok {
				if _, terr := t.Tx(); terr == nil {
					return v, nil
				}
			}
			if err := bump(ctx, drv.Exec); err != nil {
				return nil, err
			}
			return v, nil
		})
	}
}

// migrateGeneration creates the generation row when it is missing.
func (db *DB) migrateGeneration(ctx context.Context) error {
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS data_generation (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)",
		"INSERT INTO data_generation (id, value) VALUES (1, 0) ON CONFLICT DO NOTHING",
	} {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("migrate %s: %w", generationTable, err)
		}
	}
	return nil
}

// Generation returns the current data generation: one primary-key read.
func (db *DB) Generation(ctx context.Context) (int64, error) {
	count(ctx)
	var (
		g   int64
		err error
	)
	if db.drv.reads != nil {
		var rows *sql.Rows
		if rows, err = db.drv.reads.query(ctx, readGeneration, nil); err == nil {
			err = scanOne(rows, &g)
		}
	} else {
		err = db.SQL.QueryRowContext(ctx, readGeneration).Scan(&g)
	}
	if err != nil {
		return 0, fmt.Errorf("read data generation: %w", err)
	}
	return g, nil
}

func scanOne(rows *sql.Rows, dest ...any) error {
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// bump moves the generation forward through ex (the pool or a transaction).
func bump(ctx context.Context, exec func(ctx context.Context, q string, args, v any) error) error {
	count(ctx)
	var res sql.Result
	if err := exec(ctx, bumpGeneration, []any{}, &res); err != nil {
		return fmt.Errorf("bump data generation: %w", err)
	}
	return nil
}
