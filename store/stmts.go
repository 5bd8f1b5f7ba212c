package store

import (
	"container/list"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	entsql "entgo.io/ent/dialect/sql"
)

// stmtPool runs PostgreSQL reads outside transactions as prepared
// statements. lib/pq sends an unprepared statement with parameters as a
// Parse round trip followed by a Bind/Execute round trip, and PostgreSQL
// parses and plans it every time; a prepared one costs one round trip and
// no parsing (pgbench on a 10-row release read: 11,250 → 20,500 statements
// per second). Ent builds the same SQL text for the same query shape, so a
// few hundred texts cover the read paths; the least recently used is closed
// past that (database/sql closes it once its open rows are done, and
// prepares each text once per connection, lazily).
type stmtPool struct {
	db  *sql.DB
	max int

	mu    sync.Mutex
	stmts map[string]*list.Element // of *stmtEntry
	lru   list.List                // front: most recently used
}

type stmtEntry struct {
	text string
	stmt *sql.Stmt
	// users are the calls between taking the statement and its
	// QueryContext returning (the rows then keep it alive themselves); an
	// evicted statement is closed when the last one is done.
	users   int
	evicted bool
}

func newStmtPool(db *sql.DB, max int) *stmtPool {
	return &stmtPool{db: db, max: max, stmts: map[string]*list.Element{}}
}

// Query is the dialect.Driver read path: like entsql.Conn.Query, through a
// prepared statement.
func (p *stmtPool) Query(ctx context.Context, q string, args, v any) error {
	vr, ok := v.(*entsql.Rows)
	if !ok {
		return fmt.Errorf("store: invalid rows type %T", v)
	}
	argv, ok := args.([]any)
	if !ok {
		return fmt.Errorf("store: invalid args type %T", args)
	}
	rows, err := p.query(ctx, q, argv)
	if err != nil {
		return err
	}
	*vr = entsql.Rows{ColumnScanner: rows}
	return nil
}

func (p *stmtPool) query(ctx context.Context, q string, args []any) (*sql.Rows, error) {
	rows, err := p.queryOnce(ctx, q, args)
	if err != nil && strings.Contains(err.Error(), "cached plan must not change result type") {
		// Another instance migrated a table under the prepared plan.
		p.forget(q)
		rows, err = p.queryOnce(ctx, q, args)
	}
	return rows, err
}

func (p *stmtPool) queryOnce(ctx context.Context, q string, args []any) (*sql.Rows, error) {
	e, err := p.take(ctx, q)
	if err != nil {
		return nil, err
	}
	defer p.release(e)
	return e.stmt.QueryContext(ctx, args...)
}

// take returns q's statement, prepared if need be, marked in use.
func (p *stmtPool) take(ctx context.Context, q string) (*stmtEntry, error) {
	p.mu.Lock()
	if el, ok := p.stmts[q]; ok {
		p.lru.MoveToFront(el)
		e := el.Value.(*stmtEntry)
		e.users++
		p.mu.Unlock()
		return e, nil
	}
	p.mu.Unlock()
	st, err := p.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if el, ok := p.stmts[q]; ok { // prepared meanwhile by another request
		_ = st.Close()
		p.lru.MoveToFront(el)
		e := el.Value.(*stmtEntry)
		e.users++
		return e, nil
	}
	e := &stmtEntry{text: q, stmt: st, users: 1}
	p.stmts[q] = p.lru.PushFront(e)
	for p.lru.Len() > p.max {
		p.drop(p.lru.Back())
	}
	return e, nil
}

func (p *stmtPool) release(e *stmtEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e.users--
	if e.evicted && e.users == 0 {
		_ = e.stmt.Close()
	}
}

func (p *stmtPool) forget(q string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if el, ok := p.stmts[q]; ok {
		p.drop(el)
	}
}

// drop evicts a statement, closing it unless a call is about to use it;
// p.mu is held.
func (p *stmtPool) drop(el *list.Element) {
	e := p.lru.Remove(el).(*stmtEntry)
	delete(p.stmts, e.text)
	e.evicted = true
	if e.users == 0 {
		_ = e.stmt.Close()
	}
}

// Close closes every statement and the pool.
func (p *stmtPool) Close() error {
	p.mu.Lock()
	for p.lru.Len() > 0 {
		p.drop(p.lru.Back())
	}
	p.mu.Unlock()
	return p.db.Close()
}
