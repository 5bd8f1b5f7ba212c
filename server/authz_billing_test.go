package server_test

import (
	"fmt"
	"testing"

	"github.com/depot-registry/depot/billing/inprocess"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// billingWorld is an organization "acme" with an admin, a writer and a
// reader, a billing profile, and (unless fresh) a monthly subscription.
type billingWorld struct {
	env                   *servertest.Env
	admin, writer, reader *servertest.Client
	outsider, anonymous   *servertest.Client
	openInvoice           string
	cancelled, subscribed bool
}

func newBillingWorld(t *testing.T, state string) *billingWorld {
	env := servertest.New(t)
	w := &billingWorld{env: env, admin: env.SignUp("boss"), writer: env.SignUp("wendy"), reader: env.SignUp("rita"),
		outsider: env.SignUp("otto"), anonymous: env.Anonymous()}
	w.admin.Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	for u, role := range map[string]string{"wendy": "WRITE", "rita": "READ"} {
		w.admin.Do(fmt.Sprintf(`mutation { addMember(input: {organization: "acme", username: %q, role: %s}) { membership { id } } }`, u, role), nil).MustOK(t)
	}
	w.admin.Do(`mutation { updateBillingProfile(input: {organization: "acme", email: "b@acme.test", name: "Acme", country: "US", company: true}) { billingProfile { country } } }`, nil).MustOK(t)
	switch state {
	case "subscribed", "cancelled":
		w.admin.Do(`mutation { startSubscription(input: {organization: "acme", plan: MONTHLY, seats: 5}) { billing { status } } }`, nil).MustOK(t)
		if state == "cancelled" {
			w.admin.Do(`mutation { cancelSubscription(input: {organization: "acme"}) { billing { status } } }`, nil).MustOK(t)
		}
	case "unpaid":
		env.Server.Processor.(*inprocess.Processor).FailNext(1)
		var out struct {
			StartSubscription struct{ Billing struct{ OpenInvoice string } }
		}
		w.admin.Do(`mutation { startSubscription(input: {organization: "acme", plan: MONTHLY, seats: 5}) { billing { openInvoice } } }`, nil).MustOK(t).Decode(t, &out)
		w.openInvoice = out.StartSubscription.Billing.OpenInvoice
	}
	return w
}

// Every billing and docs mutation × every kind of caller: only organization
// admins (browser session or api:write key) may change billing; package
// owners publish docs. Each refused cell returns the code in the table.
func TestAuthorizationMatrixBillingAndDocs(t *testing.T) {
	type mutation struct {
		name, state, query string
		vars               func(w *billingWorld) map[string]any
	}
	noVars := func(*billingWorld) map[string]any { return nil }
	mutations := []mutation{
		{"updateBillingProfile", "fresh", `mutation { updateBillingProfile(input: {organization: "acme", email: "x@acme.test", name: "X", country: "SE", company: false}) { billingProfile { country } } }`, noVars},
		{"startSubscription", "fresh", `mutation { startSubscription(input: {organization: "acme", plan: ANNUAL, seats: 4}) { billing { seats } } }`, noVars},
		{"changeSeats", "subscribed", `mutation { changeSeats(input: {organization: "acme", seats: 6}) { billing { seats } } }`, noVars},
		{"changePlan", "subscribed", `mutation { changePlan(input: {organization: "acme", plan: ANNUAL}) { billing { plan } } }`, noVars},
		{"cancelSubscription", "subscribed", `mutation { cancelSubscription(input: {organization: "acme"}) { billing { cancelAtPeriodEnd } } }`, noVars},
		{"resumeSubscription", "cancelled", `mutation { resumeSubscription(input: {organization: "acme"}) { billing { cancelAtPeriodEnd } } }`, noVars},
		{"payInvoice", "unpaid", `mutation($n: String!) { payInvoice(input: {organization: "acme", number: $n}) { invoice { status } } }`,
			func(w *billingWorld) map[string]any { return map[string]any{"n": w.openInvoice} }},
	}
	callers := []struct {
		name string
		pick func(w *billingWorld) *servertest.Client
		want string
	}{
		{"anonymous", func(w *billingWorld) *servertest.Client { return w.anonymous }, "UNAUTHENTICATED"},
		{"other user", func(w *billingWorld) *servertest.Client { return w.outsider }, "NOT_FOUND"},
		{"org read", func(w *billingWorld) *servertest.Client { return w.reader }, "FORBIDDEN"},
		{"org write", func(w *billingWorld) *servertest.Client { return w.writer }, "FORBIDDEN"},
		{"org admin", func(w *billingWorld) *servertest.Client { return w.admin }, ""},
		{"admin key api:read", func(w *billingWorld) *servertest.Client { return w.admin.WithKey("api:read") }, "FORBIDDEN"},
		{"admin key repository:acme", func(w *billingWorld) *servertest.Client { return w.admin.WithKey("repository:acme") }, "FORBIDDEN"},
		{"admin key api:write", func(w *billingWorld) *servertest.Client { return w.admin.WithKey("api:write") }, ""},
	}
	for _, m := range mutations {
		for _, c := range callers {
			t.Run(m.name+"/"+c.name, func(t *testing.T) {
				w := newBillingWorld(t, m.state)
				r := c.pick(w).Do(m.query, m.vars(w))
				if got := r.Code(); got != c.want {
					t.Fatalf("%s by %s: code %q, want %q (%s)", m.name, c.name, got, c.want, r.Raw)
				}
			})
		}
	}

	docs := pkgtest.Docs(t, map[string]string{"index.html": "<p>docs</p>"})
	docCallers := []struct {
		name string
		who  func(env *servertest.Env, owner *servertest.Client) *servertest.Client
		want string
	}{
		{"anonymous", func(env *servertest.Env, _ *servertest.Client) *servertest.Client { return env.Anonymous() }, "UNAUTHENTICATED"},
		{"other user", func(env *servertest.Env, _ *servertest.Client) *servertest.Client { return env.SignUp("otto") }, "FORBIDDEN"},
		{"full owner", func(_ *servertest.Env, owner *servertest.Client) *servertest.Client { return owner }, ""},
		{"owner key api:read", func(_ *servertest.Env, owner *servertest.Client) *servertest.Client { return owner.WithKey("api:read") }, "FORBIDDEN"},
		{"owner key package:other", func(_ *servertest.Env, owner *servertest.Client) *servertest.Client {
			return owner.WithKey("package:other")
		}, "FORBIDDEN"},
		{"owner key package:dpkg", func(_ *servertest.Env, owner *servertest.Client) *servertest.Client {
			return owner.WithKey("package:dpkg")
		}, ""},
	}
	for _, op := range []string{"publishDocs", "revertDocs"} {
		for _, c := range docCallers {
			t.Run(op+"/"+c.name, func(t *testing.T) {
				env := servertest.New(t)
				owner := env.SignUp("olga")
				owner.Publish(pkgtest.Tarball(t, "dpkg", "1.0.0"), nil).MustOK(t)
				if op == "revertDocs" {
					owner.Upload(publishDocs, map[string]any{"p": "dpkg", "v": "1.0.0"}, "t", docs).MustOK(t)
				}
				cl := c.who(env, owner)
				var r *servertest.Result
				if op == "publishDocs" {
					r = cl.Upload(publishDocs, map[string]any{"p": "dpkg", "v": "1.0.0"}, "t", docs)
				} else {
					r = cl.Do(`mutation { revertDocs(input: {package: "dpkg", version: "1.0.0"}) { release { hasDocs } } }`, nil)
				}
				if got := r.Code(); got != c.want {
					t.Fatalf("%s by %s: code %q, want %q (%s)", op, c.name, got, c.want, r.Raw)
				}
			})
		}
	}
}
