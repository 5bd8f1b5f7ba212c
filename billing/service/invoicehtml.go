package service

import (
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/depot-registry/depot/billing"
)

// invoicePage is a self-contained printable page: inline CSS, no scripts,
// no external resources, so it prints and archives as it looks.
var invoicePage = template.Must(template.New("invoice").Funcs(template.FuncMap{
	"money": func(m billing.Money) string { return m.String() },
	"day":   func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"when": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"rate": rate,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice {{.Number}}</title>
<link rel="icon" href="data:,">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:48rem;color:#111}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:left}
td.n,th.n{text-align:right}.parties{display:flex;gap:4rem}.note{font-weight:bold}
@media print{body{margin:0}}
</style></head><body>
<h1>Invoice {{.Number}}</h1>
<p>Status: <strong>{{.Status}}</strong> · Issued: {{when .IssuedAt}} · Paid: {{when .PaidAt}}<br>
Period: {{day .PeriodStart}} to {{day .PeriodEnd}}</p>
<div class="parties">
<section><h2>From</h2><p>{{.Seller.name}}<br>{{.Seller.address}}<br>{{.Seller.country}}<br>VAT: {{.Seller.vat_number}}</p></section>
<section><h2>To</h2><p>{{.Buyer.name}}<br>{{.Buyer.address}}<br>{{.Buyer.country}}<br>{{.Buyer.email}}{{with .Buyer.vat_number}}<br>VAT: {{.}}{{end}}</p></section>
</div>
<table><thead><tr><th>Description</th><th class="n">Quantity</th><th class="n">Unit</th><th class="n">Amount</th></tr></thead><tbody>
{{range .Lines}}<tr><td>{{.Description}}</td><td class="n">{{.Quantity}}</td><td class="n">{{money .UnitAmount}}</td><td class="n">{{money .Amount}}</td></tr>
{{end}}</tbody><tfoot>
<tr><th colspan="3" class="n">Subtotal</th><td class="n">{{money .Subtotal}}</td></tr>
<tr><th colspan="3" class="n">VAT {{rate .VATRateBP}}</th><td class="n">{{money .VAT}}</td></tr>
<tr><th colspan="3" class="n">Total ({{.Currency}})</th><td class="n"><strong>{{money .Total}}</strong></td></tr>
</tfoot></table>
{{with .Note}}<p class="note">{{.}}</p>{{end}}
<h2>Payment attempts</h2>
{{if .Payments}}<table><thead><tr><th>When</th><th>Result</th></tr></thead><tbody>
{{range .Payments}}<tr><td>{{.AttemptedAt.UTC.Format "2006-01-02 15:04 UTC"}}</td><td>{{if .Succeeded}}paid{{else}}declined: {{.FailureMessage}}{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p>None yet.</p>{{end}}
</body></html>
`))

// RenderInvoiceHTML writes inv as a printable HTML page (seller, buyer,
// lines, subtotal, VAT rate and amount, the reverse-charge note, total,
// period, status and payment attempts). Every value is escaped by
// html/template: buyer names and addresses are user input.
func RenderInvoiceHTML(w io.Writer, inv InvoiceView) error {
	if err := invoicePage.Execute(w, inv); err != nil {
		return fmt.Errorf("render invoice %s: %w", inv.Number, err)
	}
	return nil
}
