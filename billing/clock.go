package billing

import (
	"sync"
	"time"
)

// Clock is where the time comes from. Billing logic takes times as parameters;
// the use cases that call it read them from a Clock so that tests (and the
// in-process processor) can stand at any instant.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// TestClock is a settable clock for tests in any package. It is safe for
// concurrent use because servers under test read it from many goroutines.
type TestClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewTestClock returns a clock standing at t0 (in UTC).
func NewTestClock(t0 time.Time) *TestClock { return &TestClock{now: t0.UTC()} }

// Now returns the clock's current time.
func (c *TestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t (forwards or backwards).
func (c *TestClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.UTC()
}

// Advance moves the clock forward by d and returns the new time.
func (c *TestClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
