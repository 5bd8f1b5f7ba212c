package events

import (
	"context"
	"errors"
	"sync"
)

// ErrBusClosed is returned by Notify on a closed bus.
var ErrBusClosed = errors.New("events: bus closed")

// Signal says the log may have grown. It carries no event, only a hint of
// how far, so that signals can be merged and lost without losing events:
// the receiver always re-reads the log after its own position.
type Signal struct {
	// LastID is the highest event id a writer reported committed; a hub
	// that has already read that far can ignore the signal.
	LastID int
	// CatchUp means notifications may have been missed (the listener just
	// started or reconnected): read the log whatever LastID says.
	CatchUp bool
}

func (s Signal) merge(o Signal) Signal {
	return Signal{LastID: max(s.LastID, o.LastID), CatchUp: s.CatchUp || o.CatchUp}
}

// Bus carries Signals from writers to the hubs of every server instance.
type Bus interface {
	// Notify tells every instance that events up to lastID are committed.
	// Writers call it after commit, never inside the transaction, so that
	// nobody reads the log before the events are visible.
	Notify(ctx context.Context, lastID int) error
	// Listen returns a channel of signals and a function that stops them
	// and closes the channel. The first signal is a CatchUp sent once the
	// bus is receiving, and another follows every reconnect. A listener that
	// does not read never blocks the bus: pending signals are merged.
	Listen() (<-chan Signal, func())
	// Close stops the bus and closes every listener's channel.
	Close() error
	// Revocations travel on the same transport as signals.
	Revoker
}

// fanout delivers signals to in-process listeners without ever blocking the
// sender, which is what keeps a stuck hub from stalling writers.
type fanout struct {
	mu        sync.Mutex
	listeners map[chan Signal]struct{}
	closed    bool
	// receiving is false while a transport has yet to (re)connect: new
	// listeners then get their CatchUp when it does.
	receiving bool
}

func (f *fanout) listen() (<-chan Signal, func()) {
	ch := make(chan Signal, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		close(ch)
		return ch, func() {}
	}
	if f.listeners == nil {
		f.listeners = make(map[chan Signal]struct{})
	}
	f.listeners[ch] = struct{}{}
	if f.receiving {
		send(ch, Signal{CatchUp: true})
	}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			if _, ok := f.listeners[ch]; ok {
				delete(f.listeners, ch)
				close(ch)
			}
		})
	}
}

// send merges s into the one pending signal of ch. Callers hold f.mu, and
// only they put values into ch, so after the receive ch has room and the
// send cannot block.
func send(ch chan Signal, s Signal) {
	select {
	case old := <-ch:
		s = s.merge(old)
	default:
	}
	ch <- s
}

func (f *fanout) broadcast(s Signal) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return ErrBusClosed
	}
	for ch := range f.listeners {
		send(ch, s)
	}
	return nil
}

// setReceiving records that the transport is (again) receiving and tells
// every listener to catch up on what it may have missed meanwhile.
func (f *fanout) setReceiving(ok bool) {
	f.mu.Lock()
	f.receiving = ok
	f.mu.Unlock()
	if ok {
		_ = f.broadcast(Signal{CatchUp: true})
	}
}

func (f *fanout) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.closed = true
	for ch := range f.listeners {
		close(ch)
	}
	f.listeners = nil
}

// LocalBus is the in-process bus of a single-instance (embedded) server.
type LocalBus struct {
	fan fanout
	rev revokeFanout
}

// NewLocalBus returns an in-process bus.
func NewLocalBus() *LocalBus {
	return &LocalBus{fan: fanout{receiving: true}}
}

// Notify implements Bus.
func (b *LocalBus) Notify(_ context.Context, lastID int) error {
	return b.fan.broadcast(Signal{LastID: lastID})
}

// Listen implements Bus.
func (b *LocalBus) Listen() (<-chan Signal, func()) { return b.fan.listen() }

// Close implements Bus.
func (b *LocalBus) Close() error {
	b.fan.close()
	b.rev.close()
	return nil
}
