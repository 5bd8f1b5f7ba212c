package events

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/viewer"
)

// Options tune a Hub; zero values take the defaults.
type Options struct {
	// Buffer is each subscriber's queue length (default 256). A subscriber
	// whose queue is full when an event arrives leaves the live feed and
	// catches up from the log on its own, so it never holds up the hub.
	Buffer int
	// StallTimeout is how long a subscriber may leave a full queue unread
	// before it is disconnected with ErrSlowSubscriber (default 10s).
	StallTimeout time.Duration
	// RefreshEvery is how often a subscriber's Refresher runs (default 5s):
	// the longest a revoked member keeps receiving private events.
	RefreshEvery time.Duration
	// PollEvery re-reads the log even without a signal (default 15s;
	// negative disables), covering writers that died between commit and
	// Notify.
	PollEvery time.Duration
	// PageSize is the number of rows per log read (default 500).
	PageSize int
	// Logger receives read failures (default slog.Default()).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 10 * time.Second
	}
	if o.RefreshEvery <= 0 {
		o.RefreshEvery = 5 * time.Second
	}
	if o.PollEvery == 0 {
		o.PollEvery = 15 * time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Delay before re-reading the log after a failed read.
const (
	retryMin = 100 * time.Millisecond
	retryMax = 5 * time.Second
)

// Hub fans new events out to the subscribers of one server process. On each
// bus signal it reads the events after its head once, as the system viewer,
// and offers each to every live subscriber that may read it and wants it.
type Hub struct {
	log      Log
	opts     Options
	signals  <-chan Signal
	unlisten func()
	unrevoke func()

	ready     chan struct{} // closed once head is known
	stopping  chan struct{} // closed by Close
	done      chan struct{} // closed when run returns
	closeOnce sync.Once
	wg        sync.WaitGroup // one per subscription goroutine

	mu     sync.Mutex
	head   int // every event up to head has been offered to live subscribers
	closed bool
	live   map[*Subscription]struct{}
	all    map[*Subscription]struct{}
}

// NewHub starts a hub reading log on bus signals. Call Close on shutdown.
func NewHub(log Log, bus Bus, opts Options) *Hub {
	h := &Hub{
		log:      log,
		opts:     opts.withDefaults(),
		ready:    make(chan struct{}),
		stopping: make(chan struct{}),
		done:     make(chan struct{}),
		live:     make(map[*Subscription]struct{}),
		all:      make(map[*Subscription]struct{}),
	}
	// Listen before reading the head: a commit after that read is then
	// signalled to us, never lost in between.
	h.signals, h.unlisten = bus.Listen()
	h.unrevoke = bus.OnRevoke(h.kick)
	go h.run()
	return h
}

func (h *Hub) run() {
	defer close(h.done)
	ctx, cancel := context.WithCancel(viewer.System(context.Background()))
	defer cancel()
	go func() {
		select {
		case <-h.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	if !h.start(ctx) {
		return
	}
	var poll <-chan time.Time
	if h.opts.PollEvery > 0 {
		t := time.NewTicker(h.opts.PollEvery)
		defer t.Stop()
		poll = t.C
	}
	var retry <-chan time.Time
	delay := retryMin
	for {
		select {
		case <-h.stopping:
			return
		case s, ok := <-h.signals:
			if !ok {
				h.opts.Logger.Error("events: bus closed under the hub")
				h.endAll(ErrHubClosed)
				return
			}
			if !s.CatchUp && s.LastID <= h.head {
				continue // another instance's or an already read event
			}
		case <-poll:
		case <-retry:
		}
		retry = nil
		if err := h.advance(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			h.opts.Logger.Error("events: read new events", "err", err, "retry_in", delay)
			retry = time.After(delay)
			delay = min(2*delay, retryMax)
			continue
		}
		delay = retryMin
	}
}

// start reads the log's head, retrying until it succeeds or the hub closes.
func (h *Hub) start(ctx context.Context) bool {
	delay := retryMin
	for {
		head, err := h.log.Head(ctx)
		if err == nil {
			h.mu.Lock()
			h.head = head
			h.mu.Unlock()
			close(h.ready)
			return true
		}
		h.opts.Logger.Error("events: read log head", "err", err, "retry_in", delay)
		select {
		case <-h.stopping:
			return false
		case <-time.After(delay):
		}
		delay = min(2*delay, retryMax)
	}
}

// advance reads everything after head and offers it to live subscribers.
// Only run calls it, so head changes in this goroutine alone.
func (h *Hub) advance(ctx context.Context) error {
	for {
		evs, err := h.log.between(ctx, h.head, 0, Filter{}, h.opts.PageSize)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		h.dispatch(evs)
		if len(evs) < h.opts.PageSize {
			return nil
		}
	}
}

func (h *Hub) dispatch(evs []*ent.ReleaseEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.live {
		h.offerLocked(s, evs)
	}
	h.head = evs[len(evs)-1].ID
}

// offerLocked never blocks: when a queue is full its subscriber leaves the
// live feed and its own goroutine replays from the log what it missed
// (disconnecting it if it stays stuck), which costs the others nothing.
// A burst larger than the queue thus slows a fast reader down instead of
// cutting it off.
func (h *Hub) offerLocked(s *Subscription, evs []*ent.ReleaseEvent) {
	for _, e := range evs {
		if e.ID <= s.last {
			continue // replayed already
		}
		if s.wants(e) {
			select {
			case s.ch <- e:
			default:
				delete(h.live, s)
				s.lagged <- s.last // never blocks: sent once per stay in live
				return
			}
		}
		s.last = e.ID
	}
}

// kick makes every subscription r affects re-read its viewer now. It runs
// on the bus's goroutine and never blocks.
func (h *Hub) kick(r Revocation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.all {
		if s.kick == nil {
			continue
		}
		if a := s.access.Load(); r.Affects(a.v.UserID, a.orgs) {
			select {
			case s.kick <- struct{}{}:
			default: // a refresh is already due
			}
		}
	}
}

// Subscribe starts a feed for the viewer in ctx, which ends with ctx.
// With after nil it delivers the events committed after the call; otherwise
// every event after that id the viewer may read, then live ones, without
// gap or duplicate. refresh may be
// nil when the viewer cannot change (an anonymous one).
func (h *Hub) Subscribe(ctx context.Context, f Filter, after *int, refresh Refresher) (*Subscription, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if after != nil && *after < 0 {
		return nil, ErrBadCursor
	}
	select {
	case <-h.ready:
	case <-h.done:
		return nil, ErrHubClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("events: subscribe: %w", ctx.Err())
	}
	s := &Subscription{
		ch:     make(chan *ent.ReleaseEvent, h.opts.Buffer),
		lagged: make(chan int, 1),
		filter: Filter{Packages: slices.Clone(f.Packages), Repository: f.Repository, Kinds: slices.Clone(f.Kinds)},
		done:   make(chan struct{}),
		closed: make(chan struct{}),
	}
	if refresh != nil {
		s.kick = make(chan struct{}, 1)
	}
	s.C = s.ch
	s.access.Store(newAccess(viewer.FromContext(ctx)))
	// The position is fixed before Subscribe returns, so an event the
	// caller commits right after returning is always delivered, and "now"
	// is the log's head, not the hub's (which may lag a signal behind).
	var pos int
	if after != nil {
		pos = *after
	} else {
		head, err := h.log.Head(ctx)
		if err != nil {
			return nil, err
		}
		pos = head
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, ErrHubClosed
	}
	h.all[s] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	go h.serve(ctx, s, pos, refresh)
	return s, nil
}

// serve runs one subscription: replay, then live until it ends. It alone
// closes C, after removing the subscription from the hub so that no send
// can follow.
func (h *Hub) serve(ctx context.Context, s *Subscription, pos int, refresh Refresher) {
	defer h.wg.Done()
	defer close(s.closed)
	defer func() {
		h.mu.Lock()
		delete(h.live, s)
		delete(h.all, s)
		h.mu.Unlock()
		close(s.ch)
	}()
	var tick <-chan time.Time
	if refresh != nil {
		t := time.NewTicker(h.opts.RefreshEvery)
		defer t.Stop()
		tick = t.C
	}
	if err := h.catchUp(ctx, s, pos, tick, refresh); err != nil {
		s.stop(err)
		return
	}
	for {
		select {
		case <-s.done:
			return
		case <-ctx.Done():
			s.stop(ctx.Err())
			return
		case <-tick:
			if err := s.refresh(ctx, refresh); err != nil {
				s.stop(err)
				return
			}
		case <-s.kick:
			if err := s.refresh(ctx, refresh); err != nil {
				s.stop(err)
				return
			}
		case pos := <-s.lagged:
			if err := h.catchUp(ctx, s, pos, tick, refresh); err != nil {
				s.stop(err)
				return
			}
		}
	}
}

// catchUp replays (pos, head] from the log as the subscriber's viewer and
// makes the subscription live once it has reached the hub's head. The
// head is read and the subscription registered under the hub's lock, so
// the replay and the live feed meet exactly: replay covers ids up to head,
// the hub offers only ids above it. If the hub moved on during a replay,
// the loop replays the difference.
func (h *Hub) catchUp(ctx context.Context, s *Subscription, pos int, tick <-chan time.Time, refresh Refresher) error {
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return ErrHubClosed
		}
		head := h.head
		if head <= pos {
			s.last = pos
			h.live[s] = struct{}{}
			h.mu.Unlock()
			return nil
		}
		h.mu.Unlock()
		for pos < head {
			select {
			case <-tick:
				if err := s.refresh(ctx, refresh); err != nil {
					return err
				}
			case <-s.kick:
				if err := s.refresh(ctx, refresh); err != nil {
					return err
				}
			default:
			}
			vctx := viewer.NewContext(ctx, s.access.Load().v)
			evs, err := h.log.between(vctx, pos, head, s.filter, h.opts.PageSize)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return err
			}
			for _, e := range evs {
				if err := h.send(ctx, s, e); err != nil {
					return err
				}
			}
			if len(evs) < h.opts.PageSize {
				pos = head
			} else {
				pos = evs[len(evs)-1].ID
			}
		}
	}
}

// send queues e for a replaying subscriber, waiting at most StallTimeout
// for room: only this subscriber's goroutine waits.
func (h *Hub) send(ctx context.Context, s *Subscription, e *ent.ReleaseEvent) error {
	select {
	case s.ch <- e:
		return nil
	default:
	}
	stall := time.NewTimer(h.opts.StallTimeout)
	defer stall.Stop()
	select {
	case s.ch <- e:
		return nil
	case <-stall.C:
		return ErrSlowSubscriber
	case <-s.done:
		return ErrUnsubscribed // the reason is already recorded
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refresh re-reads the viewer. A viewer that can no longer read an
// organization it was receiving private events of ends the subscription
// with ErrAccessRevoked rather than narrow it silently: the subscriber
// learns why, and a new subscription shows what it may still read.
func (s *Subscription) refresh(ctx context.Context, r Refresher) error {
	v, err := r(ctx)
	if err != nil {
		return fmt.Errorf("events: refresh viewer: %w", err)
	}
	next := newAccess(v)
	if prev := s.access.Load(); !next.covers(prev) {
		return ErrAccessRevoked
	}
	s.access.Store(next)
	return nil
}

// endAll ends every subscription with reason and refuses new ones.
func (h *Hub) endAll(reason error) {
	h.mu.Lock()
	h.closed = true
	subs := make([]*Subscription, 0, len(h.all))
	for s := range h.all {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	for _, s := range subs {
		s.stop(reason)
	}
}

// Close ends every subscription with ErrHubClosed and waits until their
// channels are closed. The bus stays open: it belongs to the caller.
func (h *Hub) Close() error {
	h.closeOnce.Do(func() { close(h.stopping) })
	<-h.done
	h.unlisten()
	h.unrevoke()
	h.endAll(ErrHubClosed)
	h.wg.Wait()
	return nil
}
