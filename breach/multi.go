package breach

import (
	"context"
	"errors"
	"fmt"
)

// MultiChecker asks several checkers in turn; see Multi.
type MultiChecker struct {
	checkers []Checker
	// OnError, if set, receives each checker error that Breached swallowed
	// because another checker answered. Wire it to the logger and metrics so
	// an HIBP outage is visible even though users do not notice it.
	OnError func(ctx context.Context, err error)
}

var _ Checker = (*MultiChecker)(nil)

// Multi combines checkers. A password is breached if any checker says so;
// the checkers are asked in order and the first "breached" ends the lookup,
// so put the cheap offline List before HIBP.
//
// Error policy: a checker's error is ignored (and passed to OnError) when at
// least one other checker answered; only when none answered is an error
// returned. Sign-in must not depend on a third party being up: if HIBP is
// unreachable the offline list still refuses the most common breached
// passwords, and the rare breached password that only HIBP knows is the
// accepted cost of availability.
func Multi(checkers ...Checker) *MultiChecker {
	return &MultiChecker{checkers: checkers}
}

// Breached applies the policy described at Multi.
func (m *MultiChecker) Breached(ctx context.Context, password string) (bool, error) {
	if len(m.checkers) == 0 {
		// Failing loudly beats a security check that silently passes everything.
		return false, errors.New("breach: Multi has no checkers")
	}
	var errs []error
	answered, breached := false, false
	for _, c := range m.checkers {
		b, err := c.Breached(ctx, password)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		answered = true
		if b {
			breached = true
			break
		}
	}
	if !answered {
		return false, fmt.Errorf("breach: no checker answered: %w", errors.Join(errs...))
	}
	if m.OnError != nil {
		for _, err := range errs {
			m.OnError(ctx, err)
		}
	}
	return breached, nil
}
