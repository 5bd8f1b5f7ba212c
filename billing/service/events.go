package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/billingprofile"
	"github.com/depot-registry/depot/ent/invoice"
	"github.com/depot-registry/depot/ent/processedwebhook"
	"github.com/depot-registry/depot/ent/subscription"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// EventKind is what a processor notification means for Depot, independent
// of the processor's own event names (the webhook front maps those).
type EventKind string

// The notifications Depot acts on.
const (
	EventInvoiceFinalized      EventKind = "invoice.finalized"
	EventInvoicePaid           EventKind = "invoice.paid"
	EventInvoicePaymentFailed  EventKind = "invoice.payment_failed"
	EventInvoiceActionRequired EventKind = "invoice.payment_action_required"
	EventInvoiceVoided         EventKind = "invoice.voided"
	EventInvoiceUncollectible  EventKind = "invoice.marked_uncollectible"
	EventSubscriptionUpdated   EventKind = "subscription.updated"
	EventSubscriptionDeleted   EventKind = "subscription.deleted"
	EventTaxIDUpdated          EventKind = "tax_id.updated"
	// EventIgnored is acknowledged and remembered, nothing else.
	EventIgnored EventKind = "ignored"
)

// Event is a verified processor notification.
type Event struct {
	ID      string // the processor's event id; each is applied once
	Type    string // the processor's event type, stored for operators
	Kind    EventKind
	Created time.Time // when the processor created the event

	// Invoice events: our invoice number (from the processor object's
	// metadata) and/or the processor's invoice reference.
	InvoiceNumber  string
	InvoiceRef     string
	FailureMessage string

	// Subscription events.
	SubscriptionRef   string
	Seats             int // 0 when unknown
	CancelAtPeriodEnd bool

	// Tax id events.
	CustomerRef     string
	TaxIDValue      string
	TaxIDVerifiedAs string // the processor's verification status
}

// HandleEvent applies a processor notification once: the event id is
// remembered in the same transaction as the effect, so a replay reports
// applied false and changes nothing. Notifications may arrive out of order;
// subscription changes older than the last applied state (state_version)
// are ignored, and invoice changes only move forward (an invoice already
// paid is never reopened). Unknown objects are acknowledged: they may
// belong to another system on the same processor account.
func (s *Service) HandleEvent(ctx context.Context, ev Event) (applied bool, err error) {
	if ev.ID == "" {
		return false, fmt.Errorf("event without id")
	}
	if ev.Kind == EventIgnored || ev.Kind == "" {
		return false, nil // acknowledged, not remembered: nothing to protect
	}
	ctx = viewer.System(ctx)
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		seen, err := tx.ProcessedWebhook.Query().Where(processedwebhook.EventID(ev.ID)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("look up event: %w", err)
		}
		if seen {
			return nil
		}
		// The unique event id also settles a race between two deliveries:
		// the second insert fails and its transaction rolls back.
		if err := tx.ProcessedWebhook.Create().SetEventID(ev.ID).SetType(ev.Type).SetProcessedAt(s.Clock.Now()).Exec(ctx); err != nil {
			return fmt.Errorf("remember event %s: %w", ev.ID, err)
		}
		applied = true
		return s.apply(ctx, tx, ev)
	})
	if err != nil {
		return false, err
	}
	return applied, nil
}

func (s *Service) apply(ctx context.Context, tx *ent.Tx, ev Event) error {
	switch ev.Kind {
	case EventInvoiceFinalized, EventInvoicePaid, EventInvoicePaymentFailed, EventInvoiceActionRequired,
		EventInvoiceVoided, EventInvoiceUncollectible:
		return s.applyInvoice(ctx, tx, ev)
	case EventSubscriptionUpdated, EventSubscriptionDeleted:
		return s.applySubscription(ctx, tx, ev)
	case EventTaxIDUpdated:
		return s.applyTaxID(ctx, tx, ev)
	}
	return nil
}

// runFor loads the organization's rows for an event.
func (s *Service) runFor(ctx context.Context, tx *ent.Tx, orgID int) (*run, error) {
	o, err := tx.Organization.Get(ctx, orgID)
	if err != nil {
		return nil, fmt.Errorf("load organization %d: %w", orgID, err)
	}
	a := &account{org: o}
	if a.profile, err = o.QueryBillingProfile().Only(ctx); err != nil {
		return nil, fmt.Errorf("load billing profile: %w", err)
	}
	if a.sub, err = tx.Subscription.Query().Where(subscription.OrganizationID(orgID)).Where(store.ForUpdate).Only(ctx); err != nil && !ent.IsNotFound(err) {
		return nil, fmt.Errorf("load subscription: %w", err)
	}
	return s.newRun(ctx, tx, a)
}

func (s *Service) applyInvoice(ctx context.Context, tx *ent.Tx, ev Event) error {
	var (
		inv *ent.Invoice
		err error
	)
	switch {
	case ev.InvoiceNumber != "":
		inv, err = tx.Invoice.Query().Where(invoice.Number(ev.InvoiceNumber)).Only(ctx)
	case ev.InvoiceRef != "":
		inv, err = tx.Invoice.Query().Where(invoice.ProcessorRef(ev.InvoiceRef)).First(ctx)
	default:
		return nil
	}
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find invoice: %w", err)
	}
	r, err := s.runFor(ctx, tx, inv.OrganizationID)
	if err != nil {
		return err
	}
	r.now = ev.Created.UTC()
	if ev.InvoiceRef != "" && inv.ProcessorRef == "" {
		if inv, err = tx.Invoice.UpdateOne(inv).SetProcessorRef(ev.InvoiceRef).Save(ctx); err != nil {
			return fmt.Errorf("link invoice %s: %w", inv.Number, err)
		}
	}
	open := inv.Status == invoice.StatusOPEN || inv.Status == invoice.StatusUNCOLLECTIBLE
	key := "event-" + ev.ID
	switch ev.Kind {
	case EventInvoicePaid:
		if !open {
			return nil
		}
		if err := tx.PaymentAttempt.Create().SetInvoiceID(inv.ID).SetAttemptedAt(r.now).SetSucceeded(true).
			SetProcessorRef(ev.InvoiceRef).SetIdempotencyKey(key).Exec(ctx); err != nil {
			return fmt.Errorf("record payment: %w", err)
		}
		if err := tx.Invoice.UpdateOne(inv).SetStatus(invoice.StatusPAID).SetPaidAt(r.now).Exec(ctx); err != nil {
			return fmt.Errorf("mark invoice %s paid: %w", inv.Number, err)
		}
		if r.acct.sub != nil {
			var acts []billing.Action
			r.st, acts = billing.PaymentSucceeded(r.st, invoiceID(inv), r.now)
			if err := r.exec(ctx, acts); err != nil {
				return err
			}
		}
	case EventInvoicePaymentFailed, EventInvoiceActionRequired:
		if !open {
			return nil
		}
		msg := ev.FailureMessage
		if msg == "" && ev.Kind == EventInvoiceActionRequired {
			msg = "the payment needs the card holder's authentication"
		}
		if err := tx.PaymentAttempt.Create().SetInvoiceID(inv.ID).SetAttemptedAt(r.now).SetSucceeded(false).
			SetFailureMessage(msg).SetProcessorRef(ev.InvoiceRef).SetIdempotencyKey(key).Exec(ctx); err != nil {
			return fmt.Errorf("record failed payment: %w", err)
		}
		if r.acct.sub != nil {
			var acts []billing.Action
			r.declined = msg
			r.st, acts = billing.PaymentFailed(r.st, invoiceID(inv), r.now)
			if err := r.exec(ctx, acts); err != nil {
				return err
			}
		}
	case EventInvoiceVoided, EventInvoiceUncollectible:
		if inv.Status != invoice.StatusOPEN {
			return nil
		}
		status := invoice.StatusVOID
		if ev.Kind == EventInvoiceUncollectible {
			status = invoice.StatusUNCOLLECTIBLE
		}
		if err := tx.Invoice.UpdateOne(inv).SetStatus(status).Exec(ctx); err != nil {
			return fmt.Errorf("update invoice %s: %w", inv.Number, err)
		}
	}
	if err := r.save(ctx); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "billing.webhook", OrganizationID: inv.OrganizationID,
		Params: map[string]any{"event": ev.ID, "type": ev.Type, "invoice": inv.Number}})
}

// applySubscription mirrors changes made on the processor's side (an
// operator in the dashboard) onto our row, unless the row already holds a
// newer state: events carry their creation time, and state_version is the
// time of the last state applied (ours or the processor's).
func (s *Service) applySubscription(ctx context.Context, tx *ent.Tx, ev Event) error {
	if ev.SubscriptionRef == "" {
		return nil
	}
	row, err := tx.Subscription.Query().Where(subscription.ProcessorRef(ev.SubscriptionRef)).Where(store.ForUpdate).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find subscription: %w", err)
	}
	if ev.Created.Unix() <= row.StateVersion {
		return nil // stale: a newer state was applied already
	}
	r, err := s.runFor(ctx, tx, row.OrganizationID)
	if err != nil {
		return err
	}
	r.now, r.version = ev.Created.UTC(), ev.Created.Unix()
	switch ev.Kind {
	case EventSubscriptionDeleted:
		if r.st.Status != billing.StatusCanceled {
			r.st.Status, r.st.CanceledAt, r.st.CancelAtPeriodEnd = billing.StatusCanceled, r.now, false
			r.st.FirstFailureAt, r.st.Retries = time.Time{}, 0
		}
	default:
		if r.st.Status != billing.StatusCanceled {
			r.st.CancelAtPeriodEnd = ev.CancelAtPeriodEnd
			if ev.Seats > 0 {
				r.st.Seats = ev.Seats
			}
		}
	}
	// The version moves even when nothing else does, so that an older event
	// arriving later is recognized as stale.
	if err := saveSubscription(ctx, tx, row.ID, r.st, r.ref, r.version); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "billing.webhook", OrganizationID: row.OrganizationID,
		Params: map[string]any{"event": ev.ID, "type": ev.Type, "seats": r.st.Seats, "cancel_at_period_end": r.st.CancelAtPeriodEnd}})
}

// applyTaxID tells the billing email when the processor could not verify
// the VAT number the invoices are reverse charged on.
func (s *Service) applyTaxID(ctx context.Context, tx *ent.Tx, ev Event) error {
	p, err := tx.BillingProfile.Query().Where(billingprofile.ProcessorCustomerRef(ev.CustomerRef)).Only(ctx)
	if ent.IsNotFound(err) || ev.CustomerRef == "" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find billing profile: %w", err)
	}
	if err := audit.Record(ctx, tx, audit.Entry{Action: "billing.webhook", OrganizationID: p.OrganizationID,
		Params: map[string]any{"event": ev.ID, "type": ev.Type, "tax_id_status": ev.TaxIDVerifiedAs}}); err != nil {
		return err
	}
	if ev.TaxIDVerifiedAs != "unverified" || billing.NormalizeVATNumber(ev.TaxIDValue) != p.VatNumber {
		return nil
	}
	r := &run{s: s, tx: tx, acct: &account{profile: p}}
	return r.notify(ctx, "Your VAT number could not be verified",
		"The VAT number "+p.VatNumber+" of organization #"+strconv.Itoa(p.OrganizationID)+
			" could not be verified. Reverse charge needs a valid number: please check it in the billing profile.\n", "billing")
}
