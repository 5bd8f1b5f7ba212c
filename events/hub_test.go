package events_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/events/eventstest"
	"github.com/depot-registry/depot/viewer"
)

// writeConcurrently appends n events in small transactions through the
// instances in turn, and returns when all are committed.
func writeConcurrently(t *testing.T, ins []*instance, n int) <-chan error {
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		for i := range n {
			in := ins[i%len(ins)]
			evs := []eventstest.Event{{Package: fmt.Sprintf("p%d", i%5), Version: fmt.Sprintf("1.%d.0", i)}}
			if i%3 == 0 {
				evs = append(evs, eventstest.Event{Package: "pair", Version: fmt.Sprintf("2.%d.0", i)})
			}
			if _, err := eventstest.Append(context.Background(), in.db.Client, in.bus, evs...); err != nil {
				errc <- err
				return
			}
		}
	}()
	return errc
}

func waitWriters(t *testing.T, errc <-chan error) {
	t.Helper()
	if err := <-errc; err != nil {
		t.Fatalf("writer: %v", err)
	}
}

func TestHubReplayThenLiveWithoutGapOrDuplicate(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			// A small page makes replays take several reads, widening the
			// window in which the hub moves on during the switch.
			in := tr.cluster(t, 1, events.Options{PageSize: 3, Buffer: 1000})[0]
			pre := in.append(t, eventstest.Event{Package: "a"}, eventstest.Event{Package: "b"}, eventstest.Event{Package: "c"})
			errc := writeConcurrently(t, []*instance{in}, 60)
			type sub struct {
				s     *events.Subscription
				after int
			}
			var subs []sub
			for i := range 6 {
				after := pre[0]
				if i%2 == 1 {
					// One read: the writers append between two reads.
					ids := allIDs(t, in.db.Client, 0)
					after = ids[len(ids)/2]
				}
				s, err := in.hub.Subscribe(context.Background(), events.Filter{}, ptr(after), nil)
				if err != nil {
					t.Fatalf("subscribe: %v", err)
				}
				subs = append(subs, sub{s, after})
				time.Sleep(5 * time.Millisecond)
			}
			waitWriters(t, errc)
			all := allIDs(t, in.db.Client, 0)
			last := all[len(all)-1]
			for i, sb := range subs {
				sameIDs(t, fmt.Sprintf("subscriber %d", i), collectUntil(t, sb.s, last), allIDs(t, in.db.Client, sb.after))
			}
		})
	}
}

func TestHubLiveOnly(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			in := tr.cluster(t, 1, events.Options{})[0]
			old := in.append(t, eventstest.Event{Package: "old"})
			// Let the hub read the old event so "now" is after it.
			probe, err := in.hub.Subscribe(context.Background(), events.Filter{}, ptr(0), nil)
			if err != nil {
				t.Fatalf("subscribe: %v", err)
			}
			collectUntil(t, probe, old[0])
			s, err := in.hub.Subscribe(context.Background(), events.Filter{}, nil, nil)
			if err != nil {
				t.Fatalf("subscribe: %v", err)
			}
			fresh := in.append(t, eventstest.Event{Package: "new"}, eventstest.Event{Package: "newer"})
			sameIDs(t, "live subscriber", collect(t, s, 2), fresh)
		})
	}
}

func TestHubRejectsBadInput(t *testing.T) {
	in := localCluster(t, 1, events.Options{})[0]
	for _, tc := range []struct {
		name   string
		filter events.Filter
		after  *int
		want   error
	}{
		{"negative cursor", events.Filter{}, ptr(-1), events.ErrBadCursor},
		{"unknown kind", events.Filter{Kinds: []releaseevent.Kind{"NOPE"}}, nil, apperr.ErrBadInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := in.hub.Subscribe(context.Background(), tc.filter, tc.after, nil)
			if !errors.Is(err, tc.want) || s != nil {
				t.Fatalf("Subscribe = %v, %v; want %v", s, err, tc.want)
			}
		})
	}
	if _, err := events.DecodeCursor("not-a-cursor"); !errors.Is(err, events.ErrBadCursor) {
		t.Fatalf("DecodeCursor = %v, want ErrBadCursor", err)
	}
}

func TestHubFiltersAndPrivacy(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			in := tr.cluster(t, 1, events.Options{})[0]
			r := in.append(t,
				eventstest.Event{Package: "plug"},
				eventstest.Event{Package: "secret", Repository: "acme", PrivateOrg: 7},
				eventstest.Event{Package: "hidden", Repository: "globex", PrivateOrg: 8},
			)
			lapsed := &viewer.Viewer{UserID: 9, Orgs: []viewer.Org{{ID: 8, Name: "globex", Role: viewer.RoleAdmin, Entitled: false}}}
			retired := []releaseevent.Kind{releaseevent.KindRETIRED}
			// r: replayed events, l: live ones, m: a last batch in which
			// every case matches something, so an unwanted event would
			// show up ahead of it.
			cases := []struct {
				name   string
				v      *viewer.Viewer
				filter events.Filter
				want   func(r, l, m []int) []int
			}{
				{"anonymous", nil, events.Filter{}, func(r, l, m []int) []int { return []int{r[0], l[0], l[3], m[0], m[2]} }},
				{"acme member", member(7), events.Filter{}, func(r, l, m []int) []int { return []int{r[0], r[1], l[0], l[1], l[3], m[0], m[1], m[2]} }},
				{"lapsed globex admin", lapsed, events.Filter{}, func(r, l, m []int) []int { return []int{r[0], l[0], l[3], m[0], m[2]} }},
				{"package filter", member(7), events.Filter{Packages: []string{"secret"}}, func(r, l, m []int) []int { return []int{r[1], l[1], m[1]} }},
				{"unknown package", member(7), events.Filter{Packages: []string{"nope"}}, func(r, l, m []int) []int { return []int{m[2]} }},
				{"kind filter", nil, events.Filter{Kinds: retired}, func(r, l, m []int) []int { return []int{l[3], m[0]} }},
				{"repository filter", member(7), events.Filter{Repository: "acme"}, func(r, l, m []int) []int { return []int{r[1], l[1], m[1]} }},
			}
			subs := make([]*events.Subscription, len(cases))
			for i, c := range cases {
				ctx := context.Background()
				if c.v != nil {
					ctx = viewer.NewContext(ctx, c.v)
				}
				s, err := in.hub.Subscribe(ctx, c.filter, ptr(0), nil)
				if err != nil {
					t.Fatalf("subscribe: %v", err)
				}
				subs[i] = s
			}
			l := in.append(t,
				eventstest.Event{Package: "plug", Version: "2.0.0"},
				eventstest.Event{Package: "secret", Repository: "acme", PrivateOrg: 7, Version: "2.0.0"},
				eventstest.Event{Package: "hidden", Repository: "globex", PrivateOrg: 8, Version: "2.0.0"},
				eventstest.Event{Package: "plug", Kind: releaseevent.KindRETIRED},
			)
			m := in.append(t,
				eventstest.Event{Package: "plug", Version: "3.0.0", Kind: releaseevent.KindRETIRED},
				eventstest.Event{Package: "secret", Repository: "acme", PrivateOrg: 7, Version: "3.0.0"},
				eventstest.Event{Package: "nope"},
			)
			for i, c := range cases {
				want := c.want(r, l, m)
				sameIDs(t, c.name, collect(t, subs[i], len(want)), want)
			}
		})
	}
}

func TestHubTwoInstancesShareOneDatabase(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			ins := tr.cluster(t, 2, events.Options{Buffer: 1000})
			seed := ins[0].append(t, eventstest.Event{Package: "seed"})
			var subs []*events.Subscription
			for _, in := range ins {
				for _, after := range []*int{ptr(seed[0]), nil} {
					s, err := in.hub.Subscribe(context.Background(), events.Filter{}, after, nil)
					if err != nil {
						t.Fatalf("subscribe: %v", err)
					}
					subs = append(subs, s)
				}
			}
			waitWriters(t, writeConcurrently(t, ins, 40))
			want := allIDs(t, ins[0].db.Client, seed[0])
			for i, s := range subs {
				sameIDs(t, fmt.Sprintf("subscriber %d (instance %d)", i, i/2), collectUntil(t, s, want[len(want)-1]), want)
			}
		})
	}
}

// TestHubSurvivesListenerRestart cuts the instances off from notifications
// (PostgreSQL: terminates their LISTEN connections) while events keep
// being committed; with polling off, only the CatchUp after the reconnect
// can bring them the events committed meanwhile.
func TestHubSurvivesListenerRestart(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			ins := tr.cluster(t, 2, events.Options{PollEvery: -1, Buffer: 1000})
			seed := ins[0].append(t, eventstest.Event{Package: "seed"})
			var subs []*events.Subscription
			for _, in := range ins {
				s, err := in.hub.Subscribe(context.Background(), events.Filter{}, ptr(seed[0]), nil)
				if err != nil {
					t.Fatalf("subscribe: %v", err)
				}
				subs = append(subs, s)
			}
			before := ins[0].append(t, eventstest.Event{Package: "before"})
			for _, s := range subs {
				collectUntil(t, s, before[0])
			}
			ins[1].outage(t)
			// Committed while instance 1 hears nothing, and followed by no
			// other notification: only the CatchUp can deliver these there.
			during := ins[0].append(t, eventstest.Event{Package: "during"}, eventstest.Event{Package: "during2"})
			got := make([][]*ent.ReleaseEvent, len(subs))
			for i, s := range subs {
				got[i] = collectUntil(t, s, during[1])
			}
			waitWriters(t, writeConcurrently(t, ins, 10))
			want := allIDs(t, ins[0].db.Client, before[0])
			if want[0] != during[0] {
				t.Fatalf("log after %d starts at %d, want %d", before[0], want[0], during[0])
			}
			for i, s := range subs {
				got[i] = append(got[i], collectUntil(t, s, want[len(want)-1])...)
				sameIDs(t, fmt.Sprintf("instance %d", i), got[i], want)
			}
		})
	}
}

func TestHubRefresherRevokesAccess(t *testing.T) {
	in := localCluster(t, 1, events.Options{RefreshEvery: 20 * time.Millisecond})[0]
	var current atomic.Pointer[viewer.Viewer]
	current.Store(member(7))
	revoked := errors.New("api key revoked")
	var fail atomic.Bool
	calls := make(chan struct{}, 100)
	refresh := func(context.Context) (*viewer.Viewer, error) {
		select {
		case calls <- struct{}{}:
		default:
		}
		if fail.Load() {
			return nil, revoked
		}
		return current.Load(), nil
	}
	ctx := viewer.NewContext(context.Background(), member(7))
	s, err := in.hub.Subscribe(ctx, events.Filter{}, nil, refresh)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	first := in.append(t, eventstest.Event{Package: "secret", Repository: "acme", PrivateOrg: 7})
	sameIDs(t, "member", collect(t, s, 1), first)

	// Removed from the organization: the next refresh ends the
	// subscription with ErrAccessRevoked instead of narrowing it silently.
	current.Store(&viewer.Viewer{UserID: 107})
	ended(t, s, events.ErrAccessRevoked)

	// A new subscription of the former member sees public events only.
	s, err = in.hub.Subscribe(viewer.NewContext(context.Background(), current.Load()), events.Filter{}, nil, refresh)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	after := in.append(t,
		eventstest.Event{Package: "secret", Repository: "acme", PrivateOrg: 7, Version: "2"},
		eventstest.Event{Package: "public"},
	)
	sameIDs(t, "former member", collect(t, s, 1), after[1:])

	// A revoked key ends the subscription with the refresher's error.
	fail.Store(true)
	ended(t, s, revoked)
}

// ended waits for s to end and checks its reason.
func ended(t *testing.T, s *events.Subscription, want error) {
	t.Helper()
	for {
		select {
		case e, ok := <-s.C:
			if ok {
				t.Fatalf("event %d after revocation", e.ID)
			}
			if err := s.Err(); !errors.Is(err, want) {
				t.Fatalf("Err = %v, want %v", err, want)
			}
			return
		case <-time.After(eventstest.Wait):
			t.Fatal("subscription still open after revocation")
		}
	}
}

// A revocation announced on one instance ends the affected subscriptions
// of every instance at once, long before their periodic refresh, and
// leaves the others alone.
func TestHubRevocationEndsAffectedAtOnce(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			ins := tr.cluster(t, 2, events.Options{RefreshEvery: time.Hour})
			var gone atomic.Bool
			refresh := func(v *viewer.Viewer) events.Refresher {
				return func(context.Context) (*viewer.Viewer, error) {
					if gone.Load() && v.UserID == member(7).UserID {
						return &viewer.Viewer{UserID: v.UserID}, nil
					}
					return v, nil
				}
			}
			sub := func(v *viewer.Viewer) *events.Subscription {
				s, err := ins[1].hub.Subscribe(viewer.NewContext(context.Background(), v), events.Filter{}, nil, refresh(v))
				if err != nil {
					t.Fatalf("subscribe: %v", err)
				}
				return s
			}
			removed, other, lapsed := sub(member(7)), sub(member(8)), sub(member(9))
			first := ins[0].append(t, eventstest.Event{Package: "warmup"})
			for _, s := range []*events.Subscription{removed, other, lapsed} {
				sameIDs(t, "before", collect(t, s, 1), first)
			}

			gone.Store(true)
			if err := ins[0].bus.Revoke(context.Background(), events.Revocation{UserID: member(7).UserID}); err != nil {
				t.Fatalf("revoke: %v", err)
			}
			ended(t, removed, events.ErrAccessRevoked)

			// A lapse names the organization; its refresher now fails.
			failing := func(context.Context) (*viewer.Viewer, error) { return nil, errors.New("lapsed") }
			s, err := ins[1].hub.Subscribe(viewer.NewContext(context.Background(), member(9)), events.Filter{}, nil, failing)
			if err != nil {
				t.Fatalf("subscribe: %v", err)
			}
			if err := ins[0].bus.Revoke(context.Background(), events.Revocation{OrgID: 9}); err != nil {
				t.Fatalf("revoke: %v", err)
			}
			select {
			case _, ok := <-s.C:
				if ok {
					t.Fatal("event after lapse")
				}
			case <-time.After(eventstest.Wait):
				t.Fatal("lapsed subscription still open")
			}

			next := ins[0].append(t, eventstest.Event{Package: "after"})
			sameIDs(t, "unaffected", collect(t, other, 1), next)
			sameIDs(t, "same organization, refresh succeeded", collect(t, lapsed, 1), next)
		})
	}
}

func drain(ch chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

func TestHubDropsSlowSubscriberOnly(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			in := tr.cluster(t, 1, events.Options{Buffer: 4, StallTimeout: 300 * time.Millisecond})[0]
			slow, err := in.hub.Subscribe(context.Background(), events.Filter{}, nil, nil)
			if err != nil {
				t.Fatalf("subscribe: %v", err)
			}
			fast, err := in.hub.Subscribe(context.Background(), events.Filter{}, nil, nil)
			if err != nil {
				t.Fatalf("subscribe: %v", err)
			}
			var got []int
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for e := range fast.C {
					got = append(got, e.ID)
					if len(got) == 30 {
						return
					}
				}
			}()
			var want []int
			for i := range 10 {
				want = append(want, in.append(t,
					eventstest.Event{Package: "x", Version: fmt.Sprint(i)},
					eventstest.Event{Package: "y", Version: fmt.Sprint(i)},
					eventstest.Event{Package: "z", Version: fmt.Sprint(i)})...)
			}
			wg.Wait()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("fast subscriber got %v, want %v", got, want)
			}
			// Reading slow.C now would make it a reader: wait for the cut-off
			// without touching it, then see what it had queued.
			deadline := time.Now().Add(eventstest.Wait)
			for slow.Err() == nil && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			var kept []int
			for e := range slow.C {
				kept = append(kept, e.ID)
			}
			if !errors.Is(slow.Err(), events.ErrSlowSubscriber) {
				t.Fatalf("slow Err = %v, want ErrSlowSubscriber", slow.Err())
			}
			if fmt.Sprint(kept) != fmt.Sprint(want[:4]) {
				t.Fatalf("slow subscriber kept %v, want the first 4 of %v", kept, want)
			}
		})
	}
}

func TestSubscriptionEndings(t *testing.T) {
	in := localCluster(t, 1, events.Options{})[0]
	ctx, cancel := context.WithCancel(context.Background())
	byCtx, err := in.hub.Subscribe(ctx, events.Filter{}, nil, nil)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	byClose, err := in.hub.Subscribe(context.Background(), events.Filter{}, ptr(0), nil)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	byHub, err := in.hub.Subscribe(context.Background(), events.Filter{}, nil, nil)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if byCtx.Err() != nil {
		t.Fatalf("Err of an open subscription = %v", byCtx.Err())
	}
	cancel()
	byClose.Close()
	if err := in.hub.Close(); err != nil {
		t.Fatalf("hub close: %v", err)
	}
	for _, tc := range []struct {
		name string
		s    *events.Subscription
		want error
	}{
		{"context", byCtx, context.Canceled},
		{"Close", byClose, events.ErrUnsubscribed},
		{"hub Close", byHub, events.ErrHubClosed},
	} {
		for range tc.s.C {
		}
		if err := tc.s.Err(); !errors.Is(err, tc.want) {
			t.Errorf("%s: Err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := in.hub.Subscribe(context.Background(), events.Filter{}, nil, nil); !errors.Is(err, events.ErrHubClosed) {
		t.Fatalf("Subscribe after Close = %v, want ErrHubClosed", err)
	}
}
