package store

import (
	"context"
	"fmt"
	"log/slog"

	"entgo.io/ent/dialect"
)

// The package search index (see registry.Search) lives beside the ent
// schema, created by hand because ent has no words for it. It is kept
// current by the database itself, so no write path can forget it and it
// changes in the writing transaction:
//
//   - PostgreSQL: two generated tsvector columns over the words of the name
//     and of the description (split at every non-alphanumeric character,
//     like SQLite's unicode61 tokenizer, so both databases agree on what a
//     word is), each with a GIN index, and a pg_trgm GIN index on the name
//     for substring and misspelling candidates. pg_trgm is a trusted
//     extension a database owner may create; when it cannot be created the
//     trigram index is skipped with a warning and those candidates are found
//     with LIKE over the table, slower but with the same answers.
//   - SQLite: two external-content FTS5 tables over packages (words with the
//     unicode61 tokenizer; name trigrams with the trigram tokenizer), kept by
//     triggers on the packages table.
//
// The index also covers requirements by name, for depends: searches, and
// the result order (downloads, name, id) for the top of one-word searches.
const (
	pgWords = `regexp_replace(%s, '[^[:alnum:]]+', ' ', 'g')`
)

var (
	postgresSearch = []string{
		"ALTER TABLE packages ADD COLUMN IF NOT EXISTS search_name tsvector GENERATED ALWAYS AS (to_tsvector('simple', " + fmt.Sprintf(pgWords, "name") + ")) STORED",
		"ALTER TABLE packages ADD COLUMN IF NOT EXISTS search_description tsvector GENERATED ALWAYS AS (to_tsvector('simple', " + fmt.Sprintf(pgWords, "description") + ")) STORED",
		"CREATE INDEX IF NOT EXISTS packages_search_name ON packages USING gin (search_name)",
		"CREATE INDEX IF NOT EXISTS packages_search_description ON packages USING gin (search_description)",
		"CREATE INDEX IF NOT EXISTS requirements_name ON requirements (name)",
		// The order of search results, walked by registry's top-candidates
		// plan (searchtop.go); the privacy column rides along so the walk
		// filters without reading the table. It replaces
		// packages_search_rank, which also carried the name words: the walk
		// checks the names with LIKE, and the wider entries cost it a tenth
		// of its time.
		"DROP INDEX IF EXISTS packages_search_rank",
		`CREATE INDEX IF NOT EXISTS packages_search_order ON packages (downloads DESC, (name COLLATE "C"), id) INCLUDE (private_org_id)`,
		// Names by prefix in byte order, whatever the database's collation.
		`CREATE INDEX IF NOT EXISTS packages_name_bytes ON packages ((name COLLATE "C"))`,
		// Each package's releases in the latest rule's order (registry's
		// latestOrder): the latest release is the first entry, not the
		// best of all the package's releases (search pages read it for
		// every result, see registry/searchlatest.go).
		"CREATE INDEX IF NOT EXISTS releases_latest ON releases (package_id, prerelease, version_key DESC)",
	}
	postgresTrigram = []string{
		"CREATE EXTENSION IF NOT EXISTS pg_trgm",
		"CREATE INDEX IF NOT EXISTS packages_name_trgm ON packages USING gin (name gin_trgm_ops)",
	}
	sqliteSearch = []string{
		`CREATE VIRTUAL TABLE IF NOT EXISTS packages_words USING fts5(name, description, content='packages', content_rowid='id', tokenize='unicode61 remove_diacritics 0', prefix='2 3')`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS packages_trigrams USING fts5(name, content='packages', content_rowid='id', tokenize='trigram')`,
		`CREATE TRIGGER IF NOT EXISTS packages_search_insert AFTER INSERT ON packages BEGIN
			INSERT INTO packages_words (rowid, name, description) VALUES (new.id, new.name, new.description);
			INSERT INTO packages_trigrams (rowid, name) VALUES (new.id, new.name);
		END`,
		`CREATE TRIGGER IF NOT EXISTS packages_search_delete AFTER DELETE ON packages BEGIN
			INSERT INTO packages_words (packages_words, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
			INSERT INTO packages_trigrams (packages_trigrams, rowid, name) VALUES ('delete', old.id, old.name);
		END`,
		`CREATE TRIGGER IF NOT EXISTS packages_search_update AFTER UPDATE OF name, description ON packages BEGIN
			INSERT INTO packages_words (packages_words, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
			INSERT INTO packages_words (rowid, name, description) VALUES (new.id, new.name, new.description);
			INSERT INTO packages_trigrams (packages_trigrams, rowid, name) VALUES ('delete', old.id, old.name);
			INSERT INTO packages_trigrams (rowid, name) VALUES (new.id, new.name);
		END`,
		"CREATE INDEX IF NOT EXISTS requirements_name ON requirements (name)",
		// The result order, walked by the top of one-word searches
		// (registry/searchtop.go), covering the privacy column; named as
		// on PostgreSQL (packages_search_rank was its earlier name).
		"DROP INDEX IF EXISTS packages_search_rank",
		"CREATE INDEX IF NOT EXISTS packages_search_order ON packages (downloads DESC, name, id, private_org_id)",
	}
)

// migrateSearch creates the search index and fills it from the packages
// already stored. It runs after ent's migration (it needs the tables).
func (db *DB) migrateSearch(ctx context.Context) error {
	if db.Dialect == dialect.Postgres {
		for _, q := range postgresSearch {
			if _, err := db.SQL.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("migrate search index: %w", err)
			}
		}
		for _, q := range postgresTrigram {
			if _, err := db.SQL.ExecContext(ctx, q); err != nil {
				slog.WarnContext(ctx, "search: no trigram index (pg_trgm cannot be created); misspellings are found by scanning package names",
					"error", err)
				break
			}
		}
		return nil
	}
	var exists int
	if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name IN ('packages_words', 'packages_trigrams')").Scan(&exists); err != nil {
		return fmt.Errorf("migrate search index: %w", err)
	}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate search index: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	for _, q := range sqliteSearch {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("migrate search index: %w", err)
		}
	}
	if exists < 2 {
		// New tables: index the packages stored before them.
		for _, q := range []string{
			"INSERT INTO packages_words (packages_words) VALUES ('rebuild')",
			"INSERT INTO packages_trigrams (packages_trigrams) VALUES ('rebuild')",
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("fill search index: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate search index: %w", err)
	}
	return nil
}
