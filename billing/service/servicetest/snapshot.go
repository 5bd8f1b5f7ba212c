package servicetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/invoice"
)

// Snapshot is what a billing change can touch, to assert that refused
// input, replays and idempotent runs change nothing.
type Snapshot struct {
	Invoices       string // number:status:total of every invoice
	Lines          int
	Attempts       int
	Audit          int
	Mail           int
	Webhooks       int
	Subscriptions  string
	Profiles       string
	ProcessorCalls int
}

// Snapshot reads the billing tables.
func (f *Fixture) Snapshot(t testing.TB) Snapshot {
	t.Helper()
	ctx := context.Background()
	var s Snapshot
	must := func(n int, err error) int {
		t.Helper()
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		return n
	}
	s.Lines = must(f.DB.InvoiceLine.Query().Count(ctx))
	s.Attempts = must(f.DB.PaymentAttempt.Query().Count(ctx))
	s.Audit = must(f.DB.AuditLog.Query().Count(ctx))
	s.Mail = must(f.DB.MailMessage.Query().Count(ctx))
	s.Webhooks = must(f.DB.ProcessedWebhook.Query().Count(ctx))
	s.ProcessorCalls = len(f.Processor.Calls())
	invs, err := f.DB.Invoice.Query().Order(ent.Asc(invoice.FieldID)).All(ctx)
	if err != nil {
		t.Fatalf("snapshot invoices: %v", err)
	}
	var b strings.Builder
	for _, i := range invs {
		fmt.Fprintf(&b, "%s:%s:%d ", i.Number, i.Status, i.TotalCents)
	}
	s.Invoices = b.String()
	subs, err := f.DB.Subscription.Query().All(ctx)
	if err != nil {
		t.Fatalf("snapshot subscriptions: %v", err)
	}
	b.Reset()
	for _, x := range subs {
		fmt.Fprintf(&b, "%d:%s:%s:%d:%s-%s:%t:%d:%v:%v:%s:%d ", x.OrganizationID, x.Plan, x.Status, x.Seats,
			x.CurrentPeriodStart.UTC(), x.CurrentPeriodEnd.UTC(), x.CancelAtPeriodEnd, x.Retries, x.FirstFailureAt, x.CanceledAt, x.ProcessorRef, x.StateVersion)
	}
	s.Subscriptions = b.String()
	profiles, err := f.DB.BillingProfile.Query().All(ctx)
	if err != nil {
		t.Fatalf("snapshot profiles: %v", err)
	}
	b.Reset()
	for _, p := range profiles {
		fmt.Fprintf(&b, "%d:%s:%s:%s:%t:%s:%s ", p.OrganizationID, p.Email, p.Name, p.Country, p.Company, p.VatNumber, p.ProcessorCustomerRef)
	}
	s.Profiles = b.String()
	return s
}
