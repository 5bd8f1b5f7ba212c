package service

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/billing"
)

// ChangePlan switches a monthly subscription to the annual plan.
//
// The rule, chosen because it needs no pending state and is easy to check on
// the invoice: the switch happens immediately. The annual plan starts now
// (the billing day becomes today's date), and one invoice, charged at once,
// carries the full first year for the current seats, a credit for the unused
// part of the current monthly period (prorated by the second, exactly like a
// seat increase, and never more than what was paid for it), and the monthly
// prorations still pending for this period. Switching back from annual to
// monthly would credit more than a month costs, which would need a refund;
// it is refused: cancel at period end and start a monthly subscription
// instead.
func (s *Service) ChangePlan(ctx context.Context, orgName string, plan billing.Plan) (*Billing, error) {
	if !plan.Valid() {
		return nil, apperr.Invalid("plan", "unknown plan %q (want MONTHLY or ANNUAL)", plan)
	}
	_, err := s.mutate(ctx, orgName, "billing.change_plan", func(ctx context.Context, r *run) (map[string]any, error) {
		if err := r.running(); err != nil {
			return nil, err
		}
		from := r.st.Plan
		switch {
		case from == plan:
			return nil, apperr.Invalid("plan", "the subscription is already on the %s plan", plan)
		case plan != billing.Annual:
			return nil, apperr.New(apperr.Conflict, "an annual subscription cannot switch to monthly; cancel it at period end and start a monthly one")
		case r.st.Status != billing.StatusActive || r.st.CancelAtPeriodEnd || !r.now.Before(r.st.CurrentPeriodEnd):
			return nil, apperr.New(apperr.Conflict, "only an active subscription that is not being cancelled can switch plans")
		}
		oldPrice, err := s.Prices.For(from)
		if err != nil {
			return nil, err
		}
		newPrice, err := s.Prices.For(plan)
		if err != nil {
			return nil, err
		}
		credit, err := billing.Prorate(oldPrice, r.st.Seats, r.st.CurrentPeriodStart, r.st.CurrentPeriodEnd, r.now)
		if err != nil {
			return nil, domainErr(err, "")
		}
		credit.Description = fmt.Sprintf("Credit for unused %s plan time, %d seat(s), %s to %s",
			"monthly", r.st.Seats, credit.PeriodStart.Format("2006-01-02"), credit.PeriodEnd.Format("2006-01-02"))
		credit.UnitAmount.Cents, credit.Amount.Cents, credit.Proration = -credit.UnitAmount.Cents, -credit.Amount.Cents, false

		start := r.now
		end := billing.PeriodEnd(start, plan, start)
		year := billing.PeriodLine(plan, newPrice, r.st.Seats, start, end)

		// The processor's mirror follows: the monthly one ends with its
		// period, an annual one starts now.
		oldRef := r.ref
		if oldRef != "" {
			if err := s.Processor.CancelAtPeriodEnd(ctx, billing.CancelInput{SubRef: oldRef, Cancel: true,
				IdempotencyKey: billing.CancelKey(r.subKey(), r.changeKey(), true)}); err != nil {
				return nil, fmt.Errorf("end monthly processor subscription: %w", err)
			}
		}
		if r.ref, err = s.Processor.CreateSubscription(ctx, billing.SubscriptionInput{
			CustomerRef: r.acct.profile.ProcessorCustomerRef, Plan: plan, Seats: r.st.Seats, Anchor: start,
			IdempotencyKey: billing.SubscriptionKey(r.subKey(), int(r.version)),
		}); err != nil {
			return nil, fmt.Errorf("processor subscription: %w", err)
		}
		r.st.Plan, r.st.Anchor, r.st.CurrentPeriodStart, r.st.CurrentPeriodEnd = plan, start, start, end
		inv, err := r.issue(ctx, []billing.Line{year, credit}, true, start, end)
		if err != nil {
			return nil, err
		}
		if err := r.collect(ctx, inv); err != nil {
			return nil, err
		}
		return map[string]any{"from": string(from), "to": string(plan), "invoice": inv.Number}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.Billing(ctx, orgName)
}
