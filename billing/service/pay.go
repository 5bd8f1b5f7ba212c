package service

import (
	"context"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/invoice"
)

// PayInvoice charges an open (or uncollectible) invoice now. Paying the
// invoice a subscription was cancelled for re-activates it (and the
// organization's private access); paying the first invoice of an
// INCOMPLETE subscription activates it. A paid or void invoice is a
// CONFLICT. A declined charge is recorded (the attempt shows on the invoice)
// and reported as PAYMENT_REQUIRED.
func (s *Service) PayInvoice(ctx context.Context, orgName, number string) (*InvoiceView, error) {
	r, err := s.mutate(ctx, orgName, "billing.pay_invoice", func(ctx context.Context, r *run) (map[string]any, error) {
		inv, err := r.client().Invoice.Query().Where(invoice.Number(number), invoice.OrganizationID(r.acct.org.ID)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, apperr.New(apperr.NotFound, "%s has no invoice %s", orgName, number)
		}
		if err != nil {
			return nil, err
		}
		switch inv.Status {
		case invoice.StatusPAID:
			return nil, apperr.New(apperr.Conflict, "invoice %s is already paid", number)
		case invoice.StatusVOID, invoice.StatusDRAFT:
			return nil, apperr.New(apperr.Conflict, "invoice %s is %s and cannot be paid", number, inv.Status)
		}
		if err := r.collect(ctx, inv); err != nil {
			return nil, err
		}
		return map[string]any{"number": number, "succeeded": r.declined == ""}, nil
	})
	if err != nil {
		return nil, err
	}
	v, err := s.Invoice(ctx, orgName, number)
	if err != nil {
		return nil, err
	}
	if r.declined != "" {
		return v, apperr.New(apperr.PaymentRequired, "the payment of invoice %s was declined: %s", number, r.declined)
	}
	return v, nil
}
