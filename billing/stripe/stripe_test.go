package stripe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/processortest"
	"github.com/depot-registry/depot/billing/stripe/stripemock"
)

// request is what the recorder saw of one API call.
type request struct {
	method, path, idempotencyKey, version string
	form                                  url.Values
}

// recorder is an http.RoundTripper that keeps every request, so contract
// tests assert what was sent: stripe-mock answers fixtures whatever we send.
type recorder struct {
	mu   sync.Mutex
	reqs []request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	if req.Method == http.MethodGet {
		form = req.URL.Query()
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, request{
		method: req.Method, path: req.URL.Path, form: form,
		idempotencyKey: req.Header.Get("Idempotency-Key"), version: req.Header.Get("Stripe-Version"),
	})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// all returns the requests recorded so far, keeping them.
func (r *recorder) all() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

func (r *recorder) take() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

var now = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func newProcessor(t *testing.T, url string) (*Processor, *recorder) {
	t.Helper()
	rec := &recorder{}
	p, err := New(Config{
		Key: "sk_test_123", URL: url, HTTPClient: &http.Client{Transport: rec, Timeout: 30 * time.Second},
		Prices: billing.DefaultPrices(), Clock: billing.NewTestClock(now),
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, rec
}

func TestConformance(t *testing.T) {
	url := stripemock.Start(t)
	processortest.Run(t, func(t *testing.T) processortest.Harness {
		p, rec := newProcessor(t, url)
		return processortest.Harness{Processor: p, Sent: func() []processortest.Sent { return sent(rec.all()) }}
	})
}

// sent translates the recorded Stripe requests into the suite's terms:
// the POSTs that change something, lookups and tax-id additions left out.
func sent(reqs []request) []processortest.Sent {
	var out []processortest.Sent
	for _, r := range reqs {
		if r.method != http.MethodPost {
			continue
		}
		s := processortest.Sent{IdempotencyKey: r.idempotencyKey}
		parts := strings.Split(strings.TrimPrefix(r.path, "/v1/"), "/")
		switch {
		case parts[0] == "customers" && len(parts) <= 2:
			s.Op, s.Email = "customer", r.form.Get("email")
		case parts[0] == "subscriptions" && len(parts) == 1:
			s.Op, s.Seats = "subscription", atoi(r.form.Get("items[0][quantity]"))
		case parts[0] == "subscriptions" && r.form.Has("items[0][quantity]"):
			s.Op, s.Seats = "seats", atoi(r.form.Get("items[0][quantity]"))
		case parts[0] == "subscriptions" && r.form.Has("cancel_at_period_end"):
			s.Op, s.Cancel = "cancel", r.form.Get("cancel_at_period_end") == "true"
		case parts[0] == "payment_intents":
			s.Op, s.Cents = "charge", int64(atoi(r.form.Get("amount")))
		default:
			continue
		}
		out = append(out, s)
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// want is the expected shape of one request: fields that must have exactly
// these values (the empty string asserts absence).
type want struct {
	method, path, key string
	form              map[string]string
}

func TestRequests(t *testing.T) {
	url := stripemock.Start(t)
	ctx := context.Background()
	anchor := now.AddDate(0, 0, 14)
	tests := []struct {
		name string
		call func(p *Processor) error
		want []want
	}{
		{"new customer with EU VAT id", func(p *Processor) error {
			_, err := p.EnsureCustomer(ctx, billing.CustomerInput{OrgID: "org-1", Name: "Acme GmbH", Email: "b@acme.example",
				Country: "de", VATNumber: "de 123 456 789", IdempotencyKey: "customer-org-1-rev-1"})
			return err
		}, []want{{"POST", "/v1/customers", "customer-org-1-rev-1", map[string]string{
			"name": "Acme GmbH", "email": "b@acme.example", "address[country]": "DE", "metadata[depot_org_id]": "org-1",
			"tax_id_data[0][type]": "eu_vat", "tax_id_data[0][value]": "DE123456789",
		}}}},
		{"new customer outside the EU has no tax id", func(p *Processor) error {
			_, err := p.EnsureCustomer(ctx, billing.CustomerInput{OrgID: "org-2", Name: "Jane", Email: "j@x.example",
				Country: "US", IdempotencyKey: "customer-org-2-rev-1"})
			return err
		}, []want{{"POST", "/v1/customers", "customer-org-2-rev-1", map[string]string{"address[country]": "US", "tax_id_data[0][type]": ""}}}},
		{"customer update adds the VAT id when missing", func(p *Processor) error {
			_, err := p.EnsureCustomer(ctx, billing.CustomerInput{CustomerRef: "cus_1", OrgID: "org-3", Name: "Olympos", Email: "o@x.example",
				Country: "GR", VATNumber: "EL094259216", IdempotencyKey: "customer-org-3-rev-2"})
			return err
		}, []want{
			{"POST", "/v1/customers/cus_1", "customer-org-3-rev-2", map[string]string{"address[country]": "GR", "tax_id_data[0][type]": ""}},
			{"GET", "/v1/customers/cus_1/tax_ids", "", nil},
			{"POST", "/v1/customers/cus_1/tax_ids", "customer-org-3-rev-2-tax-id", map[string]string{"type": "eu_vat", "value": "EL094259216"}},
		}},
		{"monthly subscription anchored in the future", func(p *Processor) error {
			_, err := p.CreateSubscription(ctx, billing.SubscriptionInput{CustomerRef: "cus_1", Plan: billing.Monthly, Seats: 3,
				Anchor: anchor, IdempotencyKey: "subscription-s1-gen-1"})
			return err
		}, []want{
			{"GET", "/v1/prices", "", map[string]string{"lookup_keys[0]": "depot_seat_monthly_usd_700"}},
			{"POST", "/v1/subscriptions", "subscription-s1-gen-1", map[string]string{
				"customer": "cus_1", "items[0][quantity]": "3", "collection_method": "send_invoice", "days_until_due": "15",
				"billing_cycle_anchor": "1715774400", "proration_behavior": "none", "metadata[depot_plan]": "MONTHLY",
			}},
		}},
		{"annual subscription starting now keeps the default anchor", func(p *Processor) error {
			_, err := p.CreateSubscription(ctx, billing.SubscriptionInput{CustomerRef: "cus_1", Plan: billing.Annual, Seats: 1,
				Anchor: now, IdempotencyKey: "subscription-s2-gen-1"})
			return err
		}, []want{
			{"GET", "/v1/prices", "", map[string]string{"lookup_keys[0]": "depot_seat_annual_usd_7000"}},
			{"POST", "/v1/subscriptions", "subscription-s2-gen-1", map[string]string{"items[0][quantity]": "1", "billing_cycle_anchor": "", "proration_behavior": ""}},
		}},
		{"monthly seat increase prorates on the next invoice", func(p *Processor) error {
			return p.UpdateSeats(ctx, billing.SeatsInput{SubRef: "sub_1", Seats: 5, Proration: billing.ProrationFor(billing.Monthly, 3, 5), IdempotencyKey: "seats-1"})
		}, []want{
			{"GET", "/v1/subscriptions/sub_1", "", nil},
			{"POST", "/v1/subscriptions/sub_1", "seats-1", map[string]string{"items[0][quantity]": "5", "proration_behavior": "create_prorations"}},
		}},
		{"annual seat increase invoices at once", func(p *Processor) error {
			return p.UpdateSeats(ctx, billing.SeatsInput{SubRef: "sub_2", Seats: 4, Proration: billing.ProrationFor(billing.Annual, 1, 4), IdempotencyKey: "seats-2"})
		}, []want{
			{"GET", "/v1/subscriptions/sub_2", "", nil},
			{"POST", "/v1/subscriptions/sub_2", "seats-2", map[string]string{"items[0][quantity]": "4", "proration_behavior": "always_invoice"}},
		}},
		{"seat decrease is not prorated", func(p *Processor) error {
			return p.UpdateSeats(ctx, billing.SeatsInput{SubRef: "sub_2", Seats: 2, Proration: billing.ProrationFor(billing.Annual, 4, 2), IdempotencyKey: "seats-3"})
		}, []want{
			{"GET", "/v1/subscriptions/sub_2", "", nil},
			{"POST", "/v1/subscriptions/sub_2", "seats-3", map[string]string{"items[0][quantity]": "2", "proration_behavior": "none"}},
		}},
		{"cancel at period end", func(p *Processor) error {
			return p.CancelAtPeriodEnd(ctx, billing.CancelInput{SubRef: "sub_1", Cancel: true, IdempotencyKey: "cancel-1"})
		}, []want{{"POST", "/v1/subscriptions/sub_1", "cancel-1", map[string]string{"cancel_at_period_end": "true"}}}},
		{"resume", func(p *Processor) error {
			return p.CancelAtPeriodEnd(ctx, billing.CancelInput{SubRef: "sub_1", Cancel: false, IdempotencyKey: "cancel-2"})
		}, []want{{"POST", "/v1/subscriptions/sub_1", "cancel-2", map[string]string{"cancel_at_period_end": "false"}}}},
		{"charge with a payment intent", func(p *Processor) error {
			_, err := p.Charge(ctx, billing.ChargeInput{InvoiceID: "42", InvoiceNumber: "ACME-0007", CustomerRef: "cus_1",
				Amount: billing.Cents(4165), IdempotencyKey: billing.ChargeKey("42", 2)})
			return err
		}, []want{
			{"GET", "/v1/customers/cus_1", "", nil},
			{"POST", "/v1/payment_intents", "invoice-42-attempt-2", map[string]string{
				"amount": "4165", "currency": "usd", "customer": "cus_1", "confirm": "true", "off_session": "true",
				"metadata[depot_invoice_id]": "42", "metadata[depot_invoice_number]": "ACME-0007",
			}},
		}},
		{"charge a Stripe invoice", func(p *Processor) error {
			_, err := p.Charge(ctx, billing.ChargeInput{InvoiceID: "43", CustomerRef: "cus_1", ProcessorInvoiceRef: "in_1",
				IdempotencyKey: billing.ChargeKey("43", 1)})
			return err
		}, []want{{"POST", "/v1/invoices/in_1/pay", "invoice-43-attempt-1", map[string]string{"off_session": "true"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, rec := newProcessor(t, url)
			if err := tt.call(p); err != nil {
				t.Fatalf("call: %v", err)
			}
			got := rec.take()
			if len(got) != len(tt.want) {
				t.Fatalf("%d requests, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.method != w.method || g.path != w.path {
					t.Errorf("request %d: %s %s, want %s %s", i, g.method, g.path, w.method, w.path)
				}
				if g.version != "2023-10-16" {
					t.Errorf("request %d: Stripe-Version %q, want 2023-10-16", i, g.version)
				}
				if g.idempotencyKey != w.key {
					t.Errorf("request %d: Idempotency-Key %q, want %q", i, g.idempotencyKey, w.key)
				}
				for k, v := range w.form {
					if got := g.form.Get(k); got != v {
						t.Errorf("request %d: %s = %q, want %q", i, k, got, v)
					}
				}
			}
		})
	}
}

func TestEveryPostHasAnIdempotencyKey(t *testing.T) {
	url := stripemock.Start(t)
	p, rec := newProcessor(t, url)
	processortest.Run(t, func(*testing.T) processortest.Harness {
		return processortest.Harness{Processor: p, Sent: func() []processortest.Sent { return sent(rec.all()) }}
	})
	reqs := rec.take()
	posts := 0
	for _, r := range reqs {
		if r.method == http.MethodPost {
			posts++
			if r.idempotencyKey == "" {
				t.Errorf("POST %s without Idempotency-Key", r.path)
			}
		}
	}
	if posts == 0 {
		t.Errorf("no POST recorded among %d requests", len(reqs))
	}
}

func TestPriceIsCachedAndCreatedWhenMissing(t *testing.T) {
	url := stripemock.Start(t)
	p, rec := newProcessor(t, url)
	ctx := context.Background()
	for i := range 2 {
		if _, err := p.price(ctx, billing.Annual); err != nil {
			t.Fatalf("price %d: %v", i, err)
		}
	}
	if got := len(rec.take()); got != 1 {
		t.Errorf("%d requests for two lookups, want 1 (cached)", got)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no key", Config{Prices: billing.DefaultPrices()}},
		{"no prices", Config{Key: "sk_test_1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); !errors.Is(err, billing.ErrInvalidInput) {
				t.Errorf("err = %v, want ErrInvalidInput", err)
			}
		})
	}
}

func TestErrorMapping(t *testing.T) {
	// Against a server that answers every request with a Stripe error.
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"404 is not found", 404, `{"error":{"type":"invalid_request_error","message":"No such subscription"}}`, billing.ErrNotFound},
		{"400 is invalid input", 400, `{"error":{"type":"invalid_request_error","message":"bad"}}`, billing.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newErrorServer(t, tt.status, tt.body)
			p, _ := newProcessor(t, srv)
			err := p.CancelAtPeriodEnd(context.Background(), billing.CancelInput{SubRef: "sub_x", Cancel: true, IdempotencyKey: "k"})
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("card decline is a failed payment, not an error", func(t *testing.T) {
		srv := newErrorServer(t, 402, `{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined.","payment_intent":{"id":"pi_declined"}}}`)
		p, _ := newProcessor(t, srv)
		res, err := p.Charge(context.Background(), billing.ChargeInput{InvoiceID: "1", CustomerRef: "cus_1", ProcessorInvoiceRef: "in_1", IdempotencyKey: "k"})
		if err != nil || res.Succeeded || res.FailureMessage != "Your card was declined." || res.Ref != "pi_declined" {
			t.Errorf("Charge = %+v, %v; want a declined result", res, err)
		}
	})
}
