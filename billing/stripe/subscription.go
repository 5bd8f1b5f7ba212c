package stripe

import (
	"context"
	"fmt"
	"strings"

	"github.com/depot-registry/depot/billing"
	stripego "github.com/stripe/stripe-go/v76"
)

// daysUntilDue is the due date Stripe prints on the mirror subscription's
// invoices; it matches Depot's grace period.
const daysUntilDue = int64(billing.GracePeriod / (24 * 60 * 60 * 1e9))

// CreateSubscription implements billing.Processor. An anchor in the future
// becomes billing_cycle_anchor with no proration for the stub (the time
// before it is a free trial); an anchor now or past is the default anchor.
func (p *Processor) CreateSubscription(ctx context.Context, in billing.SubscriptionInput) (string, error) {
	if err := in.Validate(); err != nil {
		return "", fmt.Errorf("create subscription: %w", err)
	}
	price, err := p.price(ctx, in.Plan)
	if err != nil {
		return "", err
	}
	params := &stripego.SubscriptionParams{
		Params:           stripego.Params{Context: ctx},
		Customer:         stripego.String(in.CustomerRef),
		Items:            []*stripego.SubscriptionItemsParams{{Price: stripego.String(price), Quantity: stripego.Int64(int64(in.Seats))}},
		CollectionMethod: stripego.String(string(stripego.SubscriptionCollectionMethodSendInvoice)),
		DaysUntilDue:     stripego.Int64(daysUntilDue),
	}
	if in.Anchor.After(p.cfg.Clock.Now()) {
		params.BillingCycleAnchor = stripego.Int64(in.Anchor.Unix())
		params.ProrationBehavior = stripego.String(string(billing.ProrateNone))
	}
	params.AddMetadata("depot_plan", string(in.Plan))
	params.SetIdempotencyKey(in.IdempotencyKey)
	s, err := p.api.Subscriptions.New(params)
	if err != nil {
		return "", wrap("create subscription", err)
	}
	return s.ID, nil
}

// UpdateSeats implements billing.Processor: the subscription's only item gets
// the new quantity, prorated as asked (see billing.ProrationFor).
func (p *Processor) UpdateSeats(ctx context.Context, in billing.SeatsInput) error {
	if err := in.Validate(); err != nil {
		return fmt.Errorf("update seats: %w", err)
	}
	s, err := p.api.Subscriptions.Get(in.SubRef, &stripego.SubscriptionParams{Params: stripego.Params{Context: ctx}})
	if err != nil {
		return wrap("get subscription", err)
	}
	if s.Items == nil || len(s.Items.Data) == 0 {
		return fmt.Errorf("stripe subscription %s has no item to set seats on: %w", in.SubRef, billing.ErrConflict)
	}
	params := &stripego.SubscriptionParams{
		Params:            stripego.Params{Context: ctx},
		Items:             []*stripego.SubscriptionItemsParams{{ID: stripego.String(s.Items.Data[0].ID), Quantity: stripego.Int64(int64(in.Seats))}},
		ProrationBehavior: stripego.String(string(in.Proration)),
	}
	params.SetIdempotencyKey(in.IdempotencyKey)
	if _, err := p.api.Subscriptions.Update(in.SubRef, params); err != nil {
		return wrap("update seats", err)
	}
	return nil
}

// CancelAtPeriodEnd implements billing.Processor.
func (p *Processor) CancelAtPeriodEnd(ctx context.Context, in billing.CancelInput) error {
	if err := in.Validate(); err != nil {
		return fmt.Errorf("cancel at period end: %w", err)
	}
	params := &stripego.SubscriptionParams{
		Params:            stripego.Params{Context: ctx},
		CancelAtPeriodEnd: stripego.Bool(in.Cancel),
	}
	params.SetIdempotencyKey(in.IdempotencyKey)
	if _, err := p.api.Subscriptions.Update(in.SubRef, params); err != nil {
		return wrap("cancel at period end", err)
	}
	return nil
}

// lookupKey names the Stripe price of a plan at its configured amount.
// Stripe prices are immutable, so a changed price gets a new key and a new
// Stripe price; existing subscriptions keep theirs until migrated.
func (p *Processor) lookupKey(plan billing.Plan) (string, billing.Money, error) {
	m, err := p.cfg.Prices.For(plan)
	if err != nil {
		return "", billing.Money{}, err
	}
	return fmt.Sprintf("depot_seat_%s_%s_%d", strings.ToLower(string(plan)), strings.ToLower(m.Currency), m.Cents), m, nil
}

// price returns the id of the plan's per-seat price, looked up by lookup key
// and created (idempotently, keyed by the lookup key) when missing.
func (p *Processor) price(ctx context.Context, plan billing.Plan) (string, error) {
	key, amount, err := p.lookupKey(plan)
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	id, ok := p.prices[key]
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	list := &stripego.PriceListParams{ListParams: stripego.ListParams{Context: ctx}, LookupKeys: []*string{stripego.String(key)}}
	list.Limit = stripego.Int64(1)
	it := p.api.Prices.List(list)
	if it.Next() {
		id = it.Price().ID
	} else if err := it.Err(); err != nil {
		return "", wrap("look up price", err)
	} else {
		interval := stripego.PriceRecurringIntervalMonth
		if plan == billing.Annual {
			interval = stripego.PriceRecurringIntervalYear
		}
		params := &stripego.PriceParams{
			Params:      stripego.Params{Context: ctx},
			Currency:    stripego.String(strings.ToLower(amount.Currency)),
			UnitAmount:  stripego.Int64(amount.Cents),
			LookupKey:   stripego.String(key),
			Recurring:   &stripego.PriceRecurringParams{Interval: stripego.String(string(interval))},
			ProductData: &stripego.PriceProductDataParams{Name: stripego.String(p.cfg.ProductName)},
			TaxBehavior: stripego.String(string(stripego.PriceTaxBehaviorExclusive)),
		}
		params.SetIdempotencyKey("price-" + key)
		pr, err := p.api.Prices.New(params)
		if err != nil {
			return "", wrap("create price", err)
		}
		id = pr.ID
	}
	p.mu.Lock()
	p.prices[key] = id
	p.mu.Unlock()
	return id, nil
}
