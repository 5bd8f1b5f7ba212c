package billing

import (
	"fmt"
	"time"
)

// ChangeSeats sets the seat count at now for an organization with members
// members. Increases are prorated (see Prorate's rules: a pending line on the
// monthly plan, an immediate invoice on the annual plan; nothing during a
// trial, which is free); decreases apply at once without credit.
func ChangeSeats(s Subscription, seats, members int, prices Prices, now time.Time) (Subscription, []Action, error) {
	now = now.UTC()
	switch s.Status {
	case StatusActive, StatusTrialing, StatusPastDue:
	default:
		return s, nil, fmt.Errorf("%w: cannot change seats of a %s subscription", ErrConflict, s.Status)
	}
	if err := CheckSeats(seats, members); err != nil {
		return s, nil, err
	}
	if seats == s.Seats {
		return s, nil, nil
	}
	behavior := ProrationFor(s.Plan, s.Seats, seats)
	if s.Status == StatusTrialing {
		behavior = ProrateNone
	}
	var actions []Action
	if behavior != ProrateNone && now.Before(s.CurrentPeriodEnd) {
		price, err := prices.For(s.Plan)
		if err != nil {
			return s, nil, err
		}
		line, err := Prorate(price, seats-s.Seats, s.CurrentPeriodStart, s.CurrentPeriodEnd, now)
		if err != nil {
			return s, nil, fmt.Errorf("prorate seats: %w", err)
		}
		kind := ActionAddPendingLine
		if behavior == ProrateNow {
			kind = ActionInvoiceProration
		}
		actions = append(actions, Action{Kind: kind, Line: line})
	}
	s.Seats = seats
	actions = append([]Action{{Kind: ActionUpdateSeats, Seats: seats, Proration: behavior}}, actions...)
	return s, actions, nil
}

// Cancel asks for the subscription to end at the end of the paid period
// (the seed: "you can continue to use the organization until the end of the
// current billing period"). An INCOMPLETE subscription, with nothing paid,
// ends at once.
func Cancel(s Subscription, now time.Time) (Subscription, []Action, error) {
	switch s.Status {
	case StatusIncomplete:
		s.Status, s.CancelReason, s.CanceledAt = StatusCanceled, CancelRequested, now.UTC()
		return s, []Action{{Kind: ActionCancel, InvoiceID: s.OpenInvoiceID, Reason: CancelRequested}}, nil
	case StatusCanceled:
		return s, nil, fmt.Errorf("%w: subscription already cancelled", ErrConflict)
	}
	if s.CancelAtPeriodEnd {
		return s, nil, nil
	}
	s.CancelAtPeriodEnd = true
	return s, []Action{{Kind: ActionSetCancelAtPeriodEnd, Cancel: true}}, nil
}

// Resume withdraws a cancellation at period end before the period is over. A
// subscription that has ended cannot be resumed: start a new one, or pay the
// open invoice when it ended for non-payment.
func Resume(s Subscription, now time.Time) (Subscription, []Action, error) {
	if s.Status == StatusCanceled || s.Status == StatusIncomplete || !now.Before(s.CurrentPeriodEnd) {
		return s, nil, fmt.Errorf("%w: only a running subscription can be resumed", ErrConflict)
	}
	if !s.CancelAtPeriodEnd {
		return s, nil, nil
	}
	s.CancelAtPeriodEnd = false
	return s, []Action{{Kind: ActionSetCancelAtPeriodEnd, Cancel: false}}, nil
}
