package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/service"
)

func TestRenderInvoiceHTML(t *testing.T) {
	paid := time.Date(2025, 3, 31, 9, 0, 0, 0, time.UTC)
	base := service.InvoiceView{
		Number: "ACME-0003", Status: service.InvoicePaid, Currency: "USD",
		Subtotal: billing.Cents(3500), Total: billing.Cents(3500), VAT: billing.Cents(0),
		PeriodStart: paid, PeriodEnd: time.Date(2025, 4, 30, 9, 0, 0, 0, time.UTC), IssuedAt: &paid, PaidAt: &paid,
		Seller: map[string]string{"name": "Six Colors AB", "vat_number": "SE559123456701"},
		Buyer:  map[string]string{"name": "<script>alert(1)</script> SARL", "vat_number": "FR40303265045"},
		Lines:  []service.LineView{{Description: "Monthly plan, 5 seat(s)", Quantity: 5, UnitAmount: billing.Cents(700), Amount: billing.Cents(3500)}},
		Payments: []service.AttemptView{{AttemptedAt: paid, Succeeded: false, FailureMessage: "card declined"},
			{AttemptedAt: paid, Succeeded: true}},
	}
	reverse := base
	reverse.ReverseCharge, reverse.Note = true, billing.ReverseChargeNote
	vat := base
	vat.VATRateBP, vat.VAT, vat.Total = 2500, billing.Cents(875), billing.Cents(4375)
	tests := []struct {
		name    string
		inv     service.InvoiceView
		want    []string
		notWant []string
	}{
		{"reverse charge", reverse, []string{"ACME-0003", "Six Colors AB", "FR40303265045", "35.00 USD", "VAT 0%", "Reverse charge", "declined: card declined", "2025-03-31 to 2025-04-30", "PAID"}, []string{"<script>"}},
		{"with VAT", vat, []string{"VAT 25%", "8.75 USD", "43.75 USD"}, []string{"Reverse charge"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := service.RenderInvoiceHTML(&b, tt.inv); err != nil {
				t.Fatalf("RenderInvoiceHTML: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("page contains %q", w)
				}
			}
		})
	}
}
