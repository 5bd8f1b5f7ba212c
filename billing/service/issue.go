package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/invoice"
	"github.com/depot-registry/depot/ent/invoiceline"
	"github.com/depot-registry/depot/ent/paymentattempt"
	"github.com/depot-registry/depot/mail"
)

// Line kinds stored in invoice_line.kind.
const (
	kindSubscription = "subscription"
	kindProration    = "proration"
	kindCredit       = "credit"
)

func lineKind(l billing.Line) string {
	switch {
	case l.Amount.Cents < 0:
		return kindCredit
	case l.Proration:
		return kindProration
	}
	return kindSubscription
}

func buyerOf(p *ent.BillingProfile) billing.Profile {
	return billing.Profile{Name: p.Name, Address: p.Address, Email: p.Email, Country: p.Country, Company: p.Company, VATNumber: p.VatNumber}
}

// issue creates an open invoice with lines (and, withPending, the
// organization's pending proration lines), numbered with the next sequence
// of the organization, mails it to the billing email and audits it.
func (r *run) issue(ctx context.Context, lines []billing.Line, withPending bool, start, end time.Time) (*ent.Invoice, error) {
	org := r.acct.org
	var pending []*ent.InvoiceLine
	if withPending {
		var err error
		pending, err = r.client().InvoiceLine.Query().
			Where(invoiceline.OrganizationID(org.ID), invoiceline.InvoiceIDIsNil()).
			Order(ent.Asc(invoiceline.FieldID)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("load pending lines: %w", err)
		}
	}
	all := append([]billing.Line(nil), lines...)
	for _, p := range pending {
		all = append(all, lineOf(p, r.s.Prices.Monthly.Currency))
	}
	buyer := buyerOf(r.acct.profile)
	totals, err := billing.ComputeInvoice(r.s.Seller, buyer, all)
	if err != nil {
		return nil, domainErr(err, "")
	}
	seq := 1
	last, err := r.client().Invoice.Query().Where(invoice.OrganizationID(org.ID)).Order(ent.Desc(invoice.FieldSeq)).First(ctx)
	switch {
	case err == nil:
		seq = last.Seq + 1
	case !ent.IsNotFound(err):
		return nil, fmt.Errorf("next invoice number: %w", err)
	}
	inv, err := r.tx.Invoice.Create().
		SetOrganizationID(org.ID).
		SetSeq(seq).
		SetNumber(billing.FormatInvoiceNumber(org.Name, seq)).
		SetStatus(invoice.StatusOPEN).
		SetCurrency(totals.Currency).
		SetSubtotalCents(totals.Subtotal.Cents).
		SetVatRateBp(totals.VATRateBP).
		SetVatCents(totals.VAT.Cents).
		SetTotalCents(totals.Total.Cents).
		SetReverseCharge(totals.ReverseCharge).
		SetPeriodStart(start.UTC()).
		SetPeriodEnd(end.UTC()).
		SetSeller(sellerMap(r.s.Seller)).
		SetBuyer(buyerMap(buyer)).
		SetIssuedAt(r.now).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("create invoice: %w", err)
	}
	for _, l := range lines {
		if err := r.addLine(ctx, &inv.ID, l); err != nil {
			return nil, err
		}
	}
	if len(pending) > 0 {
		ids := make([]int, len(pending))
		for i, p := range pending {
			ids[i] = p.ID
		}
		if err := r.tx.InvoiceLine.Update().Where(invoiceline.IDIn(ids...)).SetInvoiceID(inv.ID).Exec(ctx); err != nil {
			return nil, fmt.Errorf("attach pending lines: %w", err)
		}
	}
	if err := r.notify(ctx, "Depot invoice "+inv.Number, invoiceText(inv, all, totals), "invoice"); err != nil {
		return nil, err
	}
	err = audit.Record(ctx, r.tx, audit.Entry{Action: "billing.invoice_issue", OrganizationID: org.ID,
		Params: map[string]any{"number": inv.Number, "total_cents": inv.TotalCents, "currency": inv.Currency}})
	return inv, err
}

// addLine stores a line; a nil invoice makes it pending (monthly proration).
func (r *run) addLine(ctx context.Context, invoiceID *int, l billing.Line) error {
	err := r.tx.InvoiceLine.Create().
		SetOrganizationID(r.acct.org.ID).
		SetNillableInvoiceID(invoiceID).
		SetKind(lineKind(l)).
		SetDescription(l.Description).
		SetQuantity(int(l.Quantity)).
		SetUnitCents(l.UnitAmount.Cents).
		SetAmountCents(l.Amount.Cents).
		SetPeriodStart(l.PeriodStart.UTC()).
		SetPeriodEnd(l.PeriodEnd.UTC()).
		SetCreatedAt(r.now).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store invoice line: %w", err)
	}
	return nil
}

// lineOf turns a stored line back into a billing line; lines carry no
// currency of their own, they are in the prices' currency.
func lineOf(l *ent.InvoiceLine, cur string) billing.Line {
	return billing.Line{
		Description: l.Description,
		Quantity:    int64(l.Quantity),
		UnitAmount:  billing.Money{Cents: l.UnitCents, Currency: cur},
		Amount:      billing.Money{Cents: l.AmountCents, Currency: cur},
		PeriodStart: l.PeriodStart.UTC(),
		PeriodEnd:   l.PeriodEnd.UTC(),
		Proration:   l.Kind == kindProration,
	}
}

// charge collects an open invoice once and records the attempt. The
// idempotency key is the invoice number and the attempt's position among
// the invoice's attempts, both from our rows: the same attempt retried after
// a rollback replays the processor's answer. A zero invoice is settled
// without the processor, which refuses charges of nothing.
func (s *Service) charge(ctx context.Context, tx *ent.Tx, profile *ent.BillingProfile, inv *ent.Invoice, now time.Time) (billing.PaymentResult, error) {
	n, err := tx.PaymentAttempt.Query().Where(paymentattempt.InvoiceID(inv.ID)).Count(ctx)
	if err != nil {
		return billing.PaymentResult{}, fmt.Errorf("count payment attempts: %w", err)
	}
	key := billing.ChargeKey(inv.Number, n+1)
	res := billing.PaymentResult{Succeeded: true}
	if inv.TotalCents > 0 {
		res, err = s.Processor.Charge(ctx, billing.ChargeInput{
			InvoiceID: strconv.Itoa(inv.ID), InvoiceNumber: inv.Number, CustomerRef: profile.ProcessorCustomerRef,
			Amount: billing.Money{Cents: inv.TotalCents, Currency: inv.Currency}, IdempotencyKey: key,
		})
		if err != nil {
			return billing.PaymentResult{}, fmt.Errorf("charge invoice %s: %w", inv.Number, err)
		}
	}
	err = tx.PaymentAttempt.Create().SetInvoiceID(inv.ID).SetAttemptedAt(now).SetSucceeded(res.Succeeded).
		SetFailureMessage(res.FailureMessage).SetProcessorRef(res.Ref).SetIdempotencyKey(key).Exec(ctx)
	if err != nil {
		return billing.PaymentResult{}, fmt.Errorf("record payment attempt: %w", err)
	}
	if res.Succeeded {
		if err := tx.Invoice.UpdateOne(inv).SetStatus(invoice.StatusPAID).SetPaidAt(now).Exec(ctx); err != nil {
			return billing.PaymentResult{}, fmt.Errorf("mark invoice %s paid: %w", inv.Number, err)
		}
	}
	return res, nil
}

// notify mails the organization's billing email.
func (r *run) notify(ctx context.Context, subject, body, kind string) error {
	return mail.Enqueue(ctx, r.tx, mail.Message{To: r.acct.profile.Email, Subject: subject, Body: body, Kind: kind})
}

func sellerMap(s billing.Seller) map[string]string {
	return map[string]string{"name": s.Name, "address": s.Address, "country": s.Country, "vat_number": s.VATNumber}
}

func buyerMap(p billing.Profile) map[string]string {
	return map[string]string{"name": p.Name, "address": p.Address, "email": p.Email, "country": p.Country,
		"vat_number": p.VATNumber, "company": strconv.FormatBool(p.Company)}
}

func money(cents int64, currency string) string {
	return billing.Money{Cents: cents, Currency: currency}.String()
}

// invoiceText is the plain-text invoice mail.
func invoiceText(inv *ent.Invoice, lines []billing.Line, t billing.Totals) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Invoice %s\nPeriod: %s to %s\n\n", inv.Number, inv.PeriodStart.UTC().Format(time.DateOnly), inv.PeriodEnd.UTC().Format(time.DateOnly))
	for _, l := range lines {
		fmt.Fprintf(&b, "%s  %s\n", l.Description, l.Amount)
	}
	fmt.Fprintf(&b, "\nSubtotal: %s\nVAT %s: %s\nTotal: %s\n", t.Subtotal, rate(t.VATRateBP), t.VAT, t.Total)
	if t.Note != "" {
		fmt.Fprintf(&b, "\n%s\n", t.Note)
	}
	return b.String()
}

// rate formats basis points as a percentage: 1900 -> "19%", 2550 -> "25.5%".
func rate(bp int) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}
