package billing

import (
	"fmt"
	"math/big"
	"strings"
)

// Totals are the computed figures of an invoice.
type Totals struct {
	Subtotal      Money
	VATRateBP     int
	VAT           Money
	Total         Money
	Currency      string
	ReverseCharge bool
	Note          string
}

// ComputeInvoice totals lines for buyer. VAT is computed once, on the
// subtotal, and rounded once half away from zero:
//
//	vat = round(subtotal * rateBP / 10000)
//
// rather than per line, so the VAT shown always equals the rate applied to
// the amount shown (per-line rounding can drift by a cent per line).
// All lines must share one currency; an invoice with no lines is refused.
func ComputeInvoice(seller Seller, buyer Profile, lines []Line) (Totals, error) {
	if len(lines) == 0 {
		return Totals{}, fmt.Errorf("%w: an invoice needs at least one line", ErrInvalidInput)
	}
	vat, err := VATFor(seller, buyer)
	if err != nil {
		return Totals{}, fmt.Errorf("invoice VAT: %w", err)
	}
	subtotal := Money{Currency: lines[0].Amount.Currency}
	for i, l := range lines {
		if subtotal, err = subtotal.Add(l.Amount); err != nil {
			return Totals{}, fmt.Errorf("invoice line %d: %w", i+1, err)
		}
	}
	if subtotal.Currency == "" {
		return Totals{}, fmt.Errorf("%w: invoice lines have no currency", ErrInvalidInput)
	}
	tax := Money{
		Cents:    Round(new(big.Int).Mul(big.NewInt(subtotal.Cents), big.NewInt(int64(vat.RateBP))), big.NewInt(10000)),
		Currency: subtotal.Currency,
	}
	return Totals{
		Subtotal:      subtotal,
		VATRateBP:     vat.RateBP,
		VAT:           tax,
		Total:         Money{Cents: subtotal.Cents + tax.Cents, Currency: subtotal.Currency},
		Currency:      subtotal.Currency,
		ReverseCharge: vat.ReverseCharge,
		Note:          vat.Note,
	}, nil
}

// FormatInvoiceNumber formats an organization's seq-th invoice number as
// "ACME-0001": the organization name upper-cased (organization names are
// unique and immutable, so numbers never collide across organizations), and
// the sequence zero-padded to four digits, growing past 9999 as needed. The
// sequence itself is allocated by the database, gap-free per organization.
func FormatInvoiceNumber(orgName string, seq int) string {
	return fmt.Sprintf("%s-%04d", strings.ToUpper(orgName), seq)
}
