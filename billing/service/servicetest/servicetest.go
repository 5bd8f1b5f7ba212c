// Package servicetest sets up the billing service on a fresh database with
// the in-process processor and a test clock, and creates organizations with
// members, so the service's tests and the webhook front's tests share one
// fixture.
package servicetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/inprocess"
	"github.com/depot-registry/depot/billing/service"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// Fixture is a billing service with everything it depends on.
type Fixture struct {
	DB        *store.DB
	Clock     *billing.TestClock
	Processor *inprocess.Processor
	Service   *service.Service
}

// New returns a fixture whose clock stands at t0.
func New(t testing.TB, t0 time.Time) *Fixture {
	t.Helper()
	db := testdb.Open(t)
	clock := billing.NewTestClock(t0)
	p := inprocess.New()
	return &Fixture{DB: db, Clock: clock, Processor: p, Service: &service.Service{
		DB: db.Client, Processor: p, Clock: clock, Prices: billing.DefaultPrices(), Seller: billing.DefaultSeller(),
	}}
}

// Member is a user of a test organization.
type Member struct {
	UserID   int
	Username string
	Role     membership.Role
}

// Org is a test organization.
type Org struct {
	ID      int
	Name    string
	Members []Member
}

// Org creates an organization named name with one member per role (user
// names NAME-0, NAME-1, ...) and its billing profile (email set, no country),
// as organization creation does.
func (f *Fixture) Org(t testing.TB, name string, roles ...membership.Role) Org {
	t.Helper()
	ctx := context.Background()
	o, err := f.DB.Organization.Create().SetName(name).Save(ctx)
	if err != nil {
		t.Fatalf("create organization: %v", err)
	}
	if err := f.DB.BillingProfile.Create().SetOrganizationID(o.ID).SetEmail("billing@" + name + ".example").SetCountry("").Exec(ctx); err != nil {
		t.Fatalf("create billing profile: %v", err)
	}
	org := Org{ID: o.ID, Name: name}
	for i, role := range roles {
		m := f.User(t, fmt.Sprintf("%s-%d", name, i))
		if err := f.DB.Membership.Create().SetOrganizationID(o.ID).SetUserID(m.UserID).SetRole(role).Exec(ctx); err != nil {
			t.Fatalf("add member: %v", err)
		}
		m.Role = role
		org.Members = append(org.Members, m)
	}
	return org
}

// User creates a user who belongs to no organization.
func (f *Fixture) User(t testing.TB, username string) Member {
	t.Helper()
	u, err := f.DB.User.Create().SetUsername(username).SetEmail(username + "@example.com").SetPasswordHash("x").Save(context.Background())
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return Member{UserID: u.ID, Username: username}
}

// As returns a context whose viewer is the i-th member of o, signed in with
// a browser session (no key scopes).
func (o Org) As(i int) context.Context {
	m := o.Members[i]
	return AsViewer(&viewer.Viewer{UserID: m.UserID, Username: m.Username,
		Orgs: []viewer.Org{{ID: o.ID, Name: o.Name, Role: viewer.ParseRole(string(m.Role)), Entitled: true}}})
}

// AsViewer returns a context carrying v.
func AsViewer(v *viewer.Viewer) context.Context {
	return viewer.NewContext(context.Background(), v)
}
