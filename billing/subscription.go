package billing

import (
	"fmt"
	"time"
)

// Status is a subscription's state; the values are the GraphQL enum values.
type Status string

// The states of a subscription.
const (
	// StatusIncomplete: started, first invoice not paid yet. No access.
	StatusIncomplete Status = "INCOMPLETE"
	// StatusTrialing: free trial until CurrentPeriodEnd. Access.
	StatusTrialing Status = "TRIALING"
	// StatusActive: the current period is paid (or its charge is in flight).
	StatusActive Status = "ACTIVE"
	// StatusPastDue: a charge failed; dunning runs for GracePeriod. Access.
	StatusPastDue Status = "PAST_DUE"
	// StatusCanceled: ended, by request at period end or for non-payment.
	StatusCanceled Status = "CANCELED"
)

// CancelReason says why a subscription ended; it decides whether paying the
// open invoice can bring it back.
type CancelReason string

// The reasons a subscription ends.
const (
	CancelRequested        CancelReason = "REQUESTED"
	CancelNonPayment       CancelReason = "NON_PAYMENT"
	CancelIncompleteExpiry CancelReason = "INCOMPLETE_EXPIRED"
)

// Subscription is the billing state of one organization, as plain values: the
// database row maps to it one to one. Times are UTC.
type Subscription struct {
	Plan   Plan
	Seats  int
	Status Status
	// Anchor fixes the billing day (and time of day); see BillingDate.
	Anchor             time.Time
	CurrentPeriodStart time.Time
	CurrentPeriodEnd   time.Time
	CancelAtPeriodEnd  bool
	CanceledAt         time.Time
	CancelReason       CancelReason
	// OpenInvoiceID is the invoice being collected: the first invoice while
	// INCOMPLETE, the dunned invoice while PAST_DUE, and the unpaid invoice
	// after a cancellation for non-payment (paying it re-activates).
	OpenInvoiceID string
	// FirstFailureAt starts the dunning clock; Retries counts the retries
	// already made (0..len(RetryOffsets)).
	FirstFailureAt time.Time
	Retries        int
}

// IncompleteExpiry is how long a started subscription waits for its first
// payment before it is dropped, as Stripe does with incomplete subscriptions.
const IncompleteExpiry = 23 * time.Hour

// Start begins a paid subscription at now. The anchor (billing day) is now;
// the subscription is INCOMPLETE until the first period's invoice, which the
// returned ActionInvoicePeriod asks for, is paid.
func Start(plan Plan, seats, members int, now time.Time) (Subscription, []Action, error) {
	if !plan.Valid() {
		return Subscription{}, nil, fmt.Errorf("%w: unknown plan %q", ErrInvalidInput, plan)
	}
	if err := CheckSeats(seats, members); err != nil {
		return Subscription{}, nil, err
	}
	now = now.UTC()
	end := PeriodEnd(now, plan, now)
	s := Subscription{
		Plan: plan, Seats: seats, Status: StatusIncomplete,
		Anchor: now, CurrentPeriodStart: now, CurrentPeriodEnd: end,
	}
	return s, []Action{{Kind: ActionInvoicePeriod, PeriodStart: now, PeriodEnd: end, Seats: seats}}, nil
}

// StartTrial begins a free trial from now until trialEnd. The billing day is
// the trial's end, when the first paid period starts and is invoiced.
func StartTrial(plan Plan, seats, members int, now, trialEnd time.Time) (Subscription, error) {
	if !plan.Valid() {
		return Subscription{}, fmt.Errorf("%w: unknown plan %q", ErrInvalidInput, plan)
	}
	if !trialEnd.After(now) {
		return Subscription{}, fmt.Errorf("%w: trial must end after it starts", ErrInvalidInput)
	}
	if err := CheckSeats(seats, members); err != nil {
		return Subscription{}, err
	}
	return Subscription{
		Plan: plan, Seats: seats, Status: StatusTrialing,
		Anchor: trialEnd.UTC(), CurrentPeriodStart: now.UTC(), CurrentPeriodEnd: trialEnd.UTC(),
	}, nil
}

// Entitled reports whether the organization may use its private packages and
// docs at now. It reads only the stored state and the time, so a check between
// two Advance runs is still exact:
//
//   - ACTIVE and TRIALING: yes, until the period end if cancellation at period
//     end was requested (a renewal not yet processed keeps access);
//   - PAST_DUE: yes, for GracePeriod after the first failure;
//   - INCOMPLETE and CANCELED: no.
func Entitled(s Subscription, now time.Time) bool {
	if s.CancelAtPeriodEnd && !now.Before(s.CurrentPeriodEnd) {
		return false
	}
	switch s.Status {
	case StatusActive, StatusTrialing:
		return true
	case StatusPastDue:
		return now.Before(s.FirstFailureAt.Add(GracePeriod))
	}
	return false
}
