package events_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/events/eventstest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// instance is one "server process": its database handle, bus and hub.
type instance struct {
	db  *store.DB
	bus events.Bus
	hub *events.Hub
	// outage cuts this instance off from notifications until its bus
	// reconnects by itself and sends CatchUp.
	outage func(t *testing.T)
}

func (in *instance) append(t testing.TB, evs ...eventstest.Event) []int {
	t.Helper()
	ids, err := eventstest.Append(context.Background(), in.db.Client, in.bus, evs...)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return ids
}

// transport is a way for instances to share signals: the in-process bus
// (instances are then two handles on one SQLite or PostgreSQL database
// sharing a LocalBus) or, when DEPOT_TEST_POSTGRES_URL is set, one PGBus
// per instance. Tests run once per transport instead of skipping.
type transport struct {
	name    string
	cluster func(t *testing.T, n int, opts events.Options) []*instance
}

func transports() []transport {
	ts := []transport{{name: "local", cluster: localCluster}}
	if testdb.Postgres() {
		ts = append(ts, transport{name: "postgres", cluster: pgCluster})
	}
	return ts
}

func localCluster(t *testing.T, n int, opts events.Options) []*instance {
	url := testdb.URL(t)
	shared := events.NewLocalBus()
	t.Cleanup(func() { shared.Close() })
	ins := make([]*instance, n)
	for i := range ins {
		bus := &outageBus{Bus: shared}
		ins[i] = newInstance(t, testdb.OpenURL(t, url), bus, opts)
		ins[i].outage = func(*testing.T) { bus.outage(300 * time.Millisecond) }
	}
	return ins
}

func pgCluster(t *testing.T, n int, opts events.Options) []*instance {
	url := testdb.URL(t)
	ins := make([]*instance, n)
	for i := range ins {
		db := testdb.OpenURL(t, url)
		bus := events.NewPGBus(url, db.SQL, quiet)
		t.Cleanup(func() { bus.Close() })
		ins[i] = newInstance(t, db, bus, opts)
		ins[i].outage = func(t *testing.T) { killListeners(t, db, n) }
	}
	return ins
}

func newInstance(t *testing.T, db *store.DB, bus events.Bus, opts events.Options) *instance {
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	hub := events.NewHub(events.Log{DB: db.Client}, bus, opts)
	t.Cleanup(func() { hub.Close() })
	return &instance{db: db, bus: bus, hub: hub}
}

// killListeners terminates the LISTEN connections of this test's database
// once all want of them are up, like a server restart or network cut.
func killListeners(t *testing.T, db *store.DB, want int) {
	t.Helper()
	const q = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`
	deadline := time.Now().Add(eventstest.Wait)
	for {
		var pids []int
		rows, err := db.SQL.Query(q)
		if err != nil {
			t.Fatalf("find listeners: %v", err)
		}
		for rows.Next() {
			var pid int
			if err := rows.Scan(&pid); err != nil {
				t.Fatalf("scan: %v", err)
			}
			pids = append(pids, pid)
		}
		rows.Close()
		if len(pids) >= want {
			for _, pid := range pids {
				if _, err := db.SQL.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
					t.Fatalf("terminate listener: %v", err)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d listeners connected, want %d", len(pids), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// outageBus is one instance's view of a shared in-process bus whose
// "connection" can drop: signals during an outage are lost, and a CatchUp
// follows it, which is what PGBus does around a reconnect.
type outageBus struct {
	events.Bus
	down     atomic.Bool
	mu       sync.Mutex
	restored []chan struct{}
}

func (b *outageBus) Listen() (<-chan events.Signal, func()) {
	in, stop := b.Bus.Listen()
	out := make(chan events.Signal, 1)
	restored := make(chan struct{}, 1)
	b.mu.Lock()
	b.restored = append(b.restored, restored)
	b.mu.Unlock()
	put := func(s events.Signal) {
		select {
		case old := <-out:
			s.LastID = max(s.LastID, old.LastID)
			s.CatchUp = s.CatchUp || old.CatchUp
		default:
		}
		out <- s
	}
	go func() {
		defer close(out)
		for {
			select {
			case s, ok := <-in:
				if !ok {
					return
				}
				if !b.down.Load() {
					put(s)
				}
			case <-restored:
				put(events.Signal{CatchUp: true})
			}
		}
	}()
	return out, stop
}

func (b *outageBus) outage(d time.Duration) {
	b.down.Store(true)
	time.AfterFunc(d, func() {
		b.down.Store(false)
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, r := range b.restored {
			select {
			case r <- struct{}{}:
			default:
			}
		}
	})
}

// collect reads s until it has n events or the wait runs out.
func collect(t testing.TB, s *events.Subscription, n int) []*ent.ReleaseEvent {
	t.Helper()
	var got []*ent.ReleaseEvent
	deadline := time.After(eventstest.Wait)
	for len(got) < n {
		select {
		case e, ok := <-s.C:
			if !ok {
				t.Fatalf("subscription ended after %d of %d events: %v", len(got), n, s.Err())
			}
			got = append(got, e)
		case <-deadline:
			t.Fatalf("got %d of %d events: %v", len(got), n, ids(got))
		}
	}
	return got
}

// collectUntil reads s until the event with id last (inclusive).
func collectUntil(t testing.TB, s *events.Subscription, last int) []*ent.ReleaseEvent {
	t.Helper()
	var got []*ent.ReleaseEvent
	deadline := time.After(eventstest.Wait)
	for {
		select {
		case e, ok := <-s.C:
			if !ok {
				t.Fatalf("subscription ended after %v: %v", ids(got), s.Err())
			}
			got = append(got, e)
			if e.ID >= last {
				return got
			}
		case <-deadline:
			t.Fatalf("no event %d; got %v", last, ids(got))
		}
	}
}

func ids(evs []*ent.ReleaseEvent) []int {
	out := make([]int, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// allIDs lists every event id after `after` in the database, as the
// system sees it, in order.
func allIDs(t testing.TB, db *ent.Client, after int) []int {
	t.Helper()
	got, err := db.ReleaseEvent.Query().Where(releaseevent.IDGT(after)).Order(releaseevent.ByID()).IDs(viewer.System(context.Background()))
	if err != nil {
		t.Fatalf("list ids: %v", err)
	}
	return got
}

func sameIDs(t testing.TB, who string, got []*ent.ReleaseEvent, want []int) {
	t.Helper()
	if g := ids(got); !slices.Equal(g, want) {
		t.Fatalf("%s got %v\nwant %v", who, g, want)
	}
}

func member(orgID int) *viewer.Viewer {
	return &viewer.Viewer{UserID: 100 + orgID, Orgs: []viewer.Org{{ID: orgID, Name: fmt.Sprintf("org%d", orgID), Role: viewer.RoleRead, Entitled: true}}}
}

func ptr(i int) *int { return &i }
