package events

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/viewer"
)

// Reasons a subscription ends, returned by Subscription.Err.
var (
	// ErrSlowSubscriber: the subscriber left its full queue unread for
	// Options.StallTimeout; it was cut off rather than let it pile up. It
	// can resume from the cursor of the last event it received.
	ErrSlowSubscriber = errors.New("events: subscriber too slow, disconnected")
	// ErrHubClosed: the server is shutting down (or its bus closed).
	ErrHubClosed = errors.New("events: hub closed")
	// ErrUnsubscribed: Close was called.
	ErrUnsubscribed = errors.New("events: unsubscribed")
)

// Refresher returns the subscriber's current viewer. The hub calls it
// periodically so that lost memberships and revoked keys take effect on
// open subscriptions; an error (such as a revoked key) ends the
// subscription with that error.
type Refresher func(ctx context.Context) (*viewer.Viewer, error)

// Event is one release event as subscribers receive it, under the event
// package's name, so fronts need not import the persistence layer.
type Event = ent.ReleaseEvent

// Subscription is one subscriber's feed.
type Subscription struct {
	// C delivers events in ascending id order, each once. It is closed when
	// the subscription ends; Err then says why. Events are shared between
	// subscribers: treat them as read-only.
	C <-chan *ent.ReleaseEvent

	ch chan *ent.ReleaseEvent
	// lagged carries the position to replay from when the hub found the
	// queue full and took the subscription off the live feed.
	lagged chan int
	// kick asks for an immediate refresh (nil without a Refresher).
	kick   chan struct{}
	filter Filter
	access atomic.Pointer[access]
	// last is the highest id considered for this subscriber; the hub
	// guards it with its mutex once the subscription is live.
	last int

	done     chan struct{}
	stopOnce sync.Once
	mu       sync.Mutex
	err      error
	// closed is done's counterpart for C: set once C has been closed.
	closed chan struct{}
}

// access is what the subscriber may read, precomputed at each refresh so the
// per-event check during fan-out allocates nothing.
type access struct {
	v      *viewer.Viewer
	system bool
	orgs   []int // sorted, from viewer.PrivateOrgIDs
}

func newAccess(v *viewer.Viewer) *access {
	if v == nil {
		v = &viewer.Viewer{}
	}
	return &access{v: v, system: v.IsSystem(), orgs: v.PrivateOrgIDs()}
}

// covers reports whether a reads at least every organization prev read.
func (a *access) covers(prev *access) bool {
	if a.system || (prev.system && !a.system) {
		return a.system
	}
	for _, id := range prev.orgs {
		if _, ok := slices.BinarySearch(a.orgs, id); !ok {
			return false
		}
	}
	return true
}

// canRead mirrors viewer.CanReadPrivate.
func (a *access) canRead(e *ent.ReleaseEvent) bool {
	if e.PrivateOrgID == nil || a.system {
		return true
	}
	_, ok := slices.BinarySearch(a.orgs, *e.PrivateOrgID)
	return ok
}

func (s *Subscription) wants(e *ent.ReleaseEvent) bool {
	return s.access.Load().canRead(e) && s.filter.Match(e)
}

// stop ends the subscription with reason (the first reason wins). The
// subscription's goroutine then closes C.
func (s *Subscription) stop(reason error) {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.err = reason
		s.mu.Unlock()
		close(s.done)
	})
}

// Close ends the subscription and waits until C is closed. Events still
// buffered in C are discarded with it.
func (s *Subscription) Close() {
	s.stop(ErrUnsubscribed)
	<-s.closed
}

// Err reports why C was closed: the subscription context's error,
// ErrUnsubscribed, ErrSlowSubscriber, ErrHubClosed, ErrAccessRevoked, or a failure of the
// refresher or of a log read (wrapped). It is nil until the subscription
// ends (C closes right after).
func (s *Subscription) Err() error {
	// done, not closed: the serving goroutine closes C a moment before it
	// closes closed, and a reader that has just seen C close must get the
	// reason. stop sets err before it closes done.
	select {
	case <-s.done:
	default:
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
