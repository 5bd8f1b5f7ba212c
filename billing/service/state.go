package service

import (
	"context"
	"fmt"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/subscription"
)

// stateOf maps a subscription row to the pure state machine's value.
//
// The row has no cancel_reason column, so the reason is derived: the state
// machine cancels for non-payment at exactly first failure + GracePeriod and
// keeps FirstFailureAt, while a cancellation at period end happens at the
// period end. A cancel_reason column would say it directly; until the
// schema has one, this rule is the single place that decides.
func stateOf(row *ent.Subscription, open *ent.Invoice) billing.Subscription {
	s := billing.Subscription{
		Plan:               billing.Plan(row.Plan),
		Seats:              row.Seats,
		Status:             billing.Status(row.Status),
		Anchor:             row.Anchor.UTC(),
		CurrentPeriodStart: row.CurrentPeriodStart.UTC(),
		CurrentPeriodEnd:   row.CurrentPeriodEnd.UTC(),
		CancelAtPeriodEnd:  row.CancelAtPeriodEnd,
		CanceledAt:         utc(row.CanceledAt),
		FirstFailureAt:     utc(row.FirstFailureAt),
		Retries:            row.Retries,
	}
	if open != nil {
		s.OpenInvoiceID = invoiceID(open)
	}
	if s.Status == billing.StatusCanceled {
		s.CancelReason = billing.CancelRequested
		if !s.FirstFailureAt.IsZero() && s.CanceledAt.Equal(s.FirstFailureAt.Add(billing.GracePeriod)) {
			s.CancelReason = billing.CancelNonPayment
		}
	}
	return s
}

// nextRetryAt is stored for display ("we will try again on ...").
func nextRetryAt(s billing.Subscription) time.Time {
	if s.Status != billing.StatusPastDue {
		return time.Time{}
	}
	return billing.RetryAt(s.FirstFailureAt, s.Retries+1)
}

// nextVersion is the subscription's state version after a change at now.
// Processor events carry their creation time and are applied only when
// newer than the state version (see HandleEvent); taking at least now's
// Unix time makes the echo of our own change, sent back by the processor in
// the same second, stale, and +1 keeps versions strictly increasing so they
// can name the change in idempotency keys.
func nextVersion(old int64, now time.Time) int64 {
	return max(old+1, now.Unix())
}

// saveSubscription writes s (and the processor reference) to the row.
func saveSubscription(ctx context.Context, tx *ent.Tx, id int, s billing.Subscription, ref string, version int64) error {
	u := tx.Subscription.UpdateOneID(id).
		SetPlan(subscription.Plan(s.Plan)).
		SetSeats(s.Seats).
		SetStatus(subscription.Status(s.Status)).
		SetAnchor(s.Anchor).
		SetCurrentPeriodStart(s.CurrentPeriodStart).
		SetCurrentPeriodEnd(s.CurrentPeriodEnd).
		SetCancelAtPeriodEnd(s.CancelAtPeriodEnd).
		SetRetries(s.Retries).
		SetNillableFirstFailureAt(ptr(s.FirstFailureAt)).
		SetNillableCanceledAt(ptr(s.CanceledAt)).
		SetNillableNextRetryAt(ptr(nextRetryAt(s))).
		SetProcessorRef(ref).
		SetStateVersion(version)
	if s.FirstFailureAt.IsZero() {
		u.ClearFirstFailureAt()
	}
	if s.CanceledAt.IsZero() {
		u.ClearCanceledAt()
	}
	if nextRetryAt(s).IsZero() {
		u.ClearNextRetryAt()
	}
	if err := u.Exec(ctx); err != nil {
		return fmt.Errorf("save subscription: %w", err)
	}
	return nil
}
