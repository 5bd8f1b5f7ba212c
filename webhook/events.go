package webhook

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/depot-registry/depot/billing/service"
	stripego "github.com/stripe/stripe-go/v76"
)

// kinds maps the Stripe event types Depot acts on; all others are
// acknowledged and ignored (Stripe stops retrying them).
var kinds = map[stripego.EventType]service.EventKind{
	"invoice.finalized":                            service.EventInvoiceFinalized,
	"invoice.paid":                                 service.EventInvoicePaid,
	"invoice.payment_failed":                       service.EventInvoicePaymentFailed,
	"invoice.payment_action_required":              service.EventInvoiceActionRequired,
	"invoice.voided":                               service.EventInvoiceVoided,
	"invoice.marked_uncollectible":                 service.EventInvoiceUncollectible,
	"customer.subscription.created":                service.EventSubscriptionUpdated,
	"customer.subscription.updated":                service.EventSubscriptionUpdated,
	"customer.subscription.pending_update_applied": service.EventSubscriptionUpdated,
	"customer.subscription.pending_update_expired": service.EventSubscriptionUpdated,
	"customer.subscription.deleted":                service.EventSubscriptionDeleted,
	"customer.tax_id.updated":                      service.EventTaxIDUpdated,
}

// invoiceNumberKey is the metadata key carrying our invoice number on
// Stripe objects (set by billing/stripe on the payments it creates).
const invoiceNumberKey = "depot_invoice_number"

// toEvent reads the fields Depot needs from a verified Stripe event.
func toEvent(ev stripego.Event) (service.Event, error) {
	out := service.Event{ID: ev.ID, Type: string(ev.Type), Kind: service.EventIgnored, Created: time.Unix(ev.Created, 0).UTC()}
	kind, ok := kinds[ev.Type]
	if !ok || ev.Data == nil {
		return out, nil
	}
	out.Kind = kind
	switch kind {
	case service.EventSubscriptionUpdated, service.EventSubscriptionDeleted:
		var s stripego.Subscription
		if err := json.Unmarshal(ev.Data.Raw, &s); err != nil {
			return out, fmt.Errorf("decode subscription: %w", err)
		}
		out.SubscriptionRef, out.CancelAtPeriodEnd = s.ID, s.CancelAtPeriodEnd
		if s.Items != nil && len(s.Items.Data) == 1 {
			out.Seats = int(s.Items.Data[0].Quantity)
		}
	case service.EventTaxIDUpdated:
		var x stripego.TaxID
		if err := json.Unmarshal(ev.Data.Raw, &x); err != nil {
			return out, fmt.Errorf("decode tax id: %w", err)
		}
		out.TaxIDValue = x.Value
		if x.Customer != nil {
			out.CustomerRef = x.Customer.ID
		}
		if x.Verification != nil {
			out.TaxIDVerifiedAs = string(x.Verification.Status)
		}
	default:
		var inv stripego.Invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return out, fmt.Errorf("decode invoice: %w", err)
		}
		out.InvoiceRef, out.InvoiceNumber = inv.ID, inv.Metadata[invoiceNumberKey]
		if inv.LastFinalizationError != nil {
			out.FailureMessage = inv.LastFinalizationError.Msg
		}
	}
	return out, nil
}
