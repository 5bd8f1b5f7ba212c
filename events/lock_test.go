package events_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// TestLockForAppendKeepsLogGapFree has writers hold their transaction open
// for a moment after inserting, which is when a later id could commit
// first, while a reader follows the log by cursor the way the hub does. The
// reader must end up with every id: none skipped by a late commit.
func TestLockForAppendKeepsLogGapFree(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	log := events.Log{DB: db.Client}
	const writers, each = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := store.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
					if err := events.LockForAppend(ctx, tx); err != nil {
						return err
					}
					err := tx.ReleaseEvent.Create().SetKind("PUBLISHED").SetRepository("depot").
						SetPackageName(fmt.Sprintf("w%d", w)).SetVersion(fmt.Sprintf("1.0.%d", i)).Exec(ctx)
					time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var seen []int
	cursor := 0
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true // one more read below sees the last commits
		default:
		}
		evs, err := log.After(ctx, cursor, events.Filter{}, 1000)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		for _, e := range evs {
			seen = append(seen, e.ID)
			cursor = e.ID
		}
	}
	close(errs)
	for err := range errs {
		t.Fatalf("writer: %v", err)
	}
	all := allIDs(t, db.Client, 0)
	if len(all) != writers*each || !slices.Equal(seen, all) {
		t.Fatalf("reader saw %d ids, log has %d (want %d); missing %v", len(seen), len(all), writers*each, missing(all, seen))
	}
}

func missing(all, seen []int) []int {
	var out []int
	for _, id := range all {
		if !slices.Contains(seen, id) {
			out = append(out, id)
		}
	}
	return out
}
