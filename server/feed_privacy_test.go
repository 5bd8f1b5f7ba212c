package server_test

import (
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// Private events reach members only; once a member is removed, their open
// subscription stops receiving the organization's events within seconds
// (the viewer is re-read every 5 s), while public events keep flowing.
func TestFeedPrivacyFollowsMembership(t *testing.T) {
	env := servertest.New(t)
	admin := env.SignUp("ada")
	env.SignUp("bob")
	admin.Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	admin.Do(`mutation { updateBillingProfile(input: {organization: "acme", email: "b@acme.test", name: "Acme", country: "US", company: true}) { billingProfile { country } } }`, nil).MustOK(t)
	admin.Do(`mutation { startSubscription(input: {organization: "acme", plan: MONTHLY, seats: 3}) { billing { status } } }`, nil).MustOK(t)
	admin.Do(`mutation { addMember(input: {organization: "acme", username: "bob", role: READ}) { membership { id } } }`, nil).MustOK(t)

	bobClient := env.Anonymous()
	bobClient.Do(`mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { user { id } } }`,
		map[string]any{"l": "bob", "p": servertest.Password("bob")}).MustOK(t)
	bobKey := bobClient.WithKey("api:read").Key
	bob := dialFeed(t, env, "graphql-transport-ws", nil, map[string]any{"authorization": "Bearer " + bobKey}, "")
	stranger := dialFeed(t, env, "graphql-transport-ws", nil, nil, "")
	time.Sleep(300 * time.Millisecond)

	admin.Publish(pkgtest.Tarball(t, "secret_sauce", "1.0.0"), map[string]any{"r": "acme"}).MustOK(t)
	admin.Publish(pkgtest.Tarball(t, "open_sauce", "1.0.0"), nil).MustOK(t)
	if e := next(t, bob); e.PackageName != "secret_sauce" {
		t.Fatalf("member's first event: %+v, want the private publish", e)
	}
	if e := next(t, bob); e.PackageName != "open_sauce" {
		t.Fatalf("member's second event: %+v", e)
	}
	if e := next(t, stranger); e.PackageName != "open_sauce" {
		t.Fatalf("a non-member received %+v first; private events must not reach them", e)
	}

	admin.Do(`mutation { removeMember(input: {organization: "acme", username: "bob"}) { organization { id } } }`, nil).MustOK(t)
	time.Sleep(6 * time.Second) // one refresh period (5 s) and a margin
	admin.Publish(pkgtest.Tarball(t, "secret_sauce", "1.1.0"), map[string]any{"r": "acme"}).MustOK(t)
	admin.Publish(pkgtest.Tarball(t, "open_sauce", "1.1.0"), nil).MustOK(t)
	if e := next(t, bob); e.PackageName != "open_sauce" || e.Version != "1.1.0" {
		t.Fatalf("after removal the former member received %+v; want only the public 1.1.0", e)
	}
}
