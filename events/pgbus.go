package events

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Channel is the PostgreSQL NOTIFY channel the PG bus uses.
const Channel = "depot_release_events"

// Reconnect back-off of the listener connection, and how often it is pinged
// so that a silently dead connection (no TCP reset) is noticed.
const (
	pgMinReconnect = 200 * time.Millisecond
	pgMaxReconnect = 10 * time.Second
	pgPingEvery    = 45 * time.Second
)

// PGBus spreads signals between server instances sharing one PostgreSQL
// database with LISTEN/NOTIFY. It holds one dedicated listener connection
// per process; lib/pq re-establishes it after a loss, and each time the bus
// sends CatchUp, because notifications sent while it was down are gone.
type PGBus struct {
	fan fanout
	rev revokeFanout
	// origin tells this instance's revocations from other instances'.
	origin string
	db     *sql.DB
	l      *pq.Listener
	log    *slog.Logger
	stop   chan struct{}
	done   sync.WaitGroup
	once   sync.Once
}

// NewPGBus starts listening on Channel over a new connection to dsn; db is
// the pool Notify sends through. It does not wait for the connection: the
// first CatchUp signal tells listeners it is up.
func NewPGBus(dsn string, db *sql.DB, log *slog.Logger) *PGBus {
	if log == nil {
		log = slog.Default()
	}
	b := &PGBus{db: db, log: log, stop: make(chan struct{}), origin: newOrigin()}
	b.l = pq.NewListener(dsn, pgMinReconnect, pgMaxReconnect, b.event)
	b.done.Add(2)
	go b.run()
	go b.ping()
	return b
}

// event logs connection changes; lib/pq calls it from its dispatch
// goroutine, so it must not block.
func (b *PGBus) event(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventDisconnected:
		b.fan.setReceiving(false)
		b.log.Warn("events: listener connection lost", "err", err)
	case pq.ListenerEventConnectionAttemptFailed:
		b.log.Warn("events: listener connection attempt failed", "err", err)
	case pq.ListenerEventReconnected:
		b.log.Info("events: listener reconnected")
	}
}

func (b *PGBus) run() {
	defer b.done.Done()
	// Listen blocks until the server acknowledges, so the CatchUp below is
	// sent only once no further notification can be missed.
	err := b.l.Listen(RevokeChannel)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		b.log.Error("events: LISTEN for revocations failed; relying on periodic refresh", "err", err)
	}
	if err := b.l.Listen(Channel); err != nil {
		if !errors.Is(err, net.ErrClosed) {
			b.log.Error("events: LISTEN failed; relying on polling", "err", err)
		}
	} else {
		b.fan.setReceiving(true)
	}
	for n := range b.l.Notify {
		if n == nil { // lib/pq's "reconnected, you may have missed some"
			b.fan.setReceiving(true)
			continue
		}
		if n.Channel == RevokeChannel {
			b.revoked(n.Extra)
			continue
		}
		id, err := strconv.Atoi(n.Extra)
		if err != nil {
			_ = b.fan.broadcast(Signal{CatchUp: true})
			continue
		}
		_ = b.fan.broadcast(Signal{LastID: id})
	}
}

func (b *PGBus) ping() {
	defer b.done.Done()
	t := time.NewTicker(pgPingEvery)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			if err := b.l.Ping(); err != nil {
				b.log.Debug("events: listener ping failed", "err", err)
			}
		}
	}
}

// Notify implements Bus. Listeners in this process are signalled directly,
// so they do not wait for the round trip through the server (nor depend on
// the listener connection being up); other instances hear it through
// pg_notify.
func (b *PGBus) Notify(ctx context.Context, lastID int) error {
	if err := b.fan.broadcast(Signal{LastID: lastID}); err != nil {
		return err
	}
	if _, err := b.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", Channel, strconv.Itoa(lastID)); err != nil {
		return fmt.Errorf("events: pg_notify: %w", err)
	}
	return nil
}

// newOrigin names one PGBus among the instances.
func newOrigin() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Listen implements Bus.
func (b *PGBus) Listen() (<-chan Signal, func()) { return b.fan.listen() }

// Close implements Bus: it closes the listener connection and every
// listener's channel.
func (b *PGBus) Close() error {
	var err error
	b.once.Do(func() {
		close(b.stop)
		err = b.l.Close()
		b.done.Wait()
		b.fan.close()
		b.rev.close()
	})
	if err != nil {
		return fmt.Errorf("events: close listener: %w", err)
	}
	return nil
}
