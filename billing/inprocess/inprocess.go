// Package inprocess is the embedded payment processor Depot uses when no
// Stripe key is configured (SPEC §10): charges succeed, nothing leaves the
// process. Tests and operators make the next charges fail with FailNext to
// exercise dunning, and read back the calls made.
//
// It keeps Stripe's idempotency semantics (a repeated key returns the first
// call's result without doing anything) so code that works against it does
// not double-charge against Stripe either. References are deterministic
// ("cus_inproc_0001", ...) so tests can assert them.
package inprocess

import (
	"context"
	"fmt"
	"sync"

	"github.com/depot-registry/depot/billing"
)

// Call records one processor call, for tests and the operator's view.
type Call struct {
	Method         string // "EnsureCustomer", "CreateSubscription", ...
	IdempotencyKey string
	Ref            string // the reference created or acted on
	Input          any    // the input struct as passed
	Replayed       bool   // answered from the idempotency cache
}

// Subscription is the processor-side mirror of a subscription.
type Subscription struct {
	CustomerRef       string
	Plan              billing.Plan
	Seats             int
	CancelAtPeriodEnd bool
	LastProration     billing.ProrationBehavior
}

// Processor is the in-process billing.Processor. The zero value is not
// usable; call New.
type Processor struct {
	mu        sync.Mutex
	failNext  int
	seq       map[string]int
	customers map[string]billing.CustomerInput
	subs      map[string]*Subscription
	replies   map[string]reply // by idempotency key
	calls     []Call
}

type reply struct {
	method string
	ref    string
	result billing.PaymentResult
}

var _ billing.Processor = (*Processor)(nil)

// New returns an empty processor.
func New() *Processor {
	return &Processor{
		seq:       map[string]int{},
		customers: map[string]billing.CustomerInput{},
		subs:      map[string]*Subscription{},
		replies:   map[string]reply{},
	}
}

// FailNext makes the next n charges decline (n <= 0 clears it).
func (p *Processor) FailNext(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failNext = max(n, 0)
}

// Calls returns a copy of the calls made so far, in order.
func (p *Processor) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// Subscription returns the mirror of subRef, if it exists.
func (p *Processor) Subscription(subRef string) (Subscription, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.subs[subRef]
	if !ok {
		return Subscription{}, false
	}
	return *s, true
}

// replay answers a repeated idempotency key. A key reused for a different
// method is a caller bug, refused as Stripe does.
func (p *Processor) replay(method, key string, in any) (reply, bool, error) {
	r, ok := p.replies[key]
	if !ok {
		return reply{}, false, nil
	}
	if r.method != method {
		return reply{}, false, fmt.Errorf("%w: idempotency key %q already used for %s", billing.ErrInvalidInput, key, r.method)
	}
	p.calls = append(p.calls, Call{Method: method, IdempotencyKey: key, Ref: r.ref, Input: in, Replayed: true})
	return r, true, nil
}

func (p *Processor) record(method, key, ref string, in any, result billing.PaymentResult) {
	p.replies[key] = reply{method: method, ref: ref, result: result}
	p.calls = append(p.calls, Call{Method: method, IdempotencyKey: key, Ref: ref, Input: in})
}

func (p *Processor) next(prefix string) string {
	p.seq[prefix]++
	return fmt.Sprintf("%s_inproc_%04d", prefix, p.seq[prefix])
}

// EnsureCustomer implements billing.Processor.
func (p *Processor) EnsureCustomer(_ context.Context, in billing.CustomerInput) (string, error) {
	if err := in.Validate(); err != nil {
		return "", fmt.Errorf("ensure customer: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok, err := p.replay("EnsureCustomer", in.IdempotencyKey, in); ok || err != nil {
		return r.ref, err
	}
	ref := in.CustomerRef
	if ref == "" {
		ref = p.next("cus")
	} else if _, ok := p.customers[ref]; !ok {
		return "", fmt.Errorf("ensure customer %s: %w", ref, billing.ErrNotFound)
	}
	p.customers[ref] = in
	p.record("EnsureCustomer", in.IdempotencyKey, ref, in, billing.PaymentResult{})
	return ref, nil
}

// CreateSubscription implements billing.Processor.
func (p *Processor) CreateSubscription(_ context.Context, in billing.SubscriptionInput) (string, error) {
	if err := in.Validate(); err != nil {
		return "", fmt.Errorf("create subscription: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok, err := p.replay("CreateSubscription", in.IdempotencyKey, in); ok || err != nil {
		return r.ref, err
	}
	if _, ok := p.customers[in.CustomerRef]; !ok {
		return "", fmt.Errorf("create subscription for customer %s: %w", in.CustomerRef, billing.ErrNotFound)
	}
	ref := p.next("sub")
	p.subs[ref] = &Subscription{CustomerRef: in.CustomerRef, Plan: in.Plan, Seats: in.Seats}
	p.record("CreateSubscription", in.IdempotencyKey, ref, in, billing.PaymentResult{})
	return ref, nil
}

// UpdateSeats implements billing.Processor.
func (p *Processor) UpdateSeats(_ context.Context, in billing.SeatsInput) error {
	if err := in.Validate(); err != nil {
		return fmt.Errorf("update seats: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok, err := p.replay("UpdateSeats", in.IdempotencyKey, in); ok || err != nil {
		return err
	}
	s, ok := p.subs[in.SubRef]
	if !ok {
		return fmt.Errorf("update seats of %s: %w", in.SubRef, billing.ErrNotFound)
	}
	s.Seats, s.LastProration = in.Seats, in.Proration
	p.record("UpdateSeats", in.IdempotencyKey, in.SubRef, in, billing.PaymentResult{})
	return nil
}

// CancelAtPeriodEnd implements billing.Processor.
func (p *Processor) CancelAtPeriodEnd(_ context.Context, in billing.CancelInput) error {
	if err := in.Validate(); err != nil {
		return fmt.Errorf("cancel at period end: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok, err := p.replay("CancelAtPeriodEnd", in.IdempotencyKey, in); ok || err != nil {
		return err
	}
	s, ok := p.subs[in.SubRef]
	if !ok {
		return fmt.Errorf("cancel %s at period end: %w", in.SubRef, billing.ErrNotFound)
	}
	s.CancelAtPeriodEnd = in.Cancel
	p.record("CancelAtPeriodEnd", in.IdempotencyKey, in.SubRef, in, billing.PaymentResult{})
	return nil
}

// Charge implements billing.Processor: it succeeds unless FailNext asked for
// a decline.
func (p *Processor) Charge(_ context.Context, in billing.ChargeInput) (billing.PaymentResult, error) {
	if err := in.Validate(); err != nil {
		return billing.PaymentResult{}, fmt.Errorf("charge invoice %s: %w", in.InvoiceID, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok, err := p.replay("Charge", in.IdempotencyKey, in); ok || err != nil {
		return r.result, err
	}
	if _, ok := p.customers[in.CustomerRef]; !ok {
		return billing.PaymentResult{}, fmt.Errorf("charge customer %s: %w", in.CustomerRef, billing.ErrNotFound)
	}
	res := billing.PaymentResult{Ref: p.next("pay"), Succeeded: true}
	if p.failNext > 0 {
		p.failNext--
		res.Succeeded, res.FailureMessage = false, "Your card was declined (in-process processor: FailNext)."
	}
	p.record("Charge", in.IdempotencyKey, res.Ref, in, res)
	return res, nil
}
