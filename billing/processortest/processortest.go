// Package processortest is the conformance suite every billing.Processor
// implementation must pass, as distribution's storage drivers share one
// suite: the in-process processor and the Stripe adapter (against
// stripe-mock) run the same cases.
//
// stripe-mock is stateless (it answers with fixtures and stores nothing), so
// the suite asserts only what both can honour: calls succeed, references are
// non-empty, and invalid input is refused before any request is made.
// Behaviour that needs state (declines, idempotent replays, seat counts) is
// tested in each implementation's own tests.
package processortest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/depot-registry/depot/billing"
)

// Run runs the suite. newProcessor returns a fresh processor for each case.
func Run(t *testing.T, newProcessor func(t *testing.T) billing.Processor) {
	t.Helper()
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, newProcessor(t)) })
	t.Run("InvalidInput", func(t *testing.T) { testInvalidInput(t, newProcessor(t)) })
}

// anchor is a fixed instant, in the future of any test clock, so that
// subscriptions start later as after a trial.
var anchor = time.Date(2030, 1, 15, 12, 0, 0, 0, time.UTC)

func testLifecycle(t *testing.T, p billing.Processor) {
	ctx := context.Background()
	customers := []billing.CustomerInput{
		{OrgID: "org-1", Name: "Acme GmbH", Email: "billing@acme.example", Country: "DE", VATNumber: "DE123456789"},
		{OrgID: "org-2", Name: "Jane Doe", Email: "jane@example.com", Country: "US"},
		{OrgID: "org-3", Name: "Olympos AE", Email: "ap@olympos.example", Country: "GR", VATNumber: "EL094259216"},
	}
	for i, c := range customers {
		c.IdempotencyKey = billing.CustomerKey(c.OrgID, 1)
		cus, err := p.EnsureCustomer(ctx, c)
		if err != nil || cus == "" {
			t.Fatalf("EnsureCustomer(%s) = %q, %v; want a reference", c.OrgID, cus, err)
		}
		// Saving the profile again updates the same customer.
		c.CustomerRef, c.IdempotencyKey, c.Email = cus, billing.CustomerKey(c.OrgID, 2), "new-"+c.Email
		again, err := p.EnsureCustomer(ctx, c)
		if err != nil || again == "" {
			t.Fatalf("EnsureCustomer(update %s) = %q, %v; want a reference", cus, again, err)
		}

		plan := []billing.Plan{billing.Monthly, billing.Annual}[i%2]
		sub, err := p.CreateSubscription(ctx, billing.SubscriptionInput{
			CustomerRef: cus, Plan: plan, Seats: 3, Anchor: anchor,
			IdempotencyKey: billing.SubscriptionKey(fmt.Sprintf("sub-%d", i), 1),
		})
		if err != nil || sub == "" {
			t.Fatalf("CreateSubscription(%s) = %q, %v; want a reference", plan, sub, err)
		}
		seats := []struct {
			seats int
			how   billing.ProrationBehavior
		}{
			{5, billing.ProrationFor(plan, 3, 5)},
			{2, billing.ProrationFor(plan, 5, 2)},
		}
		for j, s := range seats {
			err := p.UpdateSeats(ctx, billing.SeatsInput{SubRef: sub, Seats: s.seats, Proration: s.how,
				IdempotencyKey: billing.SeatsKey(sub, fmt.Sprint(j))})
			if err != nil {
				t.Errorf("UpdateSeats(%d, %s): %v", s.seats, s.how, err)
			}
		}
		for j, cancel := range []bool{true, false} {
			err := p.CancelAtPeriodEnd(ctx, billing.CancelInput{SubRef: sub, Cancel: cancel,
				IdempotencyKey: billing.CancelKey(sub, fmt.Sprint(j), cancel)})
			if err != nil {
				t.Errorf("CancelAtPeriodEnd(%t): %v", cancel, err)
			}
		}
		res, err := p.Charge(ctx, billing.ChargeInput{
			InvoiceID: fmt.Sprintf("inv-%d", i), InvoiceNumber: billing.FormatInvoiceNumber("acme", i+1),
			CustomerRef: cus, Amount: billing.Cents(4165), IdempotencyKey: billing.ChargeKey(fmt.Sprintf("inv-%d", i), 1),
		})
		if err != nil || res.Ref == "" {
			t.Errorf("Charge = %+v, %v; want a payment reference", res, err)
		}
		if !res.Succeeded && res.FailureMessage == "" {
			t.Errorf("Charge failed without a message: %+v", res)
		}
	}
}

func testInvalidInput(t *testing.T, p billing.Processor) {
	ctx := context.Background()
	customer := billing.CustomerInput{OrgID: "org-1", Name: "Acme", Email: "a@acme.example", Country: "FR", IdempotencyKey: "k"}
	sub := billing.SubscriptionInput{CustomerRef: "cus_1", Plan: billing.Monthly, Seats: 1, Anchor: anchor, IdempotencyKey: "k"}
	seats := billing.SeatsInput{SubRef: "sub_1", Seats: 2, Proration: billing.ProrateOnNextInvoice, IdempotencyKey: "k"}
	charge := billing.ChargeInput{InvoiceID: "inv-1", CustomerRef: "cus_1", Amount: billing.Cents(700), IdempotencyKey: "k"}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"customer without idempotency key", func() error {
			c := customer
			c.IdempotencyKey = ""
			_, err := p.EnsureCustomer(ctx, c)
			return err
		}, billing.ErrInvalidInput},
		{"customer without org id", func() error {
			c := customer
			c.OrgID = ""
			_, err := p.EnsureCustomer(ctx, c)
			return err
		}, billing.ErrInvalidInput},
		{"customer with another country's VAT number", func() error {
			c := customer
			c.VATNumber = "DE123456789"
			_, err := p.EnsureCustomer(ctx, c)
			return err
		}, billing.ErrInvalidVATNumber},
		{"subscription with unknown plan", func() error {
			s := sub
			s.Plan = "WEEKLY"
			_, err := p.CreateSubscription(ctx, s)
			return err
		}, billing.ErrInvalidInput},
		{"subscription with no seats", func() error {
			s := sub
			s.Seats = 0
			_, err := p.CreateSubscription(ctx, s)
			return err
		}, billing.ErrInvalidInput},
		{"subscription without customer", func() error {
			s := sub
			s.CustomerRef = ""
			_, err := p.CreateSubscription(ctx, s)
			return err
		}, billing.ErrInvalidInput},
		{"seats below one", func() error {
			s := seats
			s.Seats = 0
			return p.UpdateSeats(ctx, s)
		}, billing.ErrInvalidInput},
		{"unknown proration behavior", func() error {
			s := seats
			s.Proration = "sometimes"
			return p.UpdateSeats(ctx, s)
		}, billing.ErrInvalidInput},
		{"cancel without subscription", func() error {
			return p.CancelAtPeriodEnd(ctx, billing.CancelInput{Cancel: true, IdempotencyKey: "k"})
		}, billing.ErrInvalidInput},
		{"charge of zero", func() error {
			c := charge
			c.Amount = billing.Cents(0)
			_, err := p.Charge(ctx, c)
			return err
		}, billing.ErrInvalidInput},
		{"charge without idempotency key", func() error {
			c := charge
			c.IdempotencyKey = ""
			_, err := p.Charge(ctx, c)
			return err
		}, billing.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
