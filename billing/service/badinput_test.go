package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/service"
	"github.com/depot-registry/depot/billing/service/servicetest"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/viewer"
)

// TestRefusals checks that every refused request answers with its code and
// changes nothing at all.
func TestRefusals(t *testing.T) {
	f := servicetest.New(t, at(2025, 3, 10))
	org := f.Org(t, "acme", membership.RoleADMIN, membership.RoleWRITE, membership.RoleREAD)
	fresh := f.Org(t, "fresh", membership.RoleADMIN)
	admin := org.As(0)
	de := service.ProfileInput{Email: "ap@acme.example", Name: "Acme GmbH", Country: "DE", Company: true, VATNumber: "DE123456789"}
	profile(t, f, admin, "acme", de)
	profile(t, f, fresh.As(0), "fresh", de)
	if _, err := f.Service.Start(admin, "acme", billing.Monthly, 3); err != nil {
		t.Fatalf("Start: %v", err)
	}
	outsider := servicetest.AsViewer(&viewer.Viewer{UserID: f.User(t, "mallory").UserID, Username: "mallory"})
	readOnlyKey := servicetest.AsViewer(&viewer.Viewer{UserID: org.Members[0].UserID, Username: org.Members[0].Username,
		Scopes: viewer.Scopes{"api:read"}, Orgs: []viewer.Org{{ID: org.ID, Name: "acme", Role: viewer.RoleAdmin}}})

	tests := []struct {
		name string
		call func() error
		want apperr.Code
	}{
		{"seats below members", func() error { _, err := f.Service.ChangeSeats(admin, "acme", 2); return err }, apperr.BadInput},
		{"zero seats", func() error { _, err := f.Service.ChangeSeats(admin, "acme", 0); return err }, apperr.BadInput},
		{"negative seats", func() error { _, err := f.Service.ChangeSeats(admin, "acme", -4); return err }, apperr.BadInput},
		{"start below members", func() error { _, err := f.Service.Start(fresh.As(0), "fresh", billing.Monthly, 0); return err }, apperr.BadInput},
		{"unknown plan", func() error { _, err := f.Service.Start(fresh.As(0), "fresh", "WEEKLY", 3); return err }, apperr.BadInput},
		{"start twice", func() error { _, err := f.Service.Start(admin, "acme", billing.Annual, 3); return err }, apperr.Conflict},
		{"wrong-format VAT number", func() error {
			in := de
			in.VATNumber = "DE12345"
			_, err := f.Service.UpdateProfile(admin, "acme", in)
			return err
		}, apperr.BadInput},
		{"another country's VAT number", func() error {
			in := de
			in.VATNumber = "FR40303265045"
			_, err := f.Service.UpdateProfile(admin, "acme", in)
			return err
		}, apperr.BadInput},
		{"non-admin changes seats", func() error { _, err := f.Service.ChangeSeats(org.As(1), "acme", 5); return err }, apperr.Forbidden},
		{"non-admin cancels", func() error { _, err := f.Service.Cancel(org.As(2), "acme"); return err }, apperr.Forbidden},
		{"non-admin reads invoices", func() error { _, err := f.Service.Invoices(org.As(1), "acme", 0, 0); return err }, apperr.Forbidden},
		{"negative invoice cursor", func() error { _, err := f.Service.Invoices(admin, "acme", 0, -1); return err }, apperr.BadInput},
		{"read-only key", func() error { _, err := f.Service.ChangeSeats(readOnlyKey, "acme", 5); return err }, apperr.Forbidden},
		{"non-member changes seats", func() error { _, err := f.Service.ChangeSeats(outsider, "acme", 5); return err }, apperr.NotFound},
		{"non-member reads billing", func() error { _, err := f.Service.Billing(outsider, "acme"); return err }, apperr.NotFound},
		{"anonymous", func() error { _, err := f.Service.Cancel(context.Background(), "acme"); return err }, apperr.Unauthenticated},
		{"pay a paid invoice", func() error { _, err := f.Service.PayInvoice(admin, "acme", "ACME-0001"); return err }, apperr.Conflict},
		{"pay another organization's invoice", func() error { _, err := f.Service.PayInvoice(fresh.As(0), "fresh", "ACME-0001"); return err }, apperr.NotFound},
		{"switch to the plan already held", func() error {
			_, err := f.Service.ChangePlan(admin, "acme", billing.Monthly)
			return err
		}, apperr.BadInput},
		{"seats without subscription", func() error { _, err := f.Service.ChangeSeats(fresh.As(0), "fresh", 3); return err }, apperr.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.Snapshot(t)
			err := tt.call()
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != tt.want {
				t.Fatalf("err = %v (code %s), want %s", err, apperr.CodeOf(err), tt.want)
			}
			if after := f.Snapshot(t); after != before {
				t.Errorf("refused request changed something:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

// TestIncompleteStart: a declined first charge leaves the subscription
// INCOMPLETE and without access until the invoice is paid; unpaid, it is
// dropped after billing.IncompleteExpiry and its invoice voided.
func TestIncompleteStart(t *testing.T) {
	tests := []struct {
		name       string
		pay        bool
		wantStatus billing.Status
		wantAccess bool
		wantFirst  service.InvoiceStatus
	}{
		{"paid later", true, billing.StatusActive, true, service.InvoicePaid},
		{"never paid", false, billing.StatusCanceled, false, service.InvoiceVoid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := servicetest.New(t, at(2025, 3, 10))
			org := f.Org(t, "acme", membership.RoleADMIN)
			ctx := org.As(0)
			profile(t, f, ctx, "acme", service.ProfileInput{Email: "ap@acme.example", Name: "Acme AB", Country: "SE", Company: true})
			f.Processor.FailNext(1)
			b, err := f.Service.Start(ctx, "acme", billing.Annual, 2)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			if b.Status != billing.StatusIncomplete || b.Entitled || entitled(t, f, org.ID) || b.OpenInvoice != "ACME-0001" {
				t.Fatalf("after a declined first charge: %+v", b)
			}
			if tt.pay {
				f.Clock.Set(at(2025, 3, 10).Add(time.Hour))
				if _, err := f.Service.PayInvoice(ctx, "acme", "ACME-0001"); err != nil {
					t.Fatalf("PayInvoice: %v", err)
				}
			}
			tick(t, f, at(2025, 3, 11))
			b = status(t, f, ctx, "acme")
			if b.Status != tt.wantStatus || entitled(t, f, org.ID) != tt.wantAccess {
				t.Errorf("status %s entitled %t, want %s %t", b.Status, entitled(t, f, org.ID), tt.wantStatus, tt.wantAccess)
			}
			checkInvoice(t, f, ctx, "acme", wantInvoice{number: "ACME-0001", status: tt.wantFirst,
				subtotal: 14000, vat: 3500, total: 17500, rateBP: 2500, periodStart: at(2025, 3, 10), periodEnd: at(2026, 3, 10),
				lineAmounts: []int64{14000}, attempts: map[bool]int{true: 2, false: 1}[tt.pay]})
		})
	}
}

// TestCancelAndResume: cancelling keeps access to the period end; resuming
// before it keeps the subscription; without resuming it ends on the day.
func TestCancelAndResume(t *testing.T) {
	tests := []struct {
		name       string
		resume     bool
		wantStatus billing.Status
		wantAccess bool
	}{
		{"resumed", true, billing.StatusActive, true},
		{"not resumed", false, billing.StatusCanceled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := servicetest.New(t, at(2025, 3, 10))
			org := f.Org(t, "acme", membership.RoleADMIN)
			ctx := org.As(0)
			profile(t, f, ctx, "acme", service.ProfileInput{Email: "ap@acme.example", Name: "Jane", Country: "US"})
			if _, err := f.Service.Start(ctx, "acme", billing.Monthly, 1); err != nil {
				t.Fatalf("Start: %v", err)
			}
			f.Clock.Set(at(2025, 3, 20))
			b, err := f.Service.Cancel(ctx, "acme")
			if err != nil || !b.CancelAtPeriodEnd || !b.Entitled {
				t.Fatalf("Cancel = %+v, %v", b, err)
			}
			if tt.resume {
				if _, err := f.Service.Resume(ctx, "acme"); err != nil {
					t.Fatalf("Resume: %v", err)
				}
			}
			tick(t, f, at(2025, 4, 10).Add(-time.Second))
			if !entitled(t, f, org.ID) {
				t.Errorf("no access before the paid period ends")
			}
			tick(t, f, at(2025, 4, 10))
			if b := status(t, f, ctx, "acme"); b.Status != tt.wantStatus || b.Entitled != tt.wantAccess {
				t.Errorf("at period end: %+v", b)
			}
		})
	}
}
