package account

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Parallel guesses cannot outrun the backoff: of fifty attempts sent at
// once, only the free ones get to check a password.
func TestBackoffParallelAttempts(t *testing.T) {
	var b backoff
	now := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b.attempt("user:1|203.0.113.9", now) == 0 {
				admitted.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := admitted.Load(); n != signInFreeFailures {
		t.Fatalf("%d of 50 parallel attempts admitted, want %d", n, signInFreeFailures)
	}
	if d := b.attempt("user:1|203.0.113.9", now); d != time.Second {
		t.Fatalf("wait %s, want 1s", d)
	}
	if d := b.attempt("user:1|198.51.100.7", now); d != 0 {
		t.Fatalf("another client waits %s", d)
	}
	// Forgiven after an hour without failures.
	if d := b.attempt("user:1|203.0.113.9", now.Add(signInForget+time.Second)); d != 0 {
		t.Fatalf("after an hour: wait %s", d)
	}
}
