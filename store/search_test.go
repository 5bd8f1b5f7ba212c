package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/ent/repository"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/viewer"
)

// Migrating again is harmless, and a search index created on a database
// that already holds packages is filled from them.
func TestMigrateFillsSearchIndex(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	repo := db.Repository.Query().Where(repository.OrganizationIDIsNil()).OnlyX(ctx)
	p := db.Pkg.Create().SetName("walrus").SetDescription("Tusked marine mammal").
		SetRepositoryID(repo.ID).SetFirstPublishedAt(time.Now()).SaveX(ctx)

	drop := []string{"DROP TABLE packages_words", "DROP TABLE packages_trigrams"}
	find := []string{
		"SELECT rowid FROM packages_words WHERE packages_words MATCH 'description : tusk*'",
		"SELECT rowid FROM packages_trigrams WHERE packages_trigrams MATCH 'alr'",
	}
	if testdb.Postgres() {
		drop = []string{"DROP INDEX packages_name_trgm", "ALTER TABLE packages DROP COLUMN search_name, DROP COLUMN search_description"}
		find = []string{
			"SELECT id FROM packages WHERE search_description @@ to_tsquery('simple', 'tusk:*')",
			"SELECT id FROM packages WHERE search_name @@ to_tsquery('simple', 'walrus')",
		}
	}
	for _, q := range drop {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for range 2 {
		if err := db.Migrate(ctx, testdb.PublicRepository); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range find {
		var id int
		if err := db.SQL.QueryRowContext(ctx, q).Scan(&id); err != nil || id != p.ID {
			t.Errorf("%s: id %d (want %d), %v", q, id, p.ID, err)
		}
	}
	if testdb.Postgres() {
		var n int
		if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM pg_indexes WHERE indexname = 'packages_name_trgm'").Scan(&n); err != nil || n != 1 {
			t.Errorf("trigram index: %d, %v", n, err)
		}
	}
}

// A database from before packages_search_order has the walk's index under
// its earlier name, packages_search_rank (on PostgreSQL with the name
// words as well): migrating replaces it, and migrating again keeps one.
func TestMigrateReplacesSearchRankIndex(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	old := []string{"DROP INDEX packages_search_order",
		"CREATE INDEX packages_search_rank ON packages (downloads DESC, name, id, private_org_id)"}
	indexes := "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'packages_search_%' ORDER BY name"
	if testdb.Postgres() {
		old[1] = `CREATE INDEX packages_search_rank ON packages (downloads DESC, (name COLLATE "C"), id) INCLUDE (private_org_id, search_name)`
		indexes = "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'packages\\_search\\_%' ORDER BY indexname"
	}
	for _, q := range old {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for range 2 {
		if err := db.Migrate(ctx, testdb.PublicRepository); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.SQL.QueryContext(ctx, indexes)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"packages_search_order"}
	if testdb.Postgres() {
		want = []string{"packages_search_description", "packages_search_name", "packages_search_order"}
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("search indexes after migrating: %v, want %v", names, want)
	}
	if testdb.Postgres() {
		// The point of the new index: its entries leave the name words out.
		var def string
		if err := db.SQL.QueryRowContext(ctx, "SELECT indexdef FROM pg_indexes WHERE indexname = 'packages_search_order'").Scan(&def); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(def, "search_name") {
			t.Errorf("packages_search_order carries the name words: %s", def)
		}
	}
}
