package store_test

import (
	"context"
	"testing"

	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/viewer"
)

// Reads outside transactions go through prepared statements on both
// databases, each text prepared once; reads in a transaction do not.
func TestReadsArePrepared(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	before := db.PreparedReads()
	if before < 0 {
		t.Fatal("no prepared-statement pool for reads")
	}
	for range 3 {
		if _, err := db.Pkg.Query().Where(pkg.NameEQ("walrus_prepared")).Count(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := db.PreparedReads(); got != before+1 {
		t.Fatalf("prepared texts after one read shape three times: %d, want %d", got, before+1)
	}
	tx, err := db.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Pkg.Query().Where(pkg.NameHasPrefix("walrus_in_tx")).All(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := db.PreparedReads(); got != before+1 {
		t.Fatalf("prepared texts after a read in a transaction: %d, want %d", got, before+1)
	}
}
