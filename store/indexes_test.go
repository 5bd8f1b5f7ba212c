package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/depot-registry/depot/internal/testdb"
)

// The read shapes' queries must be able to use an index on both databases:
// the plan is checked with EXPLAIN (PostgreSQL with sequential scans
// disabled, since on a small table it would rightly prefer one).
func TestReadShapesUseIndexes(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pg := db.Dialect == "postgres"
	if pg {
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
	}
	queries := []struct{ name, sql string }{
		{"package by repository and name", "SELECT id FROM packages WHERE repository_id = 1 AND name = 'plug'"},
		{"latest releases of a package", "SELECT id FROM releases WHERE package_id = 1 ORDER BY version_key DESC LIMIT 10"},
		{"release by package and version", "SELECT id FROM releases WHERE package_id = 1 AND version = '1.0.0'"},
		{"owners of packages", "SELECT id FROM package_owners WHERE package_id IN (1, 2, 3)"},
		{"retirement of releases", "SELECT id FROM retirements WHERE release_id IN (1, 2, 3)"},
		{"requirements of releases", "SELECT id FROM requirements WHERE release_id IN (1, 2, 3)"},
		{"dependents of a package", "SELECT id FROM requirements WHERE dependency_id = 1"},
		{"packages by name page", "SELECT id FROM packages ORDER BY name LIMIT 50"},
		{"memberships of a user", "SELECT id FROM memberships WHERE user_id = 1"},
		{"events after a cursor", "SELECT id FROM release_events WHERE id > 5 ORDER BY id LIMIT 100"},
	}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			explain := "EXPLAIN QUERY PLAN " + q.sql
			if pg {
				explain = "EXPLAIN " + q.sql
			}
			rows, err := conn.QueryContext(ctx, explain)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			var plan []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for _, v := range vals {
					switch s := v.(type) {
					case string:
						plan = append(plan, s)
					case []byte:
						plan = append(plan, string(s))
					}
				}
			}
			text := strings.Join(plan, "\n")
			usesIndex := strings.Contains(text, "Index") || strings.Contains(text, "USING INDEX") ||
				strings.Contains(text, "USING COVERING INDEX") || strings.Contains(text, "USING INTEGER PRIMARY KEY")
			if !usesIndex || strings.Contains(text, "Seq Scan") || strings.Contains(text, "USE TEMP B-TREE") && !strings.Contains(text, "USING") {
				t.Fatalf("%s does not use an index:\n%s", q.sql, text)
			}
		})
	}
}
