// Package testdb gives each test a fresh, migrated Depot database: a SQLite
// file in the test's temp folder by default, or a new database on the
// PostgreSQL server named by DEPOT_TEST_POSTGRES_URL (the test command starts
// one and runs the whole suite a second time with it set).
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/lib/pq"

	"github.com/depot-registry/depot/store"
)

var migrateMu sync.Mutex

// PublicRepository is the public repository's name in tests.
const PublicRepository = "depot"

// Postgres reports whether tests run against PostgreSQL.
func Postgres() bool { return os.Getenv("DEPOT_TEST_POSTGRES_URL") != "" }

// URL returns a database URL for a new empty database ("" means SQLite in
// dir). The PostgreSQL database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("DEPOT_TEST_POSTGRES_URL")
	if admin == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "depot.db")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "depot_test_" + hex.EncodeToString(b)
	db, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse DEPOT_TEST_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open returns a migrated database for the test, closed when it ends.
func Open(t testing.TB) *store.DB {
	t.Helper()
	return OpenURL(t, URL(t))
}

// OpenURL opens and migrates the database at url (shared by several server
// instances in multi-instance tests).
func OpenURL(t testing.TB, url string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url, t.TempDir())
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	// Ent's migration touches package-level state: parallel tests migrate
	// one at a time.
	migrateMu.Lock()
	defer migrateMu.Unlock()
	if err := db.Migrate(ctx, PublicRepository); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}
