package store

import (
	"context"
	"database/sql"
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

// countingDriver wraps Ent's driver to count statements.
type countingDriver struct{ dialect.Driver }

func (d *countingDriver) Exec(ctx context.Context, q string, args, v any) error {
	count(ctx)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d *countingDriver) Query(ctx context.Context, q string, args, v any) error {
	count(ctx)
	return d.Driver.Query(ctx, q, args, v)
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

type countingTx struct {
	dialect.Tx
	ctx context.Context
}

func (t *countingTx) Exec(ctx context.Context, q string, args, v any) error {
	count(ctx)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *countingTx) Query(ctx context.Context, q string, args, v any) error {
	count(ctx)
	return t.Tx.Query(ctx, q, args, v)
}
