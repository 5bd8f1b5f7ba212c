package store

import (
	"context"
	"database/sql"
	"strings"
	"sync/atomic"

	"entgo.io/ent/dialect"
)

// Statements counts every SQL statement the process has sent, for /metrics.
var Statements atomic.Int64

type counterKey struct{}

// WithCounter returns a context that counts the statements run under it.
func WithCounter(ctx context.Context) (context.Context, *atomic.Int64) {
	c := new(atomic.Int64)
	return context.WithValue(ctx, counterKey{}, c), c
}

func count(ctx context.Context) {
	Statements.Add(1)
	if c, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		c.Add(1)
	}
}

// countingDriver wraps Ent's driver to count statements. Reads outside
// transactions go through prepared statements (stmtPool): on PostgreSQL
// from a second pool of connections, on SQLite from the same one.
type countingDriver struct {
	dialect.Driver
	reads *stmtPool // nil: one pool
}

func (d *countingDriver) Exec(ctx context.Context, q string, args, v any) error {
	count(ctx)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d *countingDriver) Query(ctx context.Context, q string, args, v any) error {
	count(ctx)
	if d.reads != nil && isRead(q) {
		return d.reads.Query(ctx, q, args, v)
	}
	return d.Driver.Query(ctx, q, args, v)
}

// isRead reports whether q is a plain SELECT (not a locking one).
func isRead(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n")
	return hasPrefixFold(q, "SELECT ") && !strings.Contains(q, " FOR UPDATE") && !strings.Contains(q, " FOR SHARE")
}

func (d *countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, ctx: ctx}, nil
}

// BeginTx lets ent.Client.BeginTx pass transaction options through.
func (d *countingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, ctx: ctx}, nil
}

// countingTx counts statements and remembers whether the transaction wrote
// anything readers see; if so, Commit bumps the data generation first, in
// the same transaction.
type countingTx struct {
	dialect.Tx
	ctx   context.Context
	wrote bool
}

func (t *countingTx) Exec(ctx context.Context, q string, args, v any) error {
	count(ctx)
	t.wrote = t.wrote || changesReads(ctx, q)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *countingTx) Query(ctx context.Context, q string, args, v any) error {
	count(ctx)
	t.wrote = t.wrote || changesReads(ctx, q)
	return t.Tx.Query(ctx, q, args, v)
}

func (t *countingTx) Commit() error {
	if t.wrote {
		if err := bump(t.ctx, t.Tx.Exec); err != nil {
			_ = t.Tx.Rollback()
			return err
		}
	}
	return t.Tx.Commit()
}
