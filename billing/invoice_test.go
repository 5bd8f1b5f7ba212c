package billing

import (
	"errors"
	"testing"
	"time"
)

func TestComputeInvoice(t *testing.T) {
	start, end := date(2024, 3, 1), date(2024, 4, 1)
	fiveSeats := []Line{PeriodLine(Monthly, Cents(700), 5, start, end)}
	tests := []struct {
		name  string
		buyer Profile
		lines []Line
		want  Totals
	}{
		{"German private customer, 19%", Profile{Country: "DE"}, fiveSeats,
			Totals{Subtotal: Cents(3500), VATRateBP: 1900, VAT: Cents(665), Total: Cents(4165), Currency: USD}},
		{"Swedish company, 25%", Profile{Country: "SE", Company: true, VATNumber: "SE556677889901"}, fiveSeats,
			Totals{Subtotal: Cents(3500), VATRateBP: 2500, VAT: Cents(875), Total: Cents(4375), Currency: USD}},
		{"French company with VAT number, reverse charge", Profile{Country: "FR", Company: true, VATNumber: "FR40303265045"}, fiveSeats,
			Totals{Subtotal: Cents(3500), VATRateBP: 0, VAT: Cents(0), Total: Cents(3500), Currency: USD, ReverseCharge: true, Note: ReverseChargeNote}},
		{"US customer, 0%", Profile{Country: "US"}, fiveSeats,
			Totals{Subtotal: Cents(3500), VAT: Cents(0), Total: Cents(3500), Currency: USD}},
		{"annual seat", Profile{Country: "US"}, []Line{PeriodLine(Annual, Cents(7000), 1, date(2024, 1, 1), date(2025, 1, 1))},
			Totals{Subtotal: Cents(7000), VAT: Cents(0), Total: Cents(7000), Currency: USD}},
		// 700 + 241 = 941; 941 * 19% = 178.79 -> 179, rounded once on the subtotal.
		{"VAT on the subtotal, rounded once", Profile{Country: "DE"}, []Line{
			PeriodLine(Monthly, Cents(700), 1, start, end),
			{Description: "proration", Quantity: 1, UnitAmount: Cents(700), Amount: Cents(241), Proration: true},
		}, Totals{Subtotal: Cents(941), VATRateBP: 1900, VAT: Cents(179), Total: Cents(1120), Currency: USD}},
		// 250 * 19% = 47.5 -> 48 (half away from zero).
		{"half a cent of VAT rounds up", Profile{Country: "DE"}, []Line{{Amount: Cents(250), Quantity: 1, UnitAmount: Cents(250)}},
			Totals{Subtotal: Cents(250), VATRateBP: 1900, VAT: Cents(48), Total: Cents(298), Currency: USD}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ComputeInvoice(DefaultSeller(), tt.buyer, tt.lines)
			if err != nil {
				t.Fatalf("ComputeInvoice: %v", err)
			}
			if got != tt.want {
				t.Errorf("totals = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}

func TestComputeInvoiceRefuses(t *testing.T) {
	line := PeriodLine(Monthly, Cents(700), 1, date(2024, 3, 1), date(2024, 4, 1))
	tests := []struct {
		name  string
		buyer Profile
		lines []Line
		want  error
	}{
		{"no lines", Profile{Country: "DE"}, nil, ErrInvalidInput},
		{"mixed currencies", Profile{Country: "DE"}, []Line{line, {Amount: Money{100, "EUR"}}}, ErrInvalidInput},
		{"wrong-format VAT number", Profile{Country: "FR", Company: true, VATNumber: "FR123"}, []Line{line}, ErrInvalidVATNumber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ComputeInvoice(DefaultSeller(), tt.buyer, tt.lines); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestPeriodLine(t *testing.T) {
	l := PeriodLine(Annual, Cents(7000), 3, date(2024, 1, 1), date(2025, 1, 1))
	want := Line{
		Description: "Annual plan, 3 seat(s), 2024-01-01 to 2025-01-01",
		Quantity:    3, UnitAmount: Cents(7000), Amount: Cents(21000),
		PeriodStart: date(2024, 1, 1), PeriodEnd: date(2025, 1, 1),
	}
	if l != want {
		t.Errorf("PeriodLine = %+v, want %+v", l, want)
	}
}

func TestFormatInvoiceNumber(t *testing.T) {
	tests := []struct {
		org  string
		seq  int
		want string
	}{
		{"acme", 1, "ACME-0001"},
		{"six_colors", 42, "SIX_COLORS-0042"},
		{"acme", 12345, "ACME-12345"},
	}
	for _, tt := range tests {
		if got := FormatInvoiceNumber(tt.org, tt.seq); got != tt.want {
			t.Errorf("FormatInvoiceNumber(%q, %d) = %q, want %q", tt.org, tt.seq, got, tt.want)
		}
	}
}

func TestTestClock(t *testing.T) {
	t0 := time.Date(2024, 1, 31, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	c := NewTestClock(t0)
	if got := c.Now(); !got.Equal(t0) || got.Location() != time.UTC {
		t.Errorf("Now = %s, want %s in UTC", got, t0)
	}
	if got := c.Advance(time.Hour); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("Advance = %s", got)
	}
	c.Set(date(2025, 1, 1))
	if got := c.Now(); !got.Equal(date(2025, 1, 1)) {
		t.Errorf("after Set, Now = %s", got)
	}
	var _ Clock = SystemClock{}
	if got := (SystemClock{}).Now(); got.Location() != time.UTC || got.IsZero() {
		t.Errorf("SystemClock.Now = %s, want a UTC time", got)
	}
}
