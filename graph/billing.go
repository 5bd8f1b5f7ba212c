package graph

import (
	"strings"

	"entgo.io/contrib/entgql"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/service"
	"github.com/depot-registry/depot/graph/model"
	"github.com/depot-registry/depot/urls"
)

func money(m billing.Money) *model.Money {
	cur := m.Currency
	if cur == "" {
		cur = billing.USD
	}
	return &model.Money{Cents: int(m.Cents), Currency: cur}
}

func toBilling(b *service.Billing) *model.Billing {
	if b == nil {
		return nil
	}
	out := &model.Billing{
		Plan: model.Plan(b.Plan), Seats: b.Seats, SeatsUsed: b.SeatsUsed, Status: model.SubscriptionStatus(b.Status),
		CurrentPeriodStart: b.CurrentPeriodStart, CurrentPeriodEnd: b.CurrentPeriodEnd,
		CancelAtPeriodEnd: b.CancelAtPeriodEnd, TrialEnd: b.TrialEnd, NextRetryAt: b.NextRetryAt, Entitled: b.Entitled,
	}
	if b.OpenInvoice != "" {
		out.OpenInvoice = &b.OpenInvoice
	}
	return out
}

func toProfile(p service.Profile) *model.BillingProfile {
	return &model.BillingProfile{
		Email: p.Email, Name: p.Name, Address: p.Address, Country: p.Country, Company: p.Company,
		VatNumber: p.VATNumber, VatRateBasisPoints: p.VAT.RateBP, ReverseCharge: p.VAT.ReverseCharge,
	}
}

func toLine(l service.LineView) *model.InvoiceLine {
	return &model.InvoiceLine{
		Kind: model.InvoiceLineKind(strings.ToUpper(l.Kind)), Description: l.Description, Quantity: l.Quantity,
		UnitAmount: money(l.UnitAmount), Amount: money(l.Amount), PeriodStart: l.PeriodStart, PeriodEnd: l.PeriodEnd,
	}
}

func party(m map[string]string) *model.InvoiceParty {
	p := &model.InvoiceParty{Name: m["name"], Address: m["address"], Country: m["country"]}
	if v := m["vat_number"]; v != "" {
		p.VatNumber = &v
	}
	return p
}

func (r *Resolver) toInvoice(org string, inv *service.InvoiceView) *model.Invoice {
	if inv == nil {
		return nil
	}
	out := &model.Invoice{
		Number: inv.Number, Status: model.InvoiceStatus(inv.Status), Currency: inv.Currency,
		Subtotal: money(inv.Subtotal), VatRateBasisPoints: inv.VATRateBP, Vat: money(inv.VAT), Total: money(inv.Total),
		ReverseCharge: inv.ReverseCharge, PeriodStart: inv.PeriodStart, PeriodEnd: inv.PeriodEnd,
		IssuedAt: inv.IssuedAt, PaidAt: inv.PaidAt, Seller: party(inv.Seller), Buyer: party(inv.Buyer),
		Lines: []*model.InvoiceLine{}, PaymentAttempts: []*model.PaymentAttempt{},
		HTMLURL: urls.Site{Base: r.PublicURL}.InvoicePage(org, inv.Number),
	}
	if inv.Note != "" {
		out.Note = &inv.Note
	}
	for _, l := range inv.Lines {
		out.Lines = append(out.Lines, toLine(l))
	}
	for _, a := range inv.Payments {
		pa := &model.PaymentAttempt{AttemptedAt: a.AttemptedAt, Succeeded: a.Succeeded}
		if a.FailureMessage != "" {
			pa.FailureMessage = &a.FailureMessage
		}
		out.PaymentAttempts = append(out.PaymentAttempts, pa)
	}
	return out
}

func toPreview(p service.Preview) *model.SeatChangePreview {
	out := &model.SeatChangePreview{
		Seats: p.Seats, Subtotal: money(p.Totals.Subtotal), VatRateBasisPoints: p.Totals.VATRateBP,
		Vat: money(p.Totals.VAT), Total: money(p.Totals.Total), ChargedNow: p.ChargedNow, OnNextInvoice: p.OnNextInvoice,
	}
	if p.Line.Amount.Cents != 0 {
		out.Line = toLine(service.LineView{Kind: "proration", Description: p.Line.Description, Quantity: int(p.Line.Quantity),
			UnitAmount: p.Line.UnitAmount, Amount: p.Line.Amount, PeriodStart: p.Line.PeriodStart, PeriodEnd: p.Line.PeriodEnd})
	}
	return out
}

// quietForbidden turns the billing service's "not an admin" (or "not a
// member") into a null field: billing fields are admin-only, and an
// organization page must still render for everyone else.
func quietForbidden(err error) error {
	if c := apperr.CodeOf(err); c == apperr.Forbidden || c == apperr.NotFound {
		return nil
	}
	return err
}

// invoiceCursorKind marks invoice cursors, so a cursor of another connection
// passed as invoices(after:) is refused instead of silently starting over.
const invoiceCursorKind = "invoice"

// invoiceCursor is the Relay cursor of the invoice at position seq. The
// position is billing's (Seq); the cursor shape is the one every connection
// of this API uses.
func invoiceCursor(seq int) entgql.Cursor[int] {
	return entgql.Cursor[int]{ID: seq, Value: invoiceCursorKind}
}

// invoiceSeq reads invoices(after:): 0 when absent.
func invoiceSeq(after *entgql.Cursor[int]) (int, error) {
	if after == nil {
		return 0, nil
	}
	if kind, ok := after.Value.(string); !ok || kind != invoiceCursorKind || after.ID <= 0 {
		return 0, apperr.Invalid("after", "invalid invoice cursor: pass the cursor of an invoice you received")
	}
	return after.ID, nil
}
