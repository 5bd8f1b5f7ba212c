package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/service"
	"github.com/depot-registry/depot/billing/service/servicetest"
	"github.com/depot-registry/depot/ent/mailmessage"
	"github.com/depot-registry/depot/ent/membership"
)

// at is 09:00 UTC on a day of the walk.
func at(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }

// wantInvoice is the exact content expected of one invoice.
type wantInvoice struct {
	number                 string
	status                 service.InvoiceStatus
	subtotal, vat, total   int64
	rateBP                 int
	reverseCharge          bool
	periodStart, periodEnd time.Time
	lineAmounts            []int64
	attempts               int
}

func checkInvoice(t *testing.T, f *servicetest.Fixture, ctx context.Context, org string, w wantInvoice) *service.InvoiceView {
	t.Helper()
	inv, err := f.Service.Invoice(ctx, org, w.number)
	if err != nil {
		t.Fatalf("Invoice(%s): %v", w.number, err)
	}
	if inv.Status != w.status || inv.Subtotal.Cents != w.subtotal || inv.VAT.Cents != w.vat || inv.Total.Cents != w.total ||
		inv.VATRateBP != w.rateBP || inv.ReverseCharge != w.reverseCharge || inv.Currency != "USD" {
		t.Errorf("%s = %s subtotal %d VAT %d (%d bp, reverse %t) total %d; want %s %d %d (%d bp, reverse %t) %d",
			w.number, inv.Status, inv.Subtotal.Cents, inv.VAT.Cents, inv.VATRateBP, inv.ReverseCharge, inv.Total.Cents,
			w.status, w.subtotal, w.vat, w.rateBP, w.reverseCharge, w.total)
	}
	if !inv.PeriodStart.Equal(w.periodStart) || !inv.PeriodEnd.Equal(w.periodEnd) {
		t.Errorf("%s period = %s to %s, want %s to %s", w.number, inv.PeriodStart, inv.PeriodEnd, w.periodStart, w.periodEnd)
	}
	var amounts []int64
	for _, l := range inv.Lines {
		amounts = append(amounts, l.Amount.Cents)
	}
	if !equal(amounts, w.lineAmounts) {
		t.Errorf("%s lines = %v, want %v", w.number, amounts, w.lineAmounts)
	}
	if len(inv.Payments) != w.attempts {
		t.Errorf("%s has %d payment attempts, want %d", w.number, len(inv.Payments), w.attempts)
	}
	return inv
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func entitled(t *testing.T, f *servicetest.Fixture, orgID int) bool {
	t.Helper()
	m, err := f.Service.Entitled(context.Background(), []int{orgID})
	if err != nil {
		t.Fatalf("Entitled: %v", err)
	}
	return m[orgID]
}

func tick(t *testing.T, f *servicetest.Fixture, when time.Time) {
	t.Helper()
	f.Clock.Set(when)
	if err := f.Service.Tick(context.Background()); err != nil {
		t.Fatalf("Tick at %s: %v", when, err)
	}
	// Idempotency: a second run at the same instant changes nothing.
	before := f.Snapshot(t)
	if err := f.Service.Tick(context.Background()); err != nil {
		t.Fatalf("second Tick at %s: %v", when, err)
	}
	if after := f.Snapshot(t); after != before {
		t.Fatalf("second Tick at %s changed something:\nbefore %+v\nafter  %+v", when, before, after)
	}
}

func profile(t *testing.T, f *servicetest.Fixture, ctx context.Context, org string, in service.ProfileInput) {
	t.Helper()
	if _, err := f.Service.UpdateProfile(ctx, org, in); err != nil {
		t.Fatalf("UpdateProfile(%+v): %v", in, err)
	}
}

func status(t *testing.T, f *servicetest.Fixture, ctx context.Context, org string) *service.Billing {
	t.Helper()
	b, err := f.Service.Billing(ctx, org)
	if err != nil || b == nil {
		t.Fatalf("Billing = %v, %v", b, err)
	}
	return b
}

// TestYearWalk follows one organization through a year and a half of
// billing with the clock, checking every invoice to the cent.
func TestYearWalk(t *testing.T) {
	f := servicetest.New(t, at(2025, time.January, 31))
	org := f.Org(t, "acme", membership.RoleADMIN, membership.RoleWRITE, membership.RoleREAD)
	ctx := org.As(0)
	const name = "acme"

	// A German private customer starts monthly on January 31 with 3 seats.
	profile(t, f, ctx, name, service.ProfileInput{Email: "ap@acme.example", Name: "Erika Mustermann", Address: "Berlin", Country: "de"})
	b, err := f.Service.Start(ctx, name, billing.Monthly, 3)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if b.Status != billing.StatusActive || !b.Entitled || b.SeatsUsed != 3 {
		t.Fatalf("after Start: %+v", b)
	}
	checkInvoice(t, f, ctx, name, wantInvoice{number: "ACME-0001", status: service.InvoicePaid,
		subtotal: 2100, vat: 399, total: 2499, rateBP: 1900, periodStart: at(2025, 1, 31), periodEnd: at(2025, 2, 28),
		lineAmounts: []int64{2100}, attempts: 1})

	// Mid-period, two more seats: half of February is left, so the pending
	// proration is exactly one seat-month.
	f.Clock.Set(at(2025, 2, 14))
	p, err := f.Service.PreviewSeatChange(ctx, name, 5)
	if err != nil {
		t.Fatalf("PreviewSeatChange: %v", err)
	}
	if p.Line.Amount.Cents != 700 || p.Totals.VAT.Cents != 133 || p.Totals.Total.Cents != 833 || !p.OnNextInvoice || p.ChargedNow {
		t.Errorf("preview = %+v, want 7.00 + 1.33 VAT on the next invoice", p)
	}
	if _, err := f.Service.ChangeSeats(ctx, name, 5); err != nil {
		t.Fatalf("ChangeSeats(5): %v", err)
	}
	if page, _ := f.Service.Invoices(ctx, name, 0, 0); page.TotalCount != 1 {
		t.Errorf("a monthly seat increase issued an invoice: %d invoices", page.TotalCount)
	}

	// The customer becomes a Swedish company: 25% on the February 28
	// renewal, which also carries the pending proration. One second before
	// the billing day nothing happens.
	profile(t, f, ctx, name, service.ProfileInput{Email: "ap@acme.example", Name: "Acme AB", Address: "Stockholm", Country: "SE", Company: true, VATNumber: "SE556677889901"})
	before := f.Snapshot(t)
	tick(t, f, at(2025, 2, 28).Add(-time.Second))
	if after := f.Snapshot(t); after != before {
		t.Errorf("Tick before the billing day changed something")
	}
	tick(t, f, at(2025, 2, 28))
	checkInvoice(t, f, ctx, name, wantInvoice{number: "ACME-0002", status: service.InvoicePaid,
		subtotal: 4200, vat: 1050, total: 5250, rateBP: 2500, periodStart: at(2025, 2, 28), periodEnd: at(2025, 3, 31),
		lineAmounts: []int64{700, 3500}, attempts: 1})

	// A French company with a VAT number: reverse charge on March 31 (the
	// billing day is back on the 31st).
	profile(t, f, ctx, name, service.ProfileInput{Email: "ap@acme.example", Name: "Acme SARL", Address: "Paris", Country: "FR", Company: true, VATNumber: "FR 40 303 265 045"})
	tick(t, f, at(2025, 3, 31))
	inv := checkInvoice(t, f, ctx, name, wantInvoice{number: "ACME-0003", status: service.InvoicePaid,
		subtotal: 3500, vat: 0, total: 3500, rateBP: 0, reverseCharge: true, periodStart: at(2025, 3, 31), periodEnd: at(2025, 4, 30),
		lineAmounts: []int64{3500}, attempts: 1})
	if !strings.Contains(inv.Note, "Reverse charge") || inv.Buyer["vat_number"] != "FR40303265045" {
		t.Errorf("reverse-charged invoice: note %q, buyer %v", inv.Note, inv.Buyer)
	}

	// A US customer pays no VAT; April has 30 days.
	profile(t, f, ctx, name, service.ProfileInput{Email: "ap@acme.example", Name: "Acme Inc.", Address: "Austin, TX", Country: "US", Company: true})
	tick(t, f, at(2025, 4, 30))
	checkInvoice(t, f, ctx, name, wantInvoice{number: "ACME-0004", status: service.InvoicePaid,
		subtotal: 3500, vat: 0, total: 3500, rateBP: 0, periodStart: at(2025, 4, 30), periodEnd: at(2025, 5, 31),
		lineAmounts: []int64{3500}, attempts: 1})

	// Switch to annual on May 15: a year for 5 seats, minus the unused 16 of
	// May's 31 days: 3500 * 16 / 31 = 1806.45 -> 18.06 credit.
	f.Clock.Set(at(2025, 5, 15))
	if b, err = f.Service.ChangePlan(ctx, name, billing.Annual); err != nil {
		t.Fatalf("ChangePlan: %v", err)
	}
	if b.Plan != billing.Annual || !b.CurrentPeriodEnd.Equal(at(2026, 5, 15)) || b.Status != billing.StatusActive {
		t.Errorf("after switching: %+v", b)
	}
	checkInvoice(t, f, ctx, name, wantInvoice{number: "ACME-0005", status: service.InvoicePaid,
		subtotal: 33194, vat: 0, total: 33194, periodStart: at(2025, 5, 15), periodEnd: at(2026, 5, 15),
		lineAmounts: []int64{35000, -1806}, attempts: 1})
	tick(t, f, at(2025, 5, 31)) // the old monthly billing day bills nothing
	if page, _ := f.Service.Invoices(ctx, name, 0, 0); page.TotalCount != 5 {
		t.Errorf("%d invoices after the old monthly billing day, want 5", page.TotalCount)
	}

	// Two more seats on August 15, 273 of 365 days left, invoiced and
	// charged at once: 14000 * 273 / 365 = 10471.23.
	f.Clock.Set(at(2025, 8, 15))
	if p, err = f.Service.PreviewSeatChange(ctx, name, 7); err != nil || p.Line.Amount.Cents != 10471 || !p.ChargedNow || p.OnNextInvoice {
		t.Errorf("annual preview = %+v, %v; want 104.71 charged now", p, err)
	}
	if _, err := f.Service.ChangeSeats(ctx, name, 7); err != nil {
		t.Fatalf("ChangeSeats(7): %v", err)
	}
	checkInvoice(t, f, ctx, name, wantInvoice{number: "ACME-0006", status: service.InvoicePaid,
		subtotal: 10471, total: 10471, periodStart: at(2025, 8, 15), periodEnd: at(2026, 5, 15),
		lineAmounts: []int64{10471}, attempts: 1})

	// The renewal on May 15, 2026 fails, and so do all three retries.
	f.Processor.FailNext(4)
	tick(t, f, at(2026, 5, 15))
	if b := status(t, f, ctx, name); b.Status != billing.StatusPastDue || !b.Entitled || b.OpenInvoice != "ACME-0007" ||
		b.NextRetryAt == nil || !b.NextRetryAt.Equal(at(2026, 5, 18)) {
		t.Fatalf("after the failed renewal: %+v", b)
	}
	retries := []struct {
		when     time.Time
		attempts int
	}{
		{at(2026, 5, 18).Add(-time.Second), 1},
		{at(2026, 5, 18), 2},
		{at(2026, 5, 22), 3},
		{at(2026, 5, 27), 4},
		{at(2026, 5, 30).Add(-time.Second), 4},
	}
	for _, r := range retries {
		tick(t, f, r.when)
		checkInvoice(t, f, ctx, name, wantInvoice{number: "ACME-0007", status: service.InvoiceOpen,
			subtotal: 49000, total: 49000, periodStart: at(2026, 5, 15), periodEnd: at(2027, 5, 15),
			lineAmounts: []int64{49000}, attempts: r.attempts})
		if !entitled(t, f, org.ID) {
			t.Errorf("not entitled at %s, inside the grace period", r.when)
		}
	}

	// Day 15: cancelled, private access gone, data kept.
	tick(t, f, at(2026, 5, 30))
	if b := status(t, f, ctx, name); b.Status != billing.StatusCanceled || b.Entitled {
		t.Fatalf("on day 15: %+v", b)
	}
	if entitled(t, f, org.ID) {
		t.Errorf("entitled after cancellation for non-payment")
	}
	dunning, err := f.DB.MailMessage.Query().Where(mailmessage.Kind("dunning"), mailmessage.To("ap@acme.example")).Count(context.Background())
	if err != nil || dunning != 5 {
		t.Errorf("%d dunning mails (%v), want 4 failures + 1 cancellation", dunning, err)
	}
	invoices, err := f.DB.MailMessage.Query().Where(mailmessage.Kind("invoice")).Count(context.Background())
	if err != nil || invoices != 7 {
		t.Errorf("%d invoice mails (%v), want 7", invoices, err)
	}

	// Paying the open invoice restores the subscription and the access.
	f.Clock.Set(at(2026, 6, 2))
	if _, err := f.Service.PayInvoice(ctx, name, "ACME-0007"); err != nil {
		t.Fatalf("PayInvoice: %v", err)
	}
	if b := status(t, f, ctx, name); b.Status != billing.StatusActive || !b.Entitled || !b.CurrentPeriodEnd.Equal(at(2027, 5, 15)) {
		t.Fatalf("after paying: %+v", b)
	}
	if !entitled(t, f, org.ID) {
		t.Errorf("not entitled after paying the open invoice")
	}
	checkInvoice(t, f, ctx, name, wantInvoice{number: "ACME-0007", status: service.InvoicePaid,
		subtotal: 49000, total: 49000, periodStart: at(2026, 5, 15), periodEnd: at(2027, 5, 15),
		lineAmounts: []int64{49000}, attempts: 5})
	tick(t, f, at(2026, 6, 2))

	// The history reads back in pages, newest first.
	page, err := f.Service.Invoices(ctx, name, 4, 0)
	if err != nil || len(page.Invoices) != 4 || !page.HasNextPage || page.TotalCount != 7 || page.Invoices[0].Number != "ACME-0007" {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	rest, err := f.Service.Invoices(ctx, name, 4, page.EndCursor)
	if err != nil || len(rest.Invoices) != 3 || rest.HasNextPage || rest.Invoices[2].Number != "ACME-0001" {
		t.Fatalf("second page = %+v, %v", rest, err)
	}
}
