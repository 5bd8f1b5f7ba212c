package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	entsql "entgo.io/ent/dialect/sql"
)

// The statement pool answers like the plain pool, keeps at most max
// prepared statements (least recently used closed first), and is safe for
// concurrent use — including a statement closed by eviction while another
// request still reads its rows.
func TestStmtPool(t *testing.T) {
	db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(t.TempDir(), "s.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE n (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := db.ExecContext(ctx, "INSERT INTO n (v) VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	p := newStmtPool(db, 2)
	sum := func(q string, args ...any) int {
		t.Helper()
		var rows entsql.Rows
		if err := p.Query(ctx, q, args, &rows); err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		total := 0
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			total += v
		}
		return total
	}
	queries := []string{"SELECT v FROM n WHERE v < ?", "SELECT v FROM n WHERE v >= ?", "SELECT v FROM n WHERE v = ?"}
	if got := sum(queries[0], 3); got != 0+1+2 {
		t.Fatalf("v < 3: %d", got)
	}
	if got := sum(queries[1], 8); got != 8+9 {
		t.Fatalf("v >= 8: %d", got)
	}
	if got := sum(queries[2], 5); got != 5 {
		t.Fatalf("v = 5: %d", got)
	}
	if n := len(p.stmts); n != 2 {
		t.Fatalf("%d statements kept, bound 2", n)
	}
	if _, ok := p.stmts[queries[0]]; ok {
		t.Fatal("the least recently used statement was kept")
	}

	// Many readers over more texts than the bound: evictions close
	// statements under open rows, and every answer stays right.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				k := (w + i) % 5
				var rows entsql.Rows
				if err := p.Query(ctx, fmt.Sprintf("SELECT v FROM n WHERE v = ? AND %d = %d", k, k), []any{k}, &rows); err != nil {
					errs <- err
					return
				}
				got := -1
				for rows.Next() {
					if err := rows.Scan(&got); err != nil {
						errs <- err
					}
				}
				rows.Close()
				if got != k {
					errs <- fmt.Errorf("v = %d answered %d", k, got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
