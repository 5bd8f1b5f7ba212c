package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// RevokeChannel is the PostgreSQL NOTIFY channel of revocations.
const RevokeChannel = "depot_revocations"

// ErrAccessRevoked ends a subscription whose viewer lost read access to an
// organization's private events it was receiving (a removed member, a
// lapsed subscription). The subscriber may subscribe again and then
// receives only what it may still read.
var ErrAccessRevoked = errors.New("events: access to private events was revoked")

// Revocation says that some viewers may read less than before: a key was
// revoked, a member removed, an organization's subscription lapsed. It
// carries no verdict, only who is affected; an open subscription of an
// affected viewer re-reads its viewer at once instead of at its next
// periodic refresh. A lost revocation therefore delays the cut-off to that
// refresh, never skips it.
type Revocation struct {
	// UserID: subscriptions of this user are affected (a revoked key, a
	// removed member).
	UserID int
	// OrgID: subscriptions that read this organization's private events are
	// affected (a lapsed subscription).
	OrgID int
}

// Affects reports whether a subscription of a viewer with that user id,
// reading the private events of orgs (sorted), is affected.
func (r Revocation) Affects(userID int, orgs []int) bool {
	if r.UserID != 0 && r.UserID == userID {
		return true
	}
	if r.OrgID != 0 {
		_, ok := slices.BinarySearch(orgs, r.OrgID)
		return ok
	}
	return false
}

func (r Revocation) String() string {
	return "u" + strconv.Itoa(r.UserID) + ":o" + strconv.Itoa(r.OrgID)
}

func parseRevocation(s string) (Revocation, error) {
	u, o, ok := strings.Cut(s, ":")
	if !ok || !strings.HasPrefix(u, "u") || !strings.HasPrefix(o, "o") {
		return Revocation{}, fmt.Errorf("events: bad revocation %q", s)
	}
	uid, err1 := strconv.Atoi(u[1:])
	oid, err2 := strconv.Atoi(o[1:])
	if err1 != nil || err2 != nil {
		return Revocation{}, fmt.Errorf("events: bad revocation %q", s)
	}
	return Revocation{UserID: uid, OrgID: oid}, nil
}

// Revoker is the part of a Bus that carries revocations between instances.
type Revoker interface {
	// Revoke announces r to every instance, this one included. Callers
	// announce after the change committed, so that the re-read sees it.
	Revoke(ctx context.Context, r Revocation) error
	// OnRevoke registers fn for every revocation and returns a function
	// that unregisters it. fn runs synchronously, on the goroutine that
	// announced the revocation or that received it from another instance,
	// before later signals of that instance are passed on: a handler that
	// holds back deliveries to the affected subscribers is thereby sure to
	// act before any event committed after the revocation reaches them.
	// fn must therefore never block.
	OnRevoke(fn func(Revocation)) (stop func())
}

// revokeFanout calls in-process revocation handlers.
type revokeFanout struct {
	mu       sync.Mutex
	handlers map[int]func(Revocation)
	next     int
	closed   bool
}

func (f *revokeFanout) add(fn func(Revocation)) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return func() {}
	}
	if f.handlers == nil {
		f.handlers = map[int]func(Revocation){}
	}
	id := f.next
	f.next++
	f.handlers[id] = fn
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.handlers, id)
	}
}

func (f *revokeFanout) broadcast(r Revocation) error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return ErrBusClosed
	}
	fns := make([]func(Revocation), 0, len(f.handlers))
	for _, fn := range f.handlers {
		fns = append(fns, fn)
	}
	f.mu.Unlock()
	for _, fn := range fns {
		fn(r)
	}
	return nil
}

func (f *revokeFanout) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.handlers = nil
}

// Revoke implements Revoker.
func (b *LocalBus) Revoke(_ context.Context, r Revocation) error { return b.rev.broadcast(r) }

// OnRevoke implements Revoker.
func (b *LocalBus) OnRevoke(fn func(Revocation)) func() { return b.rev.add(fn) }

// Revoke implements Revoker. Listeners in this process hear it at once;
// other instances through pg_notify.
func (b *PGBus) Revoke(ctx context.Context, r Revocation) error {
	if err := b.rev.broadcast(r); err != nil {
		return err
	}
	if _, err := b.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", RevokeChannel, b.origin+" "+r.String()); err != nil {
		return fmt.Errorf("events: pg_notify: %w", err)
	}
	return nil
}

// OnRevoke implements Revoker.
func (b *PGBus) OnRevoke(fn func(Revocation)) func() { return b.rev.add(fn) }

// revoked handles a revocation heard from PostgreSQL; this instance's own
// (already delivered by Revoke) are skipped.
func (b *PGBus) revoked(payload string) {
	origin, rest, ok := strings.Cut(payload, " ")
	if !ok {
		b.log.Warn("events: malformed revocation", "payload", payload)
		return
	}
	if origin == b.origin {
		return
	}
	r, err := parseRevocation(rest)
	if err != nil {
		b.log.Warn("events: malformed revocation", "err", err)
		return
	}
	_ = b.rev.broadcast(r)
}
