package server_test

import (
	"testing"

	"github.com/depot-registry/depot/server/servertest"
)

// An admin subscribes through GraphQL, previews and buys a seat, and sees
// the invoices; a plain member sees no billing at all.
func TestBillingThroughGraphQL(t *testing.T) {
	env := servertest.New(t)
	admin := env.SignUp("carol")
	member := env.SignUp("dave")
	admin.Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	admin.Do(`mutation { updateBillingProfile(input: {organization: "acme", email: "billing@acme.test", name: "Acme GmbH", country: "DE", company: false}) { billingProfile { vatRateBasisPoints } } }`, nil).MustOK(t)
	var start struct {
		StartSubscription struct {
			Billing struct {
				Plan     string
				Seats    int
				Status   string
				Entitled bool
			}
		}
	}
	admin.Do(`mutation { startSubscription(input: {organization: "acme", plan: MONTHLY, seats: 2}) { billing { plan seats status entitled } } }`, nil).MustOK(t).Decode(t, &start)
	if b := start.StartSubscription.Billing; b.Status != "ACTIVE" || !b.Entitled || b.Seats != 2 {
		t.Fatalf("after start: %+v", b)
	}
	admin.Do(`mutation { addMember(input: {organization: "acme", username: "dave", role: READ}) { membership { id } } }`, nil).MustOK(t)
	env.SignUp("erin")
	if code := admin.Do(`mutation { addMember(input: {organization: "acme", username: "erin", role: READ}) { membership { id } } }`, nil).Code(); code != "SEATS_EXHAUSTED" {
		t.Fatalf("third member with two seats: code %q, want SEATS_EXHAUSTED", code)
	}
	var inv struct {
		Organization struct {
			Invoices struct {
				TotalCount int
				Nodes      []struct {
					Number string
					Total  struct{ Cents int }
					Vat    struct{ Cents int }
				}
			}
		}
	}
	admin.Do(`{ organization(name: "acme") { invoices { totalCount nodes { number total { cents } vat { cents } } } } }`, nil).MustOK(t).Decode(t, &inv)
	if n := inv.Organization.Invoices; n.TotalCount != 1 || n.Nodes[0].Total.Cents != 1666 || n.Nodes[0].Vat.Cents != 266 {
		t.Fatalf("invoices: %+v (want one invoice of 2 seats × 700 + 19%% VAT = 1666)", n)
	}
	var hidden struct {
		Organization struct {
			Billing  *struct{ Seats int }
			Invoices struct{ TotalCount int }
		}
	}
	member.Do(`{ organization(name: "acme") { billing { seats } invoices { totalCount } } }`, nil).MustOK(t).Decode(t, &hidden)
	if hidden.Organization.Billing != nil || hidden.Organization.Invoices.TotalCount != 0 {
		t.Fatalf("a READ member sees billing: %+v", hidden.Organization)
	}
	if code := member.Do(`mutation { changeSeats(input: {organization: "acme", seats: 5}) { billing { seats } } }`, nil).Code(); code != "FORBIDDEN" {
		t.Fatalf("member changes seats: code %q, want FORBIDDEN", code)
	}
}
