package billing

import "time"

// Dunning (SPEC §6: "retried three times; 15 days after the first failure the
// subscription is cancelled"). A failed charge starts the clock at the first
// failure; the invoice is retried on days 3, 7 and 12 (spread so that a card
// topped up at the end of a week or at a pay day gets a chance), and on day
// 15 the subscription is cancelled for non-payment and private access ends.
// Access continues while past due. Days are 24-hour UTC days.
//
// Paying the open invoice afterwards re-activates the subscription. We keep
// the original anchor (the billing day does not move; hex.pm restarts the
// subscription instead): if the paid invoice's period is still running it
// simply continues; if it is over, the period containing the payment time is
// invoiced and charged at once, and the periods in between, during which the
// organization had no access, are not billed.

const day24 = 24 * time.Hour

// GracePeriod is the time from the first failed charge to cancellation.
const GracePeriod = 15 * day24

// RetryOffsets are the retry times after the first failure.
var RetryOffsets = [...]time.Duration{3 * day24, 7 * day24, 12 * day24}

// RetryAt returns when the n-th retry (1-based) of an invoice that first failed
// at firstFailure is due, or the zero time when there is no such retry.
func RetryAt(firstFailure time.Time, n int) time.Time {
	if n < 1 || n > len(RetryOffsets) {
		return time.Time{}
	}
	return firstFailure.Add(RetryOffsets[n-1])
}

// Advance moves a subscription to now: it renews periods that ended, ends
// subscriptions cancelled at period end, runs due retries and cancels for
// non-payment. Run it periodically (every few minutes) and after each event;
// it is idempotent: advancing twice to the same instant yields no new action.
func Advance(s Subscription, now time.Time) (Subscription, []Action) {
	now = now.UTC()
	var actions []Action
	for {
		next, acts, done := step(s, now)
		s = next
		actions = append(actions, acts...)
		if done {
			return s, actions
		}
	}
}

// step performs at most one transition; done reports a stable state.
func step(s Subscription, now time.Time) (Subscription, []Action, bool) {
	switch s.Status {
	case StatusIncomplete:
		if !now.Before(s.CurrentPeriodStart.Add(IncompleteExpiry)) {
			s.Status, s.CancelReason, s.CanceledAt = StatusCanceled, CancelIncompleteExpiry, now
			return s, []Action{{Kind: ActionCancel, InvoiceID: s.OpenInvoiceID, Reason: CancelIncompleteExpiry}}, true
		}
	case StatusActive, StatusTrialing:
		if now.Before(s.CurrentPeriodEnd) {
			return s, nil, true
		}
		if s.CancelAtPeriodEnd {
			return endAtPeriodEnd(s)
		}
		start := s.CurrentPeriodEnd
		end := PeriodEnd(s.Anchor, s.Plan, start)
		s.Status, s.CurrentPeriodStart, s.CurrentPeriodEnd = StatusActive, start, end
		return s, []Action{{Kind: ActionInvoicePeriod, PeriodStart: start, PeriodEnd: end, Seats: s.Seats}}, false
	case StatusPastDue:
		if s.CancelAtPeriodEnd && !now.Before(s.CurrentPeriodEnd) {
			return endAtPeriodEnd(s)
		}
		cancelAt := s.FirstFailureAt.Add(GracePeriod)
		if !now.Before(cancelAt) {
			s.Status, s.CancelReason, s.CanceledAt = StatusCanceled, CancelNonPayment, cancelAt
			return s, []Action{{Kind: ActionCancel, InvoiceID: s.OpenInvoiceID, Reason: CancelNonPayment}}, true
		}
		// Retries missed while nothing ran are skipped: one charge now is as
		// good as three in a row.
		due := s.Retries
		for due < len(RetryOffsets) && !now.Before(RetryAt(s.FirstFailureAt, due+1)) {
			due++
		}
		if due > s.Retries {
			s.Retries = due
			return s, []Action{{Kind: ActionRetryCharge, InvoiceID: s.OpenInvoiceID, Attempt: due + 1}}, true
		}
	}
	return s, nil, true
}

func endAtPeriodEnd(s Subscription) (Subscription, []Action, bool) {
	s.Status, s.CancelReason, s.CanceledAt = StatusCanceled, CancelRequested, s.CurrentPeriodEnd
	return s, []Action{{Kind: ActionCancel, InvoiceID: s.OpenInvoiceID, Reason: CancelRequested}}, true
}

// PaymentFailed records that charging invoiceID failed at now. The first
// failure of an active subscription starts dunning; a failed retry mails the
// admins again. A failed first payment leaves the subscription INCOMPLETE
// (there is no access to keep, the admin is paying interactively).
func PaymentFailed(s Subscription, invoiceID string, now time.Time) (Subscription, []Action) {
	now = now.UTC()
	switch s.Status {
	case StatusIncomplete:
		s.OpenInvoiceID = invoiceID
		return s, nil
	case StatusActive, StatusTrialing:
		s.Status, s.OpenInvoiceID, s.FirstFailureAt, s.Retries = StatusPastDue, invoiceID, now, 0
		return s, []Action{dunningMail(s, invoiceID)}
	case StatusPastDue:
		// Only one invoice is dunned at a time; a second one failing meanwhile
		// is reported but the schedule stays the first one's.
		return s, []Action{dunningMail(s, invoiceID)}
	}
	return s, nil
}

func dunningMail(s Subscription, invoiceID string) Action {
	return Action{
		Kind:        ActionSendDunningMail,
		InvoiceID:   invoiceID,
		Attempt:     s.Retries + 1,
		NextRetryAt: RetryAt(s.FirstFailureAt, s.Retries+1),
		CancelAt:    s.FirstFailureAt.Add(GracePeriod),
	}
}

// PaymentSucceeded records that invoiceID was paid at now: it activates an
// INCOMPLETE subscription, ends dunning when it is the dunned invoice, and
// re-activates a subscription cancelled for non-payment when it is the open
// invoice (see the package's dunning rule). Other payments change nothing.
// The returned actions include those of advancing to now.
func PaymentSucceeded(s Subscription, invoiceID string, now time.Time) (Subscription, []Action) {
	now = now.UTC()
	var actions []Action
	switch {
	case s.Status == StatusIncomplete:
		s.Status, s.OpenInvoiceID = StatusActive, ""
	case s.Status == StatusPastDue && invoiceID == s.OpenInvoiceID:
		s = clearDunning(s)
		s.Status = StatusActive
	case s.Status == StatusCanceled && s.CancelReason == CancelNonPayment && invoiceID == s.OpenInvoiceID:
		s = clearDunning(s)
		s.Status, s.CancelReason, s.CanceledAt, s.CancelAtPeriodEnd = StatusActive, "", time.Time{}, false
		if !now.Before(s.CurrentPeriodEnd) {
			start, end := PeriodAt(s.Anchor, s.Plan, now)
			s.CurrentPeriodStart, s.CurrentPeriodEnd = start, end
			actions = append(actions, Action{Kind: ActionInvoicePeriod, PeriodStart: start, PeriodEnd: end, Seats: s.Seats})
		}
		actions = append(actions, Action{Kind: ActionReactivate, Seats: s.Seats, PeriodEnd: s.CurrentPeriodEnd})
	default:
		return s, nil
	}
	s, more := Advance(s, now)
	return s, append(actions, more...)
}

func clearDunning(s Subscription) Subscription {
	s.OpenInvoiceID, s.FirstFailureAt, s.Retries = "", time.Time{}, 0
	return s
}
