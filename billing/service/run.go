package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/invoice"
)

// run is one use case's view of an organization's billing inside its
// transaction: the rows, the subscription state being moved by the billing
// rules, and the time. Actions returned by the rules are carried out by exec.
type run struct {
	s       *Service
	tx      *ent.Tx
	acct    *account
	now     time.Time
	st      billing.Subscription // meaningful when acct.sub != nil
	before  billing.Subscription
	ref     string // processor subscription reference
	version int64
	// declined is the failure message of the last declined charge, for the
	// caller to report.
	declined string
}

func (s *Service) newRun(ctx context.Context, tx *ent.Tx, a *account) (*run, error) {
	r := &run{s: s, tx: tx, acct: a, now: s.Clock.Now().UTC()}
	if a.sub == nil {
		return r, nil
	}
	open, err := openInvoice(ctx, tx.Client(), a.org.ID)
	if err != nil {
		return nil, err
	}
	r.st = stateOf(a.sub, open)
	r.before, r.ref = r.st, a.sub.ProcessorRef
	r.version = nextVersion(a.sub.StateVersion, r.now)
	return r, nil
}

// changed reports whether the state differs from the stored one.
func (r *run) changed() bool {
	return r.acct.sub != nil && (r.st != r.before || r.ref != r.acct.sub.ProcessorRef)
}

// save stores the subscription state when it changed.
func (r *run) save(ctx context.Context) error {
	if !r.changed() {
		return nil
	}
	if err := saveSubscription(ctx, r.tx, r.acct.sub.ID, r.st, r.ref, r.version); err != nil {
		return err
	}
	// Access may also have ended by the clock alone (a period ran out);
	// the change that records it is the one to announce.
	if hook := r.s.OnLapse; hook != nil && !billing.Entitled(r.st, r.now) {
		orgID := r.acct.org.ID
		r.tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				if err == nil {
					hook(ctx, orgID)
				}
				return err
			})
		})
	}
	return nil
}

func (r *run) client() *ent.Client { return r.tx.Client() }

func (r *run) subKey() string { return strconv.Itoa(r.acct.sub.ID) }

func (r *run) changeKey() string { return strconv.FormatInt(r.version, 10) }

// exec carries out actions in order. A charge's outcome is fed back into the
// state machine at once, and the actions that returns are carried out before
// the next one.
func (r *run) exec(ctx context.Context, acts []billing.Action) error {
	for _, a := range acts {
		if err := r.one(ctx, a); err != nil {
			return fmt.Errorf("%s: %w", a.Kind, err)
		}
	}
	return nil
}

func (r *run) one(ctx context.Context, a billing.Action) error {
	switch a.Kind {
	case billing.ActionInvoicePeriod:
		price, err := r.s.Prices.For(r.st.Plan)
		if err != nil {
			return err
		}
		line := billing.PeriodLine(r.st.Plan, price, a.Seats, a.PeriodStart, a.PeriodEnd)
		inv, err := r.issue(ctx, []billing.Line{line}, true, a.PeriodStart, a.PeriodEnd)
		if err != nil {
			return err
		}
		return r.collect(ctx, inv)
	case billing.ActionAddPendingLine:
		return r.addLine(ctx, nil, a.Line)
	case billing.ActionInvoiceProration:
		inv, err := r.issue(ctx, []billing.Line{a.Line}, false, a.Line.PeriodStart, a.Line.PeriodEnd)
		if err != nil {
			return err
		}
		return r.collect(ctx, inv)
	case billing.ActionUpdateSeats:
		if r.ref == "" {
			return nil
		}
		return r.s.Processor.UpdateSeats(ctx, billing.SeatsInput{SubRef: r.ref, Seats: a.Seats, Proration: a.Proration,
			IdempotencyKey: billing.SeatsKey(r.subKey(), r.changeKey())})
	case billing.ActionSetCancelAtPeriodEnd:
		if r.ref == "" {
			return nil
		}
		return r.s.Processor.CancelAtPeriodEnd(ctx, billing.CancelInput{SubRef: r.ref, Cancel: a.Cancel,
			IdempotencyKey: billing.CancelKey(r.subKey(), r.changeKey(), a.Cancel)})
	case billing.ActionRetryCharge:
		inv, err := r.invoiceByID(ctx, a.InvoiceID)
		if err != nil || inv == nil || inv.Status != invoice.StatusOPEN {
			// Paid (or voided) meanwhile, e.g. through a webhook: nothing to retry.
			return err
		}
		return r.collect(ctx, inv)
	case billing.ActionSendDunningMail:
		return r.dunningMail(ctx, a)
	case billing.ActionCancel:
		return r.ended(ctx, a)
	case billing.ActionReactivate:
		return r.notify(ctx, "Your Depot subscription is active again",
			fmt.Sprintf("Thank you for your payment. The subscription of %s is active again with %d seat(s); private packages and documentation are available.\n",
				r.acct.org.Name, a.Seats), "billing")
	}
	return fmt.Errorf("unknown billing action %q", a.Kind)
}

// collect charges inv and feeds the outcome to the state machine.
func (r *run) collect(ctx context.Context, inv *ent.Invoice) error {
	res, err := r.s.charge(ctx, r.tx, r.acct.profile, inv, r.now)
	if err != nil {
		return err
	}
	if r.acct.sub == nil {
		if !res.Succeeded {
			r.declined = res.FailureMessage
		}
		return nil
	}
	var more []billing.Action
	if res.Succeeded {
		r.st, more = billing.PaymentSucceeded(r.st, invoiceID(inv), r.now)
	} else {
		r.declined = res.FailureMessage
		r.st, more = billing.PaymentFailed(r.st, invoiceID(inv), r.now)
	}
	return r.exec(ctx, more)
}

func (r *run) invoiceByID(ctx context.Context, id string) (*ent.Invoice, error) {
	n, err := strconv.Atoi(id)
	if err != nil {
		return nil, fmt.Errorf("invoice id %q: %w", id, err)
	}
	inv, err := r.client().Invoice.Query().Where(invoice.ID(n), invoice.OrganizationID(r.acct.org.ID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load invoice %d: %w", n, err)
	}
	return inv, nil
}

// ended handles the end of a subscription. An INCOMPLETE subscription that
// expired never started: its first invoice is voided so it cannot be paid
// later by mistake. After non-payment the invoice stays open, because
// paying it restores the subscription.
func (r *run) ended(ctx context.Context, a billing.Action) error {
	switch a.Reason {
	case billing.CancelIncompleteExpiry:
		if a.InvoiceID != "" {
			inv, err := r.invoiceByID(ctx, a.InvoiceID)
			if err != nil {
				return err
			}
			if inv != nil && inv.Status == invoice.StatusOPEN {
				if err := r.tx.Invoice.UpdateOne(inv).SetStatus(invoice.StatusVOID).Exec(ctx); err != nil {
					return fmt.Errorf("void invoice %s: %w", inv.Number, err)
				}
			}
		}
		return nil
	case billing.CancelNonPayment:
		number := ""
		if inv, err := r.invoiceByID(ctx, a.InvoiceID); err != nil {
			return err
		} else if inv != nil {
			number = inv.Number
		}
		return r.notify(ctx, "Your Depot subscription was cancelled for non-payment",
			fmt.Sprintf("We could not collect invoice %s within 15 days, so the subscription of %s is cancelled and its private packages and documentation are no longer available. Your data is kept for at least 90 days: pay invoice %s to restore the subscription and access.\n",
				number, r.acct.org.Name, number), "dunning")
	}
	return r.notify(ctx, "Your Depot subscription has ended",
		fmt.Sprintf("The subscription of %s ended on %s as requested. Your data is kept for at least 90 days; start a subscription again at any time.\n",
			r.acct.org.Name, r.st.CanceledAt.Format(time.DateOnly)), "billing")
}

func (r *run) dunningMail(ctx context.Context, a billing.Action) error {
	inv, err := r.invoiceByID(ctx, a.InvoiceID)
	if err != nil || inv == nil {
		return err
	}
	next := "No further attempt will be made."
	if !a.NextRetryAt.IsZero() {
		next = "We will try again on " + a.NextRetryAt.Format(time.DateOnly) + "."
	}
	return r.notify(ctx, "Payment of Depot invoice "+inv.Number+" failed",
		fmt.Sprintf("We could not charge %s for invoice %s (%s). %s Unless the invoice is paid, the subscription of %s is cancelled on %s and private packages become unavailable.\n",
			money(inv.TotalCents, inv.Currency), inv.Number, r.declined, next, r.acct.org.Name, a.CancelAt.Format(time.DateOnly)), "dunning")
}
