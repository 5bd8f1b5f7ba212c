package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/service"
	"github.com/depot-registry/depot/billing/service/servicetest"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/webhook"
	stripego "github.com/stripe/stripe-go/v76"
	stripewebhook "github.com/stripe/stripe-go/v76/webhook"
)

const secret = "whsec_test_secret"

type delivery struct {
	name    string
	method  string
	id      string
	typ     string
	created time.Duration // after the start, the event's creation time
	object  map[string]any
	version string        // api_version; empty means stripe-go's
	age     time.Duration // signature timestamp before now
	secret  string        // signing secret; empty means the right one
	want    int
	check   func(t *testing.T, f *servicetest.Fixture, before, after servicetest.Snapshot)
}

func unchanged(t *testing.T, _ *servicetest.Fixture, before, after servicetest.Snapshot) {
	t.Helper()
	if after != before {
		t.Errorf("changed something:\nbefore %+v\nafter  %+v", before, after)
	}
}

func subscriptionObject(ref string, seats int, cancel bool) map[string]any {
	return map[string]any{"id": ref, "object": "subscription", "cancel_at_period_end": cancel,
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_1", "object": "subscription_item", "quantity": seats}}}}
}

func invoiceObject(number string) map[string]any {
	return map[string]any{"id": "in_1", "object": "invoice", "metadata": map[string]any{"depot_invoice_number": number}}
}

// TestStripeWebhook plays a sequence of deliveries against one organization
// whose first charge was declined (an INCOMPLETE subscription with open
// invoice ACME-0001).
func TestStripeWebhook(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	f := servicetest.New(t, start)
	org := f.Org(t, "acme", membership.RoleADMIN)
	ctx := org.As(0)
	if _, err := f.Service.UpdateProfile(ctx, "acme", service.ProfileInput{Email: "ap@acme.example", Name: "Acme AB", Country: "SE", Company: true}); err != nil {
		t.Fatal(err)
	}
	f.Processor.FailNext(1)
	b, err := f.Service.Start(ctx, "acme", billing.Monthly, 1)
	if err != nil || b.Status != billing.StatusIncomplete {
		t.Fatalf("Start = %+v, %v", b, err)
	}
	sub, err := f.DB.Subscription.Query().Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := webhook.NewStripeHandler(f.Service, secret, f.Clock, nil)

	deliveries := []delivery{
		{name: "bad signature", id: "evt_1", typ: "invoice.paid", object: invoiceObject("ACME-0001"), secret: "whsec_wrong", want: 400, check: unchanged},
		{name: "old timestamp", id: "evt_1", typ: "invoice.paid", object: invoiceObject("ACME-0001"), age: 301 * time.Second, want: 400, check: unchanged},
		{name: "other API version", id: "evt_1", typ: "invoice.paid", object: invoiceObject("ACME-0001"), version: "2020-08-27", want: 400, check: unchanged},
		{name: "GET", method: http.MethodGet, id: "evt_1", typ: "invoice.paid", object: invoiceObject("ACME-0001"), want: 405, check: unchanged},
		{name: "unknown type", id: "evt_2", typ: "charge.dispute.created", object: map[string]any{"id": "dp_1", "object": "dispute"}, want: 200, check: unchanged},
		{name: "invoice.paid", id: "evt_1", typ: "invoice.paid", created: 5 * time.Second, object: invoiceObject("ACME-0001"), want: 200,
			check: func(t *testing.T, f *servicetest.Fixture, before, after servicetest.Snapshot) {
				inv, err := f.Service.Invoice(ctx, "acme", "ACME-0001")
				if err != nil || inv.Status != service.InvoicePaid {
					t.Errorf("invoice after invoice.paid = %+v, %v", inv, err)
				}
				if b, err := f.Service.Billing(ctx, "acme"); err != nil || b.Status != billing.StatusActive || !b.Entitled {
					t.Errorf("subscription after invoice.paid = %+v, %v", b, err)
				}
			}},
		{name: "invoice.paid replayed", id: "evt_1", typ: "invoice.paid", created: 5 * time.Second, object: invoiceObject("ACME-0001"), want: 200, check: unchanged},
		{name: "newer subscription.updated", id: "evt_3", typ: "customer.subscription.updated", created: 20 * time.Second,
			object: subscriptionObject(sub.ProcessorRef, 4, true), want: 200,
			check: func(t *testing.T, f *servicetest.Fixture, before, after servicetest.Snapshot) {
				if b, err := f.Service.Billing(ctx, "acme"); err != nil || b.Seats != 4 || !b.CancelAtPeriodEnd {
					t.Errorf("subscription after update = %+v, %v", b, err)
				}
			}},
		{name: "older subscription.updated after it", id: "evt_4", typ: "customer.subscription.updated", created: 10 * time.Second,
			object: subscriptionObject(sub.ProcessorRef, 2, false), want: 200,
			check: func(t *testing.T, f *servicetest.Fixture, before, after servicetest.Snapshot) {
				if after.Subscriptions != before.Subscriptions || after.Invoices != before.Invoices {
					t.Errorf("a stale event moved the state back:\nbefore %s\nafter  %s", before.Subscriptions, after.Subscriptions)
				}
			}},
		{name: "invoice of another system", id: "evt_5", typ: "invoice.voided", created: 30 * time.Second, object: invoiceObject("OTHER-1"), want: 200,
			check: func(t *testing.T, f *servicetest.Fixture, before, after servicetest.Snapshot) {
				if after.Invoices != before.Invoices || after.Subscriptions != before.Subscriptions {
					t.Errorf("an unknown invoice changed our rows")
				}
			}},
		{name: "oversized body", id: "evt_6", typ: "invoice.paid", object: map[string]any{"id": "in_2", "object": "invoice", "description": strings.Repeat("x", webhook.MaxBodyBytes)}, want: 413, check: unchanged},
	}
	for _, d := range deliveries {
		t.Run(d.name, func(t *testing.T) {
			version := d.version
			if version == "" {
				version = stripego.APIVersion
			}
			body, err := json.Marshal(map[string]any{"id": d.id, "object": "event", "type": d.typ, "api_version": version,
				"created": start.Add(d.created).Unix(), "data": map[string]any{"object": d.object}})
			if err != nil {
				t.Fatal(err)
			}
			key := d.secret
			if key == "" {
				key = secret
			}
			signed := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: body, Secret: key, Timestamp: f.Clock.Now().Add(-d.age)})
			method := d.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, "/webhooks/stripe", strings.NewReader(string(body)))
			req.Header.Set("Stripe-Signature", signed.Header)
			before := f.Snapshot(t)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != d.want {
				t.Fatalf("status %d (%s), want %d", rec.Code, strings.TrimSpace(rec.Body.String()), d.want)
			}
			d.check(t, f, before, f.Snapshot(t))
		})
	}
}
