package testdb_test

import (
	"testing"

	"github.com/depot-registry/depot/internal/testdb"
)

func TestOpenMigrates(t *testing.T) {
	db := testdb.Open(t)
	if db.Dialect == "" {
		t.Fatal("no dialect")
	}
}
