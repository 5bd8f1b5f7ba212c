package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/invoice"
	"github.com/depot-registry/depot/ent/paymentattempt"
)

// Billing is an organization's subscription as its admins see it.
type Billing struct {
	Plan               billing.Plan
	Seats              int
	SeatsUsed          int
	Status             billing.Status
	CurrentPeriodStart time.Time
	CurrentPeriodEnd   time.Time
	CancelAtPeriodEnd  bool
	TrialEnd           *time.Time
	// NextRetryAt is when a failed charge is tried again (PAST_DUE only).
	NextRetryAt *time.Time
	// OpenInvoice is the number of the invoice being collected, if any.
	OpenInvoice string
	// Entitled reports whether private packages are available now.
	Entitled bool
}

// Billing returns the organization's subscription, nil when it never
// subscribed.
func (s *Service) Billing(ctx context.Context, orgName string) (*Billing, error) {
	a, err := load(ctx, s.DB, orgName, false)
	if err != nil {
		return nil, err
	}
	if a.sub == nil {
		return nil, nil
	}
	n, err := members(ctx, s.DB, a.org.ID)
	if err != nil {
		return nil, err
	}
	open, err := openInvoice(ctx, s.DB, a.org.ID)
	if err != nil {
		return nil, err
	}
	st := stateOf(a.sub, open)
	b := &Billing{
		Plan: st.Plan, Seats: st.Seats, SeatsUsed: n, Status: st.Status,
		CurrentPeriodStart: st.CurrentPeriodStart, CurrentPeriodEnd: st.CurrentPeriodEnd,
		CancelAtPeriodEnd: st.CancelAtPeriodEnd, TrialEnd: ptr(utc(a.sub.TrialEnd)), NextRetryAt: ptr(utc(a.sub.NextRetryAt)),
		Entitled: billing.Entitled(st, s.Clock.Now()),
	}
	if open != nil {
		b.OpenInvoice = open.Number
	}
	return b, nil
}

// InvoiceStatus is an invoice's state; the values are the GraphQL enum's.
type InvoiceStatus string

// The invoice states.
const (
	InvoiceDraft         InvoiceStatus = "DRAFT"
	InvoiceOpen          InvoiceStatus = "OPEN"
	InvoicePaid          InvoiceStatus = "PAID"
	InvoiceVoid          InvoiceStatus = "VOID"
	InvoiceUncollectible InvoiceStatus = "UNCOLLECTIBLE"
)

// InvoiceView is an invoice with everything printed on it.
type InvoiceView struct {
	// Seq orders an organization's invoices (1, 2, ...): a page position.
	Seq           int
	Number        string
	Status        InvoiceStatus
	Currency      string
	Subtotal      billing.Money
	VATRateBP     int
	VAT           billing.Money
	Total         billing.Money
	ReverseCharge bool
	// Note is the text the invoice must carry (the reverse-charge mention).
	Note        string
	PeriodStart time.Time
	PeriodEnd   time.Time
	IssuedAt    *time.Time
	PaidAt      *time.Time
	Seller      map[string]string
	Buyer       map[string]string
	Lines       []LineView
	Payments    []AttemptView
}

// LineView is one invoice line.
type LineView struct {
	Kind        string // subscription, proration, credit
	Description string
	Quantity    int
	UnitAmount  billing.Money
	Amount      billing.Money
	PeriodStart time.Time
	PeriodEnd   time.Time
}

// AttemptView is one try to collect an invoice.
type AttemptView struct {
	AttemptedAt    time.Time
	Succeeded      bool
	FailureMessage string
}

// InvoicePage is one page of invoices, newest first.
type InvoicePage struct {
	Invoices    []InvoiceView
	TotalCount  int
	HasNextPage bool
	// EndCursor (the Seq of the page's last invoice) is passed as after to
	// read the next page.
	EndCursor int
}

// Page sizes of Invoices.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Invoices lists the organization's invoices, newest first, with their
// lines and payment attempts (a fixed number of queries whatever the page
// size). after is the EndCursor (or any invoice's Seq) of a previous page;
// 0 starts at the newest. Fronts wrap it in their own opaque cursor.
func (s *Service) Invoices(ctx context.Context, orgName string, first, after int) (InvoicePage, error) {
	a, err := load(ctx, s.DB, orgName, false)
	if err != nil {
		return InvoicePage{}, err
	}
	switch {
	case first < 0 || first > MaxPageSize:
		return InvoicePage{}, apperr.Invalid("first", "first must be between 0 and %d", MaxPageSize)
	case first == 0:
		first = DefaultPageSize
	}
	if after < 0 {
		return InvoicePage{}, apperr.Invalid("after", "invalid cursor: pass the cursor of an invoice you received")
	}
	q := s.DB.Invoice.Query().Where(invoice.OrganizationID(a.org.ID))
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return InvoicePage{}, fmt.Errorf("count invoices: %w", err)
	}
	if after > 0 {
		q = q.Where(invoice.SeqLT(after))
	}
	rows, err := q.Order(ent.Desc(invoice.FieldSeq)).Limit(first + 1).
		WithLines().WithPayments(func(pq *ent.PaymentAttemptQuery) { pq.Order(ent.Asc(paymentattempt.FieldID)) }).
		All(ctx)
	if err != nil {
		return InvoicePage{}, fmt.Errorf("list invoices: %w", err)
	}
	page := InvoicePage{TotalCount: total, HasNextPage: len(rows) > first}
	if page.HasNextPage {
		rows = rows[:first]
	}
	for _, inv := range rows {
		page.Invoices = append(page.Invoices, invoiceView(inv))
	}
	if len(rows) > 0 {
		page.EndCursor = rows[len(rows)-1].Seq
	}
	return page, nil
}

// Invoice returns one invoice of the organization by number.
func (s *Service) Invoice(ctx context.Context, orgName, number string) (*InvoiceView, error) {
	a, err := load(ctx, s.DB, orgName, false)
	if err != nil {
		return nil, err
	}
	inv, err := s.DB.Invoice.Query().Where(invoice.OrganizationID(a.org.ID), invoice.Number(number)).
		WithLines().WithPayments(func(pq *ent.PaymentAttemptQuery) { pq.Order(ent.Asc(paymentattempt.FieldID)) }).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "%s has no invoice %s", orgName, number)
	}
	if err != nil {
		return nil, fmt.Errorf("load invoice %s: %w", number, err)
	}
	v := invoiceView(inv)
	return &v, nil
}

func invoiceView(inv *ent.Invoice) InvoiceView {
	m := func(c int64) billing.Money { return billing.Money{Cents: c, Currency: inv.Currency} }
	v := InvoiceView{
		Seq: inv.Seq, Number: inv.Number, Status: InvoiceStatus(inv.Status), Currency: inv.Currency,
		Subtotal: m(inv.SubtotalCents), VATRateBP: inv.VatRateBp, VAT: m(inv.VatCents), Total: m(inv.TotalCents),
		ReverseCharge: inv.ReverseCharge, PeriodStart: inv.PeriodStart.UTC(), PeriodEnd: inv.PeriodEnd.UTC(),
		IssuedAt: ptr(utc(inv.IssuedAt)), PaidAt: ptr(utc(inv.PaidAt)), Seller: inv.Seller, Buyer: inv.Buyer,
	}
	if inv.ReverseCharge {
		v.Note = billing.ReverseChargeNote
	}
	// Lines in the order they were created (pending prorations before the
	// period line that collected them).
	lines := slices.SortedFunc(slices.Values(inv.Edges.Lines), func(a, b *ent.InvoiceLine) int { return a.ID - b.ID })
	for _, l := range lines {
		v.Lines = append(v.Lines, LineView{Kind: l.Kind, Description: l.Description, Quantity: l.Quantity,
			UnitAmount: m(l.UnitCents), Amount: m(l.AmountCents), PeriodStart: l.PeriodStart.UTC(), PeriodEnd: l.PeriodEnd.UTC()})
	}
	for _, p := range inv.Edges.Payments {
		v.Payments = append(v.Payments, AttemptView{AttemptedAt: p.AttemptedAt.UTC(), Succeeded: p.Succeeded, FailureMessage: p.FailureMessage})
	}
	return v
}
