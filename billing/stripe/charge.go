package stripe

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/depot-registry/depot/billing"
	stripego "github.com/stripe/stripe-go/v76"
)

// Charge implements billing.Processor. Without ProcessorInvoiceRef it
// confirms an off-session PaymentIntent for the amount with the customer's
// default payment method; with it, it pays that Stripe invoice. A card
// decline (card_error) or a payment left needing action is a failed result,
// not an error, so dunning can handle it.
func (p *Processor) Charge(ctx context.Context, in billing.ChargeInput) (billing.PaymentResult, error) {
	if err := in.Validate(); err != nil {
		return billing.PaymentResult{}, fmt.Errorf("charge invoice %s: %w", in.InvoiceID, err)
	}
	if in.ProcessorInvoiceRef != "" {
		return p.payInvoice(ctx, in)
	}
	c, err := p.api.Customers.Get(in.CustomerRef, &stripego.CustomerParams{Params: stripego.Params{Context: ctx}})
	if err != nil {
		return billing.PaymentResult{}, wrap("get customer", err)
	}
	params := &stripego.PaymentIntentParams{
		Params:      stripego.Params{Context: ctx},
		Amount:      stripego.Int64(in.Amount.Cents),
		Currency:    stripego.String(strings.ToLower(in.Amount.Currency)),
		Customer:    stripego.String(in.CustomerRef),
		Confirm:     stripego.Bool(true),
		OffSession:  stripego.Bool(true),
		Description: stripego.String("Depot invoice " + in.InvoiceNumber),
	}
	if c.InvoiceSettings != nil && c.InvoiceSettings.DefaultPaymentMethod != nil {
		params.PaymentMethod = stripego.String(c.InvoiceSettings.DefaultPaymentMethod.ID)
	}
	params.AddMetadata("depot_invoice_id", in.InvoiceID)
	params.AddMetadata("depot_invoice_number", in.InvoiceNumber)
	params.SetIdempotencyKey(in.IdempotencyKey)
	pi, err := p.api.PaymentIntents.New(params)
	if res, ok := declined(err); ok {
		return res, nil
	}
	if err != nil {
		return billing.PaymentResult{}, wrap("create payment intent", err)
	}
	res := billing.PaymentResult{Ref: pi.ID, Succeeded: pi.Status == stripego.PaymentIntentStatusSucceeded}
	if !res.Succeeded {
		res.FailureMessage = fmt.Sprintf("payment not completed (status %s)", pi.Status)
		if pi.LastPaymentError != nil && pi.LastPaymentError.Msg != "" {
			res.FailureMessage = pi.LastPaymentError.Msg
		}
	}
	return res, nil
}

func (p *Processor) payInvoice(ctx context.Context, in billing.ChargeInput) (billing.PaymentResult, error) {
	params := &stripego.InvoicePayParams{Params: stripego.Params{Context: ctx}, OffSession: stripego.Bool(true)}
	params.SetIdempotencyKey(in.IdempotencyKey)
	inv, err := p.api.Invoices.Pay(in.ProcessorInvoiceRef, params)
	if res, ok := declined(err); ok {
		return res, nil
	}
	if err != nil {
		return billing.PaymentResult{}, wrap("pay invoice", err)
	}
	res := billing.PaymentResult{Ref: inv.ID, Succeeded: inv.Paid}
	if !res.Succeeded {
		res.FailureMessage = fmt.Sprintf("invoice not paid (status %s)", inv.Status)
	}
	return res, nil
}

// declined turns a card error into a failed payment result.
func declined(err error) (billing.PaymentResult, bool) {
	var se *stripego.Error
	if !errors.As(err, &se) || se.Type != stripego.ErrorTypeCard {
		return billing.PaymentResult{}, false
	}
	res := billing.PaymentResult{FailureMessage: se.Msg}
	if se.PaymentIntent != nil {
		res.Ref = se.PaymentIntent.ID
	}
	return res, true
}
