// Package store opens Depot's database — SQLite in the data folder by
// default, PostgreSQL when a postgres:// URL is configured — migrates its
// schema, and counts SQL statements so tests and metrics can see how many a
// request costs.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"  // PostgreSQL driver
	_ "modernc.org/sqlite" // SQLite driver

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/repository"
	_ "github.com/depot-registry/depot/ent/runtime" // hooks, defaults and privacy interceptors
	"github.com/depot-registry/depot/viewer"
)

// DB is an open database.
type DB struct {
	*ent.Client
	// SQL is the underlying pool (readiness checks, LISTEN/NOTIFY, pgbench-style tools).
	SQL *sql.DB
	// Dialect is dialect.SQLite or dialect.Postgres.
	Dialect string
	// URL is what was opened (PostgreSQL URL or SQLite file path).
	URL string

	drv *countingDriver
}

// Open opens the database named by databaseURL, or the SQLite file
// depot.db in dataDir when databaseURL is empty.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	var (
		db   *sql.DB
		name string
		err  error
	)
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		name = dialect.Postgres
		if db, err = openPostgres(databaseURL); err != nil {
			return nil, err
		}
	case databaseURL == "" || strings.HasPrefix(databaseURL, "sqlite:") || strings.HasPrefix(databaseURL, "file:"):
		name = dialect.SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite:"), "file:")
		if path == "" {
			if err := os.MkdirAll(dataDir, 0o750); err != nil {
				return nil, fmt.Errorf("data folder: %w", err)
			}
			path = filepath.Join(dataDir, "depot.db")
		}
		databaseURL = path
		db, err = sql.Open("sqlite", sqliteDSN(path))
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// One writer at a time is SQLite's rule; _txlock=immediate makes
		// writers queue on busy_timeout instead of failing with SQLITE_BUSY
		// half-way through a transaction.
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	default:
		return nil, fmt.Errorf("unsupported database URL %q (want postgres://... or a SQLite file path)", redact(databaseURL))
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", name, err)
	}
	drv := &countingDriver{Driver: entsql.OpenDB(name, db)}
	if name == dialect.Postgres {
		// Reads outside transactions get their own pool of prepared
		// statements (stmtPool); writes keep this one.
		reads, err := openPostgres(databaseURL)
		if err == nil {
			if err = reads.PingContext(ctx); err != nil {
				reads.Close()
			}
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("connect to postgres (read pool): %w", err)
		}
		drv.reads = newStmtPool(reads, 256)
	} else {
		// SQLite: the same pool, prepared statements too. Parsing and
		// planning a search's statement cost a third of a search's CPU;
		// database/sql prepares each text once per connection.
		drv.reads = newStmtPool(db, 256)
	}
	client := ent.NewClient(ent.Driver(drv))
	client.Use(generationHook(drv.Driver))
	return &DB{Client: client, SQL: db, Dialect: name, URL: databaseURL, drv: drv}, nil
}

// sqliteDSN: WAL (readers never wait for the writer), foreign keys, a busy
// timeout, and a 512 KiB page cache per connection instead of SQLite's
// 2 MiB: the operating system caches the file anyway, and eight connections'
// full caches were 16 MiB of the server's memory goal.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-512)&_txlock=immediate&_time_format=sqlite"
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable)"
	}
	return p.Redacted()
}

// Migrate creates or upgrades the schema and the rows every installation
// needs (the public repository).
func (db *DB) Migrate(ctx context.Context, publicRepository string) error {
	// First: every write below (migration's own included) bumps it.
	if err := db.migrateGeneration(ctx); err != nil {
		return err
	}
	if err := db.Schema.Create(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	if err := db.migrateSearch(ctx); err != nil {
		return err
	}
	ctx = viewer.System(ctx)
	exists, err := db.Repository.Query().Where(repository.OrganizationIDIsNil()).Exist(ctx)
	if err != nil {
		return fmt.Errorf("find public repository: %w", err)
	}
	if !exists {
		if err := db.Repository.Create().SetName(publicRepository).Exec(ctx); err != nil {
			return fmt.Errorf("create public repository: %w", err)
		}
	}
	return nil
}

// Close closes the pools.
func (db *DB) Close() error {
	err := db.Client.Close()
	if db.drv.reads != nil {
		if rerr := db.drv.reads.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// openPostgres opens a PostgreSQL pool a little larger than the CPUs:
// PostgreSQL does the work, more connections only add contention.
func openPostgres(databaseURL string) (*sql.DB, error) {
	db, err := sql.Open("postgres", databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	n := 4 * runtime.GOMAXPROCS(0)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// WithTx runs fn in a transaction: committed when fn returns nil, rolled back
// otherwise (also on panic).
func WithTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rollback: %v)", err, rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ForUpdate is a query predicate that locks the selected rows until the
// transaction ends on PostgreSQL. SQLite needs no row locks: its
// transactions take the database write lock up front (_txlock=immediate).
func ForUpdate(s *entsql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForUpdate()
	}
}
