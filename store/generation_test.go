package store_test

import (
	"context"
	"testing"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// The data generation moves with every committed write readers could see,
// once per transaction, and not for rolled-back work, counters or
// bookkeeping tables.
func TestGenerationMovesWithVisibleWrites(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	gen := func() int64 {
		t.Helper()
		g, err := db.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	expect := func(what string, want int64) {
		t.Helper()
		if got := gen(); got != want {
			t.Fatalf("after %s: generation %d, want %d", what, got, want)
		}
	}
	g0 := gen()

	// A write outside a transaction.
	u, err := db.User.Create().SetUsername("gena").SetEmail("gena@example.com").SetPasswordHash("x").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	expect("a user created outside a transaction", g0+1)

	// Several writes in one transaction: one step, at commit.
	err = store.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
		if err := tx.User.UpdateOneID(u.ID).SetFullName("Gena 2").Exec(ctx); err != nil {
			return err
		}
		if got := gen(); got != g0+1 {
			t.Errorf("generation moved before commit: %d", got)
		}
		return tx.User.UpdateOneID(u.ID).SetFullName("Gena 3").Exec(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	expect("a transaction of two updates", g0+2)

	// A rolled-back transaction leaves it alone.
	_ = store.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
		if err := tx.User.UpdateOneID(u.ID).SetFullName("Gena 4").Exec(ctx); err != nil {
			return err
		}
		return context.Canceled
	})
	expect("a rolled-back transaction", g0+2)

	// Counters and tables no reader sees leave it alone too.
	if err := db.User.UpdateOneID(u.ID).SetFullName("Gena 5").Exec(store.CounterWrites(ctx)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MailMessage.Create().SetTo("gena@example.com").SetSubject("s").SetBody("b").Save(ctx); err != nil {
		t.Fatal(err)
	}
	expect("counter writes and an outbox message", g0+2)

	// Reads never move it.
	if _, err := db.User.Query().All(ctx); err != nil {
		t.Fatal(err)
	}
	expect("a read", g0+2)
}
