package events_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/events/eventstest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/viewer"
)

func TestLogAfter(t *testing.T) {
	db := testdb.Open(t)
	bus := events.NewLocalBus()
	all, err := eventstest.Append(context.Background(), db.Client, bus,
		eventstest.Event{Package: "plug", Version: "1.0.0"},                                     // 0
		eventstest.Event{Package: "ecto", Version: "3.0.0"},                                     // 1
		eventstest.Event{Package: "plug", Version: "1.0.0", Kind: releaseevent.KindRETIRED},     // 2
		eventstest.Event{Package: "secret", Repository: "acme", PrivateOrg: 7},                  // 3
		eventstest.Event{Package: "plug", Repository: "acme", PrivateOrg: 7},                    // 4
		eventstest.Event{Package: "other", Repository: "globex", PrivateOrg: 8},                 // 5
		eventstest.Event{Package: "ecto", Version: "3.0.1", Kind: releaseevent.KindTRANSFERRED}, // 6
	)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	pick := func(is ...int) []int {
		out := make([]int, len(is))
		for i, x := range is {
			out[i] = all[x]
		}
		return out
	}
	anon := context.Background()
	acme := viewer.NewContext(anon, member(7))
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		cursor int
		filter events.Filter
		limit  int
		want   []int
	}{
		{"anonymous sees public only", anon, 0, events.Filter{}, 100, pick(0, 1, 2, 6)},
		{"member sees its org", acme, 0, events.Filter{}, 100, pick(0, 1, 2, 3, 4, 6)},
		{"system sees all", viewer.System(anon), 0, events.Filter{}, 100, all},
		{"after cursor", anon, all[1], events.Filter{}, 100, pick(2, 6)},
		{"limit", acme, 0, events.Filter{}, 2, pick(0, 1)},
		{"package", acme, 0, events.Filter{Packages: []string{"plug"}}, 100, pick(0, 2, 4)},
		{"packages", anon, 0, events.Filter{Packages: []string{"plug", "ecto"}}, 100, pick(0, 1, 2, 6)},
		{"repository", acme, 0, events.Filter{Repository: "acme"}, 100, pick(3, 4)},
		{"repository hidden", anon, 0, events.Filter{Repository: "acme"}, 100, nil},
		{"kinds", anon, 0, events.Filter{Kinds: []releaseevent.Kind{releaseevent.KindRETIRED, releaseevent.KindTRANSFERRED}}, 100, pick(2, 6)},
		{"unknown package", acme, 0, events.Filter{Packages: []string{"nope"}}, 100, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := events.Log{DB: db.Client}.After(tc.ctx, tc.cursor, tc.filter, tc.limit)
			if err != nil {
				t.Fatalf("After: %v", err)
			}
			if g := ids(got); !slices.Equal(g, tc.want) {
				t.Fatalf("got %v, want %v", g, tc.want)
			}
			for _, e := range got {
				if !tc.filter.Match(e) {
					t.Errorf("Match rejects event %d the query returned", e.ID)
				}
			}
		})
	}
	head, err := events.Log{DB: db.Client}.Head(anon)
	if err != nil || head != all[len(all)-1] {
		t.Fatalf("Head = %d, %v; want %d (private events count as positions)", head, err, all[len(all)-1])
	}
}

func TestLogAfterRejectsBadInput(t *testing.T) {
	db := testdb.Open(t)
	log := events.Log{DB: db.Client}
	for _, tc := range []struct {
		name   string
		filter events.Filter
		limit  int
	}{
		{"unknown kind", events.Filter{Kinds: []releaseevent.Kind{"EXPLODED"}}, 10},
		{"zero limit", events.Filter{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := log.After(context.Background(), 0, tc.filter, tc.limit)
			if !errors.Is(err, apperr.ErrBadInput) {
				t.Fatalf("err = %v, want BAD_USER_INPUT", err)
			}
		})
	}
}

func TestLogHeadOfEmptyLog(t *testing.T) {
	db := testdb.Open(t)
	head, err := events.Log{DB: db.Client}.Head(context.Background())
	if err != nil || head != 0 {
		t.Fatalf("Head = %d, %v; want 0", head, err)
	}
}
