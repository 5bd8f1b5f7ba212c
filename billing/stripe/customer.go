package stripe

import (
	"context"
	"fmt"
	"strings"

	"github.com/depot-registry/depot/billing"
	stripego "github.com/stripe/stripe-go/v76"
)

// EnsureCustomer implements billing.Processor. The VAT number of an EU
// customer is attached as an eu_vat tax id (Stripe shows it on its
// documents); other countries' numbers stay in Depot only.
func (p *Processor) EnsureCustomer(ctx context.Context, in billing.CustomerInput) (string, error) {
	if err := in.Validate(); err != nil {
		return "", fmt.Errorf("ensure customer: %w", err)
	}
	country := strings.ToUpper(in.Country)
	vat := ""
	if in.VATNumber != "" && billing.InEU(country) {
		vat, _ = billing.ValidateVATNumber(country, in.VATNumber) // validated above
	}
	params := &stripego.CustomerParams{
		Params:  stripego.Params{Context: ctx},
		Name:    stripego.String(in.Name),
		Email:   stripego.String(in.Email),
		Address: &stripego.AddressParams{Country: stripego.String(country)},
	}
	params.AddMetadata("depot_org_id", in.OrgID)
	params.SetIdempotencyKey(in.IdempotencyKey)

	if in.CustomerRef == "" {
		if vat != "" {
			params.TaxIDData = []*stripego.CustomerTaxIDDataParams{{Type: stripego.String(string(stripego.TaxIDTypeEUVAT)), Value: stripego.String(vat)}}
		}
		c, err := p.api.Customers.New(params)
		if err != nil {
			return "", wrap("create customer", err)
		}
		return c.ID, nil
	}
	c, err := p.api.Customers.Update(in.CustomerRef, params)
	if err != nil {
		return "", wrap("update customer", err)
	}
	if vat != "" {
		if err := p.ensureTaxID(ctx, c.ID, vat, in.IdempotencyKey+"-tax-id"); err != nil {
			return "", err
		}
	}
	return c.ID, nil
}

// ensureTaxID adds the VAT number to an existing customer unless it is
// already there; the customer update endpoint does not take tax ids.
func (p *Processor) ensureTaxID(ctx context.Context, customer, vat, key string) error {
	list := &stripego.TaxIDListParams{ListParams: stripego.ListParams{Context: ctx}}
	list.Customer = stripego.String(customer)
	it := p.api.TaxIDs.List(list)
	for it.Next() {
		if it.TaxID().Value == vat {
			return nil
		}
	}
	if err := it.Err(); err != nil {
		return wrap("list tax ids", err)
	}
	params := &stripego.TaxIDParams{
		Params: stripego.Params{Context: ctx},
		Type:   stripego.String(string(stripego.TaxIDTypeEUVAT)),
		Value:  stripego.String(vat),
	}
	params.Customer = stripego.String(customer)
	params.SetIdempotencyKey(key)
	if _, err := p.api.TaxIDs.New(params); err != nil {
		return wrap("add tax id", err)
	}
	return nil
}
