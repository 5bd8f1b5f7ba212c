package server_test

import (
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// Private events reach members only. Removing a member is announced on the
// event bus: their open subscription ends at once, with FORBIDDEN then
// complete, before any event committed after the removal reaches it (not
// at the next periodic re-read); subscribed again, they get public events
// only.
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
	untilSubscriptions(t, env, 2)

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
	admin.Publish(pkgtest.Tarball(t, "secret_sauce", "1.1.0"), map[string]any{"r": "acme"}).MustOK(t)
	if got := untilEnded(t, bob, "FORBIDDEN"); len(got) > 0 {
		t.Fatalf("the removed member received %+v after the removal", got)
	}
	bob = dialFeed(t, env, "graphql-transport-ws", nil, map[string]any{"authorization": "Bearer " + bobKey}, "")
	untilSubscriptions(t, env, 2)
	admin.Publish(pkgtest.Tarball(t, "secret_sauce", "1.2.0"), map[string]any{"r": "acme"}).MustOK(t)
	admin.Publish(pkgtest.Tarball(t, "open_sauce", "1.1.0"), nil).MustOK(t)
	if e := next(t, bob); e.PackageName != "open_sauce" || e.Version != "1.1.0" {
		t.Fatalf("after removal the former member received %+v; want only the public 1.1.0", e)
	}
	for _, want := range []string{"1.1.0"} {
		if e := next(t, stranger); e.PackageName != "open_sauce" || e.Version != want {
			t.Fatalf("a non-member received %+v; private events must not reach them", e)
		}
	}
}
