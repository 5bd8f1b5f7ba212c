package eventstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/depot-registry/depot/events"
)

// Harness is one bus under test, built by a Factory that registers its own
// cleanup with t.
type Harness struct {
	Bus events.Bus
	// Remote is a second instance on the same transport (for an in-process
	// bus, the bus itself): its Notify must reach Bus's listeners.
	Remote events.Bus
	// Disconnect breaks Bus's connection to its transport; the bus must
	// reconnect by itself. Nil for a bus without a connection.
	Disconnect func(t *testing.T)
}

// Factory returns a fresh Harness.
type Factory func(t *testing.T) Harness

// Wait bounds every expectation of the suite; PostgreSQL reconnects take a
// few hundred milliseconds.
const Wait = 10 * time.Second

// RunBus is the conformance suite for events.Bus implementations.
func RunBus(t *testing.T, newBus Factory) {
	t.Run("FirstSignalIsCatchUp", func(t *testing.T) {
		h := newBus(t)
		ch, stop := h.Bus.Listen()
		defer stop()
		if s := Next(t, ch); !s.CatchUp {
			t.Fatalf("first signal %+v, want CatchUp", s)
		}
	})
	t.Run("NotifyReachesEveryListener", func(t *testing.T) {
		h := newBus(t)
		chs := make([]<-chan events.Signal, 3)
		for i := range chs {
			ch, stop := h.Bus.Listen()
			defer stop()
			UntilCatchUp(t, ch)
			chs[i] = ch
		}
		for _, n := range []struct {
			name string
			bus  events.Bus
			id   int
		}{{"local", h.Bus, 41}, {"remote", h.Remote, 42}} {
			if err := n.bus.Notify(context.Background(), n.id); err != nil {
				t.Fatalf("%s notify: %v", n.name, err)
			}
			for _, ch := range chs {
				UntilID(t, ch, n.id)
			}
		}
	})
	t.Run("UnreadListenerNeverBlocksNotify", func(t *testing.T) {
		h := newBus(t)
		slow, stopSlow := h.Bus.Listen()
		defer stopSlow()
		UntilCatchUp(t, slow)
		ctx, cancel := context.WithTimeout(context.Background(), Wait)
		defer cancel()
		for id := 1; id <= 200; id++ {
			if err := h.Bus.Notify(ctx, id); err != nil {
				t.Fatalf("notify %d: %v", id, err)
			}
		}
		// The pending signals were merged, not queued: the newest is there.
		UntilID(t, slow, 200)
	})
	t.Run("StopClosesOnlyThatListener", func(t *testing.T) {
		h := newBus(t)
		a, stopA := h.Bus.Listen()
		b, stopB := h.Bus.Listen()
		defer stopB()
		UntilCatchUp(t, b)
		stopA()
		stopA() // idempotent
		UntilClosed(t, a)
		if err := h.Bus.Notify(context.Background(), 7); err != nil {
			t.Fatalf("notify: %v", err)
		}
		UntilID(t, b, 7)
	})
	t.Run("CloseStops", func(t *testing.T) {
		h := newBus(t)
		ch, stop := h.Bus.Listen()
		defer stop()
		if err := h.Bus.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		UntilClosed(t, ch)
		late, lateStop := h.Bus.Listen()
		defer lateStop()
		UntilClosed(t, late)
		if err := h.Bus.Notify(context.Background(), 1); !errors.Is(err, events.ErrBusClosed) {
			t.Fatalf("notify after close = %v, want ErrBusClosed", err)
		}
	})
	t.Run("RevocationReachesEveryInstance", func(t *testing.T) {
		h := newBus(t)
		local, remote := make(chan events.Revocation, 10), make(chan events.Revocation, 10)
		defer h.Bus.OnRevoke(func(r events.Revocation) { local <- r })()
		defer h.Remote.OnRevoke(func(r events.Revocation) { remote <- r })()
		// Signals and revocations share the listener connection: once it
		// is receiving signals it is receiving revocations.
		for _, b := range []events.Bus{h.Bus, h.Remote} {
			ch, stop := b.Listen()
			UntilCatchUp(t, ch)
			stop()
		}
		want := events.Revocation{UserID: 12, OrgID: 34}
		if err := h.Bus.Revoke(context.Background(), want); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		for name, ch := range map[string]<-chan events.Revocation{"local": local, "remote": remote} {
			select {
			case got := <-ch:
				if got != want {
					t.Fatalf("%s listener got %+v, want %+v", name, got, want)
				}
			case <-time.After(Wait):
				t.Fatalf("%s listener: no revocation", name)
			}
		}
		// Each listener hears it once, not again through the database.
		if err := h.Bus.Revoke(context.Background(), events.Revocation{UserID: 56}); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		select {
		case got := <-local:
			if got.UserID != 56 {
				t.Fatalf("local listener got %+v again, want the next revocation", got)
			}
		case <-time.After(Wait):
			t.Fatal("local listener: no second revocation")
		}
	})
	t.Run("CatchUpAfterReconnect", func(t *testing.T) {
		h := newBus(t)
		ch, stop := h.Bus.Listen()
		defer stop()
		UntilCatchUp(t, ch)
		if h.Disconnect != nil {
			h.Disconnect(t)
			UntilCatchUp(t, ch)
		} else {
			// Nothing to lose: a listener that joins later still starts
			// with a CatchUp, while the first keeps listening.
			late, lateStop := h.Bus.Listen()
			defer lateStop()
			UntilCatchUp(t, late)
		}
		// Still (again) listening: another instance's notification arrives.
		if err := h.Remote.Notify(context.Background(), 99); err != nil {
			t.Fatalf("notify: %v", err)
		}
		UntilID(t, ch, 99)
	})
}

// Next returns the next signal, failing the test if none comes in time.
func Next(t testing.TB, ch <-chan events.Signal) events.Signal {
	t.Helper()
	select {
	case s, ok := <-ch:
		if !ok {
			t.Fatal("signal channel closed")
		}
		return s
	case <-time.After(Wait):
		t.Fatal("no signal")
	}
	return events.Signal{}
}

// UntilCatchUp reads signals until a CatchUp one.
func UntilCatchUp(t testing.TB, ch <-chan events.Signal) {
	t.Helper()
	for !Next(t, ch).CatchUp {
	}
}

// UntilID reads signals until one reports LastID >= id.
func UntilID(t testing.TB, ch <-chan events.Signal, id int) {
	t.Helper()
	for Next(t, ch).LastID < id {
	}
}

// UntilClosed reads until ch is closed.
func UntilClosed(t testing.TB, ch <-chan events.Signal) {
	t.Helper()
	deadline := time.After(Wait)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("signal channel not closed")
		}
	}
}
