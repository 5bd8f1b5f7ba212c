package billing

import "fmt"

// CheckSeats validates a seat count for an organization with members
// members: at least one seat, and never fewer seats than members (members are
// not evicted by a seat change; an admin removes them first).
func CheckSeats(seats, members int) error {
	if seats < 1 {
		return fmt.Errorf("%w: seats must be at least 1, got %d", ErrInvalidInput, seats)
	}
	if seats < members {
		return fmt.Errorf("%w: %d seats for %d members; remove members first", ErrSeatsExhausted, seats, members)
	}
	return nil
}

// CanAddMember refuses a new member when every seat is taken.
func CanAddMember(seats, members int) error {
	if members+1 > seats {
		return fmt.Errorf("%w: %d of %d seats used", ErrSeatsExhausted, members, seats)
	}
	return nil
}

// LimitsMembers reports whether a subscription in status caps its
// organization's members at its seats: every state but CANCELED. An ended
// subscription bills no seats, and the organization is then as free to grow
// as one that never subscribed (publishing public packages through an
// organization is free, seed).
func LimitsMembers(status Status) bool { return status != StatusCanceled }
