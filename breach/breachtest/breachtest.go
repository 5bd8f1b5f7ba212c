// Package breachtest holds what tests of breach checkers and of their users
// share: the conformance suite every breach.Checker passes, and a fake
// HaveIBeenPwned range server that records what it was sent.
package breachtest

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"

	"github.com/depot-registry/depot/breach"
)

// Breached are the passwords the suite hands to newChecker as breached.
var Breached = []string{"password", "hunter2", "correct horse battery staple", "Tr0ub4dor&3"}

// Run runs the suite. newChecker must return a checker that reports exactly
// the given passwords as breached.
func Run(t *testing.T, newChecker func(t *testing.T, breached []string) breach.Checker) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, c breach.Checker)
	}{
		{"Verdicts", testVerdicts},
		{"CancelledContext", testCancelled},
		{"ConcurrentUse", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newChecker(t, Breached))
		})
	}
}

func testVerdicts(t *testing.T, c breach.Checker) {
	tests := []struct {
		password string
		want     bool
	}{
		{Breached[0], true},
		{Breached[1], true},
		{Breached[2], true},
		{Breached[3], true},
		{rand.Text(), false}, // 26 random base32 characters
		{"", false},
		{"пароль-которого-нет-в-списке", false},
		{"password-but-longer", false},
	}
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			got, err := c.Breached(context.Background(), tt.password)
			if err != nil {
				t.Fatalf("Breached: %v", err)
			}
			if got != tt.want {
				t.Errorf("Breached(%q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
}

func testCancelled(t *testing.T, c breach.Checker) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// An answer given after cancellation could be a stale default; callers
	// must be told it is not an answer.
	if _, err := c.Breached(ctx, Breached[0]); !errors.Is(err, context.Canceled) {
		t.Fatalf("Breached(cancelled) err = %v, want context.Canceled", err)
	}
}

func testConcurrent(t *testing.T, c breach.Checker) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			pw, want := Breached[i%len(Breached)], true
			if i%2 == 1 {
				pw, want = rand.Text(), false
			}
			got, err := c.Breached(context.Background(), pw)
			if err != nil || got != want {
				t.Errorf("Breached(%q) = %v, %v, want %v, nil", pw, got, err, want)
			}
		})
	}
	wg.Wait()
}
