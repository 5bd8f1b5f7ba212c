// Package processortest is the conformance suite every billing.Processor
// implementation must pass, as distribution's storage drivers share one
// suite: the in-process processor and the Stripe adapter (against
// stripe-mock) run the same cases.
//
// stripe-mock is stateless (it answers with fixtures and stores nothing), so
// the suite cannot read a result back from the payment service. It asserts
// what both can honour: calls succeed, references are non-empty, invalid
// input is refused before any request is made, and what each call sent
// (Sent: the operation, its idempotency key and the figures that matter),
// which each implementation's harness reports from what really went out. A
// processor that answers without sending anything fails. Behaviour that
// needs state (declines, idempotent replays) is tested in each
// implementation's own tests.
package processortest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/depot-registry/depot/billing"
)

// Sent is one change a processor asked of its payment service, in the
// suite's terms. Op is "customer", "subscription", "seats", "cancel" or
// "charge"; the other fields are those the operation carries.
type Sent struct {
	Op             string
	IdempotencyKey string
	Email          string // customer
	Seats          int    // subscription, seats
	Cancel         bool   // cancel
	Cents          int64  // charge
}

// Harness is one processor under test and what it has sent.
type Harness struct {
	Processor billing.Processor
	// Sent lists the changes sent since the harness was made, in order,
	// translated from what really went out (recorded calls, HTTP requests);
	// lookups that change nothing are left out.
	Sent func() []Sent
}

// Run runs the suite. newHarness returns a fresh processor for each case.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Helper()
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, newHarness(t)) })
	t.Run("InvalidInput", func(t *testing.T) { testInvalidInput(t, newHarness(t).Processor) })
}

// anchor is a fixed instant, in the future of any test clock, so that
// subscriptions start later as after a trial.
var anchor = time.Date(2030, 1, 15, 12, 0, 0, 0, time.UTC)

func testLifecycle(t *testing.T, h Harness) {
	ctx := context.Background()
	p := h.Processor
	var want []Sent
	customers := []billing.CustomerInput{
		{OrgID: "org-1", Name: "Acme GmbH", Email: "billing@acme.example", Country: "DE", VATNumber: "DE123456789"},
		{OrgID: "org-2", Name: "Jane Doe", Email: "jane@example.com", Country: "US"},
		{OrgID: "org-3", Name: "Olympos AE", Email: "ap@olympos.example", Country: "GR", VATNumber: "EL094259216"},
	}
	for i, c := range customers {
		c.IdempotencyKey = billing.CustomerKey(c.OrgID, 1)
		want = append(want, Sent{Op: "customer", IdempotencyKey: c.IdempotencyKey, Email: c.Email})
		cus, err := p.EnsureCustomer(ctx, c)
		if err != nil || cus == "" {
			t.Fatalf("EnsureCustomer(%s) = %q, %v; want a reference", c.OrgID, cus, err)
		}
		// Saving the profile again updates the same customer.
		c.CustomerRef, c.IdempotencyKey, c.Email = cus, billing.CustomerKey(c.OrgID, 2), "new-"+c.Email
		want = append(want, Sent{Op: "customer", IdempotencyKey: c.IdempotencyKey, Email: c.Email})
		again, err := p.EnsureCustomer(ctx, c)
		if err != nil || again == "" {
			t.Fatalf("EnsureCustomer(update %s) = %q, %v; want a reference", cus, again, err)
		}

		plan := []billing.Plan{billing.Monthly, billing.Annual}[i%2]
		subKey := billing.SubscriptionKey(fmt.Sprintf("sub-%d", i), 1)
		want = append(want, Sent{Op: "subscription", IdempotencyKey: subKey, Seats: 3})
		sub, err := p.CreateSubscription(ctx, billing.SubscriptionInput{
			CustomerRef: cus, Plan: plan, Seats: 3, Anchor: anchor, IdempotencyKey: subKey,
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
			key := billing.SeatsKey(sub, fmt.Sprint(j))
			want = append(want, Sent{Op: "seats", IdempotencyKey: key, Seats: s.seats})
			err := p.UpdateSeats(ctx, billing.SeatsInput{SubRef: sub, Seats: s.seats, Proration: s.how, IdempotencyKey: key})
			if err != nil {
				t.Errorf("UpdateSeats(%d, %s): %v", s.seats, s.how, err)
			}
		}
		for j, cancel := range []bool{true, false} {
			key := billing.CancelKey(sub, fmt.Sprint(j), cancel)
			want = append(want, Sent{Op: "cancel", IdempotencyKey: key, Cancel: cancel})
			err := p.CancelAtPeriodEnd(ctx, billing.CancelInput{SubRef: sub, Cancel: cancel, IdempotencyKey: key})
			if err != nil {
				t.Errorf("CancelAtPeriodEnd(%t): %v", cancel, err)
			}
		}
		chargeKey := billing.ChargeKey(fmt.Sprintf("inv-%d", i), 1)
		want = append(want, Sent{Op: "charge", IdempotencyKey: chargeKey, Cents: 4165 + int64(i)})
		res, err := p.Charge(ctx, billing.ChargeInput{
			InvoiceID: fmt.Sprintf("inv-%d", i), InvoiceNumber: billing.FormatInvoiceNumber("acme", i+1),
			CustomerRef: cus, Amount: billing.Cents(4165 + int64(i)), IdempotencyKey: chargeKey,
		})
		if err != nil || res.Ref == "" {
			t.Errorf("Charge = %+v, %v; want a payment reference", res, err)
		}
		if !res.Succeeded && res.FailureMessage == "" {
			t.Errorf("Charge failed without a message: %+v", res)
		}
	}
	got := h.Sent()
	if len(got) != len(want) {
		t.Fatalf("the processor sent %d changes, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d sent: %+v, want %+v", i, got[i], want[i])
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
