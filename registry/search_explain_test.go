package registry

import (
	"context"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/internal/testdb"
)

// Every search query reads the index, never the whole packages table: the
// plan is checked with EXPLAIN (PostgreSQL with sequential scans disabled,
// since on a small table it would rightly prefer one).
func TestSearchUsesIndex(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pg := db.Dialect == dialect.Postgres
	if pg {
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
	}
	visible := func(s *sql.Selector) { s.Where(sql.IsNull(s.C("private_org_id"))) }
	tests := []struct {
		name  string
		build func(s *sql.Selector)
		// want are index names (or their beginnings) the PostgreSQL plan
		// must show (sqliteWant: the SQLite plan).
		want []string
	}{
		{"word", func(s *sql.Selector) {
			q := parseQuery("ecto")
			q.matches()(s)
			q.byRelevance()(s)
		}, []string{"packages_search_name", "packages_search_description"}},
		{"one word, its top candidates", func(s *sql.Selector) {
			q := parseQuery("ecto")
			w, ok := q.topWord()
			if !ok {
				panic("ecto is one word")
			}
			q.topCandidates(w, 21, nil, visible)(s)
			q.byRelevance()(s)
		}, []string{"packages_search_order", "packages_name_bytes", "packages_search_description"}},
		{"two words or one", func(s *sql.Selector) {
			q := parseQuery("phoenix html OR parser")
			q.matches()(s)
			q.byRelevance()(s)
		}, []string{"packages_search_name", "packages_search_description"}},
		{"name and description fields", func(s *sql.Selector) {
			q := parseQuery("name:ecto description:adapter")
			q.matches()(s)
		}, []string{"packages_search_"}}, // either index, as the planner likes
		{"depends", func(s *sql.Selector) {
			q := parseQuery("depends:ecto")
			q.matches()(s)
		}, []string{"requirements_name"}},
		{"misspelling candidates", func(s *sql.Selector) {
			q := parseQuery("phonix")
			s.Where(sql.Not(q.matchesPredicate(s)))
			groupCandidates(q.groups[0])(s)
		}, []string{"packages_search_name", "packages_name_trgm"}},
	}
	sqliteWant := map[string][]string{
		"one word, its top candidates": {"COVERING INDEX packages_search_order", "INDEX pkg_name", "packages_words VIRTUAL TABLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sql.Dialect(db.Dialect).Select(pkg.FieldID).From(sql.Table(pkg.Table))
			visible(s)
			tt.build(s)
			s.Limit(21)
			query, args := s.Query()
			explain := "EXPLAIN QUERY PLAN " + query
			if pg {
				explain = "EXPLAIN " + query
			}
			rows, err := conn.QueryContext(ctx, explain, args...)
			if err != nil {
				t.Fatalf("%s: %v", query, err)
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
				if s, ok := vals[len(vals)-1].(string); ok {
					plan = append(plan, s)
				} else if b, ok := vals[len(vals)-1].([]byte); ok {
					plan = append(plan, string(b))
				}
			}
			text := strings.Join(plan, "\n")
			t.Logf("%s\n%s", query, text)
			if pg {
				for _, idx := range tt.want {
					if !strings.Contains(text, idx) {
						t.Errorf("plan does not use %s:\n%s", idx, text)
					}
				}
				if strings.Contains(text, "Seq Scan on packages") {
					t.Errorf("plan scans packages:\n%s", text)
				}
				return
			}
			// A bare parameter after LIKE in a WHERE clause makes SQLite
			// prepare the statement again whenever the pattern changes,
			// that is for every new search word (cols.like).
			if strings.Contains(query, "LIKE ?") {
				t.Errorf("a LIKE takes a bare parameter, so SQLite prepares this again for every word:\n%s", query)
			}
			for _, idx := range sqliteWant[tt.name] {
				if !strings.Contains(text, idx) {
					t.Errorf("plan does not use %s:\n%s", idx, text)
				}
			}
			for _, line := range plan {
				line = strings.TrimSpace(line)
				if line == "SCAN packages" || strings.HasPrefix(line, "SCAN packages ") && !strings.Contains(line, "USING") {
					t.Errorf("plan scans packages:\n%s", text)
				}
			}
			if !strings.Contains(text, "VIRTUAL TABLE INDEX") && !strings.Contains(text, "USING INDEX requirements_name") {
				t.Errorf("plan does not use the search index:\n%s", text)
			}
		})
	}
}
