package events_test

import (
	"testing"

	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/events/eventstest"
	"github.com/depot-registry/depot/internal/testdb"
)

func TestBusConformance(t *testing.T) {
	factories := map[string]eventstest.Factory{
		"local": func(t *testing.T) eventstest.Harness {
			b := events.NewLocalBus()
			t.Cleanup(func() { b.Close() })
			return eventstest.Harness{Bus: b, Remote: b}
		},
	}
	if testdb.Postgres() {
		factories["postgres"] = func(t *testing.T) eventstest.Harness {
			url := testdb.URL(t)
			db := testdb.OpenURL(t, url)
			a := events.NewPGBus(url, db.SQL, quiet)
			b := events.NewPGBus(url, db.SQL, quiet)
			t.Cleanup(func() { a.Close(); b.Close() })
			return eventstest.Harness{Bus: a, Remote: b, Disconnect: func(t *testing.T) { killListeners(t, db, 2) }}
		}
	}
	for name, f := range factories {
		t.Run(name, func(t *testing.T) { eventstest.RunBus(t, f) })
	}
}
