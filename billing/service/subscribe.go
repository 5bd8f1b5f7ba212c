package service

import (
	"context"
	"fmt"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent/subscription"
)

// Start subscribes the organization to plan with seats seats (at least the
// number of members). The billing day is now. The first period is invoiced
// and charged at once; when the charge is declined the subscription stays
// INCOMPLETE, without private access, until the open invoice is paid
// (PayInvoice) or it expires (billing.IncompleteExpiry). A decline is not an
// error: the returned Billing shows the status and the open invoice.
func (s *Service) Start(ctx context.Context, orgName string, plan billing.Plan, seats int) (*Billing, error) {
	_, err := s.mutate(ctx, orgName, "billing.start", func(ctx context.Context, r *run) (map[string]any, error) {
		if r.acct.sub != nil && r.st.Status != billing.StatusCanceled {
			return nil, apperr.New(apperr.Conflict, "%s already has a %s subscription", orgName, r.st.Status)
		}
		if r.acct.profile.Country == "" || r.acct.profile.Name == "" {
			return nil, apperr.Invalid("country", "complete the billing profile (name and country) before subscribing")
		}
		n, err := members(ctx, r.client(), r.acct.org.ID)
		if err != nil {
			return nil, err
		}
		st, acts, err := billing.Start(plan, seats, n, r.now)
		if err != nil {
			field := "seats"
			if !plan.Valid() {
				field = "plan"
			}
			return nil, domainErr(err, field)
		}
		customer, err := r.ensureCustomer(ctx)
		if err != nil {
			return nil, err
		}
		// A cancelled subscription's row is reused (one per organization);
		// its invoices stay.
		if r.acct.sub == nil {
			row, err := r.tx.Subscription.Create().SetOrganizationID(r.acct.org.ID).
				SetPlan(subscription.Plan(st.Plan)).SetSeats(st.Seats).SetStatus(subscription.Status(st.Status)).
				SetAnchor(st.Anchor).SetCurrentPeriodStart(st.CurrentPeriodStart).SetCurrentPeriodEnd(st.CurrentPeriodEnd).
				SetStateVersion(r.now.Unix()).Save(ctx)
			if err != nil {
				return nil, fmt.Errorf("create subscription: %w", err)
			}
			r.acct.sub, r.version = row, nextVersion(row.StateVersion, r.now)
		}
		r.st, r.ref = st, ""
		if r.ref, err = s.Processor.CreateSubscription(ctx, billing.SubscriptionInput{
			CustomerRef: customer, Plan: st.Plan, Seats: st.Seats, Anchor: st.Anchor,
			IdempotencyKey: billing.SubscriptionKey(r.subKey(), int(r.version)),
		}); err != nil {
			return nil, fmt.Errorf("processor subscription: %w", err)
		}
		if err := r.exec(ctx, acts); err != nil {
			return nil, err
		}
		return map[string]any{"plan": string(plan), "seats": seats, "status": string(r.st.Status)}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.Billing(ctx, orgName)
}

// running loads the run's subscription or refuses when there is none.
func (r *run) running() error {
	if r.acct.sub == nil {
		return apperr.New(apperr.Conflict, "%s has no subscription; start one first", r.acct.org.Name)
	}
	return nil
}

// ChangeSeats sets the number of seats. Increases are prorated: on the
// monthly plan a pending line goes on the next invoice, on the annual plan
// the proration is invoiced and charged at once. Decreases apply at once
// without credit. Fewer seats than members, or fewer than one, is
// BAD_USER_INPUT.
func (s *Service) ChangeSeats(ctx context.Context, orgName string, seats int) (*Billing, error) {
	_, err := s.mutate(ctx, orgName, "billing.change_seats", func(ctx context.Context, r *run) (map[string]any, error) {
		if err := r.running(); err != nil {
			return nil, err
		}
		n, err := members(ctx, r.client(), r.acct.org.ID)
		if err != nil {
			return nil, err
		}
		from := r.st.Seats
		st, acts, err := billing.ChangeSeats(r.st, seats, n, s.Prices, r.now)
		if err != nil {
			return nil, domainErr(err, "seats")
		}
		r.st = st
		if err := r.exec(ctx, acts); err != nil {
			return nil, err
		}
		return map[string]any{"from": from, "to": seats}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.Billing(ctx, orgName)
}

// Preview is what a seat change would cost, computed exactly as ChangeSeats
// would, without changing anything.
type Preview struct {
	Seats int
	// Line is the proration line; zero when nothing is charged (a decrease,
	// no change, a trial).
	Line billing.Line
	// Totals are the line's figures with the VAT of the billing profile.
	Totals billing.Totals
	// ChargedNow: the annual plan invoices and charges the line at once.
	ChargedNow bool
	// OnNextInvoice: the monthly plan adds the line to the next invoice.
	OnNextInvoice bool
}

// PreviewSeatChange computes the effect of ChangeSeats(seats) now.
func (s *Service) PreviewSeatChange(ctx context.Context, orgName string, seats int) (Preview, error) {
	a, err := load(ctx, s.DB, orgName, false)
	if err != nil {
		return Preview{}, err
	}
	if a.sub == nil {
		return Preview{}, apperr.New(apperr.Conflict, "%s has no subscription; start one first", orgName)
	}
	n, err := members(ctx, s.DB, a.org.ID)
	if err != nil {
		return Preview{}, err
	}
	_, acts, err := billing.ChangeSeats(stateOf(a.sub, nil), seats, n, s.Prices, s.Clock.Now())
	if err != nil {
		return Preview{}, domainErr(err, "seats")
	}
	p := Preview{Seats: seats}
	for _, act := range acts {
		if act.Kind != billing.ActionAddPendingLine && act.Kind != billing.ActionInvoiceProration {
			continue
		}
		p.Line = act.Line
		p.ChargedNow = act.Kind == billing.ActionInvoiceProration
		p.OnNextInvoice = act.Kind == billing.ActionAddPendingLine
		if p.Totals, err = billing.ComputeInvoice(s.Seller, buyerOf(a.profile), []billing.Line{act.Line}); err != nil {
			return Preview{}, domainErr(err, "")
		}
	}
	if !p.ChargedNow && !p.OnNextInvoice {
		cur := s.Prices.Monthly.Currency
		zero := billing.Money{Currency: cur}
		p.Totals = billing.Totals{Subtotal: zero, VAT: zero, Total: zero, Currency: cur}
	}
	return p, nil
}

// Cancel ends the subscription at the end of the paid period; the
// organization keeps access until then. An INCOMPLETE subscription ends at
// once.
func (s *Service) Cancel(ctx context.Context, orgName string) (*Billing, error) {
	return s.transition(ctx, orgName, "billing.cancel", billing.Cancel)
}

// Resume withdraws a cancellation before the period ends.
func (s *Service) Resume(ctx context.Context, orgName string) (*Billing, error) {
	return s.transition(ctx, orgName, "billing.resume", billing.Resume)
}

func (s *Service) transition(ctx context.Context, orgName, action string,
	rule func(billing.Subscription, time.Time) (billing.Subscription, []billing.Action, error)) (*Billing, error) {
	_, err := s.mutate(ctx, orgName, action, func(ctx context.Context, r *run) (map[string]any, error) {
		if err := r.running(); err != nil {
			return nil, err
		}
		st, acts, err := rule(r.st, r.now)
		if err != nil {
			return nil, domainErr(err, "")
		}
		r.st = st
		if err := r.exec(ctx, acts); err != nil {
			return nil, err
		}
		return map[string]any{"period_end": r.st.CurrentPeriodEnd.Format(time.RFC3339)}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.Billing(ctx, orgName)
}
