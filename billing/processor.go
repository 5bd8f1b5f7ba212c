package billing

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Processor is the payment processor port: Stripe in production, the
// in-process processor when no Stripe key is configured (SPEC §6, §10).
//
// The database is the source of truth: the processor mirrors customers and
// subscriptions so it can take payments, and reports outcomes; it never
// decides what an invoice contains. Every call carries an idempotency key
// derived from our own rows (see ChargeKey and friends), so a call retried
// after a crash or timeout can never charge or create twice. Invalid input is
// refused before any network call with an error wrapping ErrInvalidInput.
type Processor interface {
	// EnsureCustomer creates the customer (CustomerRef empty) or updates it,
	// and returns its reference.
	EnsureCustomer(ctx context.Context, in CustomerInput) (customerRef string, err error)
	// CreateSubscription starts the processor's subscription of a customer.
	CreateSubscription(ctx context.Context, in SubscriptionInput) (subRef string, err error)
	// UpdateSeats changes the quantity of a subscription.
	UpdateSeats(ctx context.Context, in SeatsInput) error
	// CancelAtPeriodEnd sets (Cancel true) or withdraws (false) cancellation
	// at the end of the current period.
	CancelAtPeriodEnd(ctx context.Context, in CancelInput) error
	// Charge collects an invoice's total from the customer's default payment
	// method. A declined payment is a result (Succeeded false), not an error;
	// errors are for calls that could not be made or were refused as invalid.
	Charge(ctx context.Context, in ChargeInput) (PaymentResult, error)
}

// CustomerInput describes the paying organization.
type CustomerInput struct {
	CustomerRef    string // empty to create
	OrgID          string // our organization's id, stored as metadata
	Name           string
	Email          string
	Country        string // ISO alpha-2
	VATNumber      string // optional, with country prefix
	IdempotencyKey string
}

// SubscriptionInput starts a subscription.
type SubscriptionInput struct {
	CustomerRef    string
	Plan           Plan
	Seats          int
	Anchor         time.Time // billing day; in the future to start later (after a trial)
	IdempotencyKey string
}

// SeatsInput changes a subscription's quantity.
type SeatsInput struct {
	SubRef         string
	Seats          int
	Proration      ProrationBehavior // see ProrationFor
	IdempotencyKey string
}

// CancelInput sets or withdraws cancellation at period end.
type CancelInput struct {
	SubRef         string
	Cancel         bool
	IdempotencyKey string
}

// ChargeInput collects one invoice.
type ChargeInput struct {
	InvoiceID     string // our invoice's id, stored as metadata
	InvoiceNumber string // shown on the customer's statement and receipt
	CustomerRef   string
	Amount        Money // the invoice total, VAT included
	// ProcessorInvoiceRef, when set, pays that invoice of the processor (one
	// its subscription generated) instead of creating a payment for Amount.
	ProcessorInvoiceRef string
	IdempotencyKey      string
}

// PaymentResult is the outcome of a charge.
type PaymentResult struct {
	Ref            string // the processor's payment reference
	Succeeded      bool
	FailureMessage string // for the dunning mail when not Succeeded
}

// Validate checks the input before any call to a processor.
func (in CustomerInput) Validate() error {
	if err := require("org id", in.OrgID, "name", in.Name, "email", in.Email, "country", in.Country, "idempotency key", in.IdempotencyKey); err != nil {
		return err
	}
	if in.VATNumber != "" {
		if _, err := ValidateVATNumber(strings.ToUpper(in.Country), in.VATNumber); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the input before any call to a processor.
func (in SubscriptionInput) Validate() error {
	if err := require("customer ref", in.CustomerRef, "idempotency key", in.IdempotencyKey); err != nil {
		return err
	}
	if !in.Plan.Valid() {
		return fmt.Errorf("%w: unknown plan %q", ErrInvalidInput, in.Plan)
	}
	if in.Seats < 1 {
		return fmt.Errorf("%w: seats must be at least 1, got %d", ErrInvalidInput, in.Seats)
	}
	if in.Anchor.IsZero() {
		return fmt.Errorf("%w: missing anchor", ErrInvalidInput)
	}
	return nil
}

// Validate checks the input before any call to a processor.
func (in SeatsInput) Validate() error {
	if err := require("subscription ref", in.SubRef, "idempotency key", in.IdempotencyKey); err != nil {
		return err
	}
	if in.Seats < 1 {
		return fmt.Errorf("%w: seats must be at least 1, got %d", ErrInvalidInput, in.Seats)
	}
	switch in.Proration {
	case ProrateOnNextInvoice, ProrateNow, ProrateNone:
		return nil
	}
	return fmt.Errorf("%w: unknown proration behavior %q", ErrInvalidInput, in.Proration)
}

// Validate checks the input before any call to a processor.
func (in CancelInput) Validate() error {
	return require("subscription ref", in.SubRef, "idempotency key", in.IdempotencyKey)
}

// Validate checks the input before any call to a processor.
func (in ChargeInput) Validate() error {
	if err := require("invoice id", in.InvoiceID, "customer ref", in.CustomerRef, "idempotency key", in.IdempotencyKey); err != nil {
		return err
	}
	if in.ProcessorInvoiceRef == "" && (in.Amount.Cents <= 0 || in.Amount.Currency == "") {
		return fmt.Errorf("%w: charge amount %v must be positive", ErrInvalidInput, in.Amount)
	}
	return nil
}

// require takes name, value pairs and reports the first empty value.
func require(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return fmt.Errorf("%w: missing %s", ErrInvalidInput, pairs[i])
		}
	}
	return nil
}
