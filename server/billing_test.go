package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/viewer"

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
				Edges      []struct {
					Node struct {
						Number string
						Total  struct{ Cents int }
						Vat    struct{ Cents int }
					}
				}
			}
		}
	}
	admin.Do(`{ organization(name: "acme") { invoices { totalCount edges { node { number total { cents } vat { cents } } } } } }`, nil).MustOK(t).Decode(t, &inv)
	if n := inv.Organization.Invoices; n.TotalCount != 1 || n.Edges[0].Node.Total.Cents != 1666 || n.Edges[0].Node.Vat.Cents != 266 {
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

// Organization.invoices is a Relay connection like every other list: an
// admin reads it page by page through pageInfo.endCursor, newest first, and
// a cursor of another connection is refused with BAD_USER_INPUT.
func TestInvoicesConnection(t *testing.T) {
	env := servertest.New(t)
	admin := env.SignUp("carol")
	admin.Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	admin.Do(`mutation { updateBillingProfile(input: {organization: "acme", email: "billing@acme.test", name: "Acme GmbH", country: "DE", company: false}) { billingProfile { vatRateBasisPoints } } }`, nil).MustOK(t)
	admin.Do(`mutation { startSubscription(input: {organization: "acme", plan: MONTHLY, seats: 2}) { billing { seats } } }`, nil).MustOK(t)
	// Two renewals make three invoices; the session would expire meanwhile, a key does not.
	admin = admin.WithKey("api:read")
	for range 2 {
		env.Clock.Advance(31 * 24 * time.Hour)
		if err := env.Server.Billing.Tick(viewer.System(context.Background())); err != nil {
			t.Fatal(err)
		}
	}
	type page struct {
		Organization struct {
			Invoices struct {
				TotalCount int
				Edges      []struct {
					Cursor string
					Node   struct{ Number string }
				}
				PageInfo struct {
					HasNextPage, HasPreviousPage bool
					StartCursor, EndCursor       *string
				}
			}
		}
	}
	const q = `query($after: Cursor) { organization(name: "acme") { invoices(first: 1, after: $after) {
		totalCount edges { cursor node { number } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`
	var all page
	admin.Do(`{ organization(name: "acme") { invoices { totalCount edges { node { number } } } } }`, nil).MustOK(t).Decode(t, &all)
	want := []string{}
	for _, e := range all.Organization.Invoices.Edges {
		want = append(want, e.Node.Number)
	}
	if len(want) != 3 || all.Organization.Invoices.TotalCount != len(want) || want[0] <= want[2] {
		t.Fatalf("invoices = %+v, want three (subscription and two renewals) newest first, totalCount matching", all.Organization.Invoices)
	}
	var got []string
	vars := map[string]any{"after": nil}
	for i := 0; ; i++ {
		var p page
		admin.Do(q, vars).MustOK(t).Decode(t, &p)
		c := p.Organization.Invoices
		if len(c.Edges) != 1 || c.TotalCount != len(want) || c.PageInfo.EndCursor == nil || *c.PageInfo.EndCursor != c.Edges[0].Cursor ||
			*c.PageInfo.StartCursor != c.Edges[0].Cursor || c.PageInfo.HasPreviousPage != (i > 0) {
			t.Fatalf("page %d = %+v", i, c)
		}
		got = append(got, c.Edges[0].Node.Number)
		if !c.PageInfo.HasNextPage {
			break
		}
		vars["after"] = *c.PageInfo.EndCursor
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("paged through %v, want %v (newest first)", got, want)
	}

	// What the id-ordered connections (organizations, packages...) hand out.
	var other strings.Builder
	ent.Cursor{ID: 1}.MarshalGQL(&other)
	if code := admin.Do(q, map[string]any{"after": strings.Trim(other.String(), `"`)}).Code(); code != "BAD_USER_INPUT" {
		t.Fatalf("invoices(after: another connection's cursor): code %q, want BAD_USER_INPUT", code)
	}
}
