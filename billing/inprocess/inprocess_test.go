package inprocess

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/processortest"
)

func TestConformance(t *testing.T) {
	processortest.Run(t, func(*testing.T) processortest.Harness {
		p := New()
		return processortest.Harness{Processor: p, Sent: func() []processortest.Sent { return sent(p.Calls()) }}
	})
}

// sent translates the recorded calls into the suite's terms; replays
// changed nothing.
func sent(calls []Call) []processortest.Sent {
	var out []processortest.Sent
	for _, c := range calls {
		if c.Replayed {
			continue
		}
		s := processortest.Sent{IdempotencyKey: c.IdempotencyKey}
		switch in := c.Input.(type) {
		case billing.CustomerInput:
			s.Op, s.Email = "customer", in.Email
		case billing.SubscriptionInput:
			s.Op, s.Seats = "subscription", in.Seats
		case billing.SeatsInput:
			s.Op, s.Seats = "seats", in.Seats
		case billing.CancelInput:
			s.Op, s.Cancel = "cancel", in.Cancel
		case billing.ChargeInput:
			s.Op, s.Cents = "charge", in.Amount.Cents
		default:
			s.Op = c.Method
		}
		out = append(out, s)
	}
	return out
}

func setup(t *testing.T) (*Processor, string, string) {
	t.Helper()
	p := New()
	ctx := context.Background()
	cus, err := p.EnsureCustomer(ctx, billing.CustomerInput{OrgID: "o1", Name: "Acme", Email: "a@b.c", Country: "SE", IdempotencyKey: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := p.CreateSubscription(ctx, billing.SubscriptionInput{CustomerRef: cus, Plan: billing.Monthly, Seats: 2, Anchor: time.Unix(1, 0), IdempotencyKey: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	return p, cus, sub
}

func TestFailNext(t *testing.T) {
	p, cus, _ := setup(t)
	p.FailNext(2)
	want := []bool{false, false, true, true}
	for i, ok := range want {
		res, err := p.Charge(context.Background(), billing.ChargeInput{
			InvoiceID: "inv", CustomerRef: cus, Amount: billing.Cents(700), IdempotencyKey: billing.ChargeKey("inv", i+1),
		})
		if err != nil {
			t.Fatalf("charge %d: %v", i+1, err)
		}
		if res.Succeeded != ok || (res.FailureMessage == "") != ok {
			t.Errorf("charge %d = %+v, want succeeded %t", i+1, res, ok)
		}
	}
}

func TestDeterministicRefsAndIdempotency(t *testing.T) {
	p, cus, sub := setup(t)
	if cus != "cus_inproc_0001" || sub != "sub_inproc_0001" {
		t.Errorf("refs %q %q, want cus_inproc_0001 sub_inproc_0001", cus, sub)
	}
	ctx := context.Background()
	in := billing.ChargeInput{InvoiceID: "inv", CustomerRef: cus, Amount: billing.Cents(700), IdempotencyKey: "invoice-inv-attempt-1"}
	first, err := p.Charge(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// A replay with the same key returns the first result even if declines
	// are now requested: the payment was already made.
	p.FailNext(1)
	again, err := p.Charge(ctx, in)
	if err != nil || again != first || first.Ref != "pay_inproc_0001" {
		t.Errorf("replay = %+v, %v; want %+v", again, err, first)
	}
	calls := p.Calls()
	if last := calls[len(calls)-1]; !last.Replayed || last.Method != "Charge" {
		t.Errorf("last call %+v, want a replayed Charge", last)
	}
	if _, err := p.EnsureCustomer(ctx, billing.CustomerInput{OrgID: "o1", Name: "A", Email: "a@b.c", Country: "SE", IdempotencyKey: in.IdempotencyKey}); !errors.Is(err, billing.ErrInvalidInput) {
		t.Errorf("key reused for another method: err = %v", err)
	}
}

func TestMirror(t *testing.T) {
	p, _, sub := setup(t)
	ctx := context.Background()
	if err := p.UpdateSeats(ctx, billing.SeatsInput{SubRef: sub, Seats: 7, Proration: billing.ProrateNow, IdempotencyKey: "u1"}); err != nil {
		t.Fatal(err)
	}
	if err := p.CancelAtPeriodEnd(ctx, billing.CancelInput{SubRef: sub, Cancel: true, IdempotencyKey: "x1"}); err != nil {
		t.Fatal(err)
	}
	got, ok := p.Subscription(sub)
	want := Subscription{CustomerRef: "cus_inproc_0001", Plan: billing.Monthly, Seats: 7, CancelAtPeriodEnd: true, LastProration: billing.ProrateNow}
	if !ok || got != want {
		t.Errorf("mirror = %+v, want %+v", got, want)
	}
}

func TestUnknownRefs(t *testing.T) {
	p, _, _ := setup(t)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"update unknown customer", func() error {
			_, err := p.EnsureCustomer(ctx, billing.CustomerInput{CustomerRef: "cus_x", OrgID: "o", Name: "n", Email: "e", Country: "SE", IdempotencyKey: "k1"})
			return err
		}},
		{"subscribe unknown customer", func() error {
			_, err := p.CreateSubscription(ctx, billing.SubscriptionInput{CustomerRef: "cus_x", Plan: billing.Annual, Seats: 1, Anchor: time.Unix(1, 0), IdempotencyKey: "k2"})
			return err
		}},
		{"seats of unknown subscription", func() error {
			return p.UpdateSeats(ctx, billing.SeatsInput{SubRef: "sub_x", Seats: 1, Proration: billing.ProrateNone, IdempotencyKey: "k3"})
		}},
		{"cancel unknown subscription", func() error {
			return p.CancelAtPeriodEnd(ctx, billing.CancelInput{SubRef: "sub_x", Cancel: true, IdempotencyKey: "k4"})
		}},
		{"charge unknown customer", func() error {
			_, err := p.Charge(ctx, billing.ChargeInput{InvoiceID: "i", CustomerRef: "cus_x", Amount: billing.Cents(1), IdempotencyKey: "k5"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
	}
}
