package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/depot-registry/depot/ent/apikey"
	"github.com/depot-registry/depot/ent/auditlog"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/ent/repository"
	"github.com/depot-registry/depot/ent/requirement"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/graph/generated"
	"github.com/depot-registry/depot/graph/gid"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// readScopeKinds are the kinds of API key scope, plus "session" (a browser,
// no scopes). Each key kind is granted to every user of the world.
//
//	package:PUBLIC   package:somepkg, a public package the user owns
//	package:PRIVATE  package:hushpkg, naming the private package (the scope
//	                 is for public packages; it must open nothing private)
//	repository:ORG   the organization holding the private data
//	repository:ORG2  another organization of the key's user (ada) or of nobody
//	docs:ORG         the private documentation of ORG
var readScopeKinds = []string{"session", "api:read", "api:write", "package:PUBLIC", "package:PRIVATE",
	"repository:ORG", "repository:ORG2", "docs:ORG"}

// readWorld is the cast of the authorization matrix (see fixture) with
// private data to read:
//
//	org1        subscribed, so its private repository is open to members;
//	            billing profile "Hush Buyer Ltd", hush-billing@example.org
//	orgtwo1     ada's second organization, no subscription
//	somepkg     public, owned by ada
//	hushpkg     private in org1, published by ada, depends on hushpkg_base
//	            (also private); 1.0.0 is retired with the message
//	            "hush retire note"
//
// Every user has one key of every scope kind, named hushkey-USERNAME-N.
type readWorld struct {
	env      *servertest.Env
	f        *fixture
	org      string
	org2     string
	invoice  string
	sessions map[string]*servertest.Client // by base name
	keys     map[string]map[string]*servertest.Client
	keyNames map[string][]string // by base name: the keys' names and prefixes
	nodeIDs  map[string]string   // by GraphQL type: id of the private (or owned) instance
}

// The users of the world by base name and their role in org1.
var readUsers = []struct{ base, role string }{
	{"ada", "ADMIN"}, {"adam", "ADMIN"}, {"walt", "WRITE"}, {"rita", "READ"}, {"oscar", ""},
}

const (
	hushPkg     = "hushpkg"
	publicPkg   = "somepkg"
	hushRetire  = "hush retire note"
	hushBilling = "hush-billing@example.org"
	hushBuyer   = "Hush Buyer Ltd"
)

func newReadWorld(t *testing.T, env *servertest.Env) *readWorld {
	t.Helper()
	f := newFixture(t, env, 1)
	w := &readWorld{env: env, f: f, org: f.org, org2: f.name("orgtwo"),
		sessions: map[string]*servertest.Client{"ada": f.ada, "adam": f.adam, "walt": f.walt, "rita": f.rita, "oscar": f.osc},
		keys:     map[string]map[string]*servertest.Client{}, keyNames: map[string][]string{}, nodeIDs: map[string]string{}}
	ada := f.ada
	ada.Do(`mutation($o: String!, $e: String!, $n: String!) { updateBillingProfile(input: {organization: $o, email: $e, name: $n, country: "US", company: true}) { billingProfile { country } } }`,
		map[string]any{"o": w.org, "e": hushBilling, "n": hushBuyer}).MustOK(t)
	ada.Do(`mutation($o: String!) { startSubscription(input: {organization: $o, plan: MONTHLY, seats: 10}) { billing { status } } }`,
		map[string]any{"o": w.org}).MustOK(t)
	var inv struct {
		Organization struct {
			Invoices struct {
				Edges []struct{ Node struct{ Number string } }
			}
		}
	}
	ada.Do(`query($o: String!) { organization(name: $o) { invoices { edges { node { number } } } } }`, map[string]any{"o": w.org}).MustOK(t).Decode(t, &inv)
	if len(inv.Organization.Invoices.Edges) == 0 {
		t.Fatal("the subscription issued no invoice")
	}
	w.invoice = inv.Organization.Invoices.Edges[0].Node.Number
	ada.Do(createOrgDoc, map[string]any{"n": w.org2}).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, publicPkg, "1.0.0"), nil).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, hushPkg+"_base", "1.0.0"), map[string]any{"r": w.org}).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, hushPkg, "1.0.0", pkgtest.Dep{Name: hushPkg + "_base", Requirement: "~> 1.0"}), map[string]any{"r": w.org}).MustOK(t)
	ada.Do(`mutation($p: String!, $r: String!, $m: String!) { retireRelease(input: {package: $p, version: "1.0.0", repository: $r, reason: SECURITY, message: $m}) { releases { version } } }`,
		map[string]any{"p": hushPkg, "r": w.org, "m": hushRetire}).MustOK(t)

	for _, u := range readUsers {
		s := w.sessions[u.base]
		w.keys[u.base] = map[string]*servertest.Client{}
		for i, kind := range readScopeKinds[1:] {
			name := fmt.Sprintf("hushkey-%s-%d", s.Username, i)
			var out struct {
				CreateAPIKey struct {
					Secret string
					APIKey struct{ ID, Prefix string }
				}
			}
			s.Do(createKeyDoc, map[string]any{"n": name, "s": []string{w.scope(kind)}}).MustOK(t).Decode(t, &out)
			w.keys[u.base][kind] = keyClient(env, out.CreateAPIKey.Secret)
			w.keyNames[u.base] = append(w.keyNames[u.base], name, out.CreateAPIKey.APIKey.Prefix)
			if u.base == "ada" && kind == "api:read" {
				w.nodeIDs["ApiKey"] = out.CreateAPIKey.APIKey.ID
			}
		}
	}
	w.findNodes(t, env)
	return w
}

// scope is the concrete scope of a kind.
func (w *readWorld) scope(kind string) string {
	switch kind {
	case "package:PUBLIC":
		return "package:" + publicPkg
	case "package:PRIVATE":
		return "package:" + hushPkg
	case "repository:ORG":
		return "repository:" + w.org
	case "repository:ORG2":
		return "repository:" + w.org2
	case "docs:ORG":
		return "docs:" + w.org
	}
	return kind
}

// findNodes records one instance of every Node type, the private or owned
// one where there is such a thing.
func (w *readWorld) findNodes(t *testing.T, env *servertest.Env) {
	t.Helper()
	ctx, db := sys(), env.Server.DB.Client
	must := func(typ string, id int, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("find a %s: %v", typ, err)
		}
		w.nodeIDs[typ] = gid.Encode(id)
	}
	o := db.Organization.Query().Where(organization.Name(w.org)).OnlyX(ctx)
	p := db.Pkg.Query().Where(pkg.Name(hushPkg)).OnlyX(ctx)
	rel := db.Release.Query().Where(release.PackageID(p.ID)).OnlyX(ctx)
	rita := db.User.Query().Where(user.Username(w.f.rita.Username)).OnlyX(ctx)
	id, err := db.AuditLog.Query().Where(auditlog.Action("release.retire"), auditlog.Package(hushPkg)).OnlyID(ctx)
	must("AuditLog", id, err)
	id, err = db.Membership.Query().Where(membership.OrganizationID(o.ID), membership.UserID(rita.ID)).OnlyID(ctx)
	must("Membership", id, err)
	must("Organization", o.ID, nil)
	must("Package", p.ID, nil)
	id, err = db.PackageOwner.Query().Where(packageowner.PackageID(p.ID)).FirstID(ctx)
	must("PackageOwner", id, err)
	must("Release", rel.ID, nil)
	id, err = db.ReleaseEvent.Query().Where(releaseevent.PackageName(hushPkg)).FirstID(ctx)
	must("ReleaseEvent", id, err)
	id, err = db.Repository.Query().Where(repository.Name(w.org)).OnlyID(ctx)
	must("Repository", id, err)
	id, err = db.Requirement.Query().Where(requirement.ReleaseID(rel.ID)).OnlyID(ctx)
	must("Requirement", id, err)
	id, err = db.Retirement.Query().Where(retirement.ReleaseID(rel.ID)).OnlyID(ctx)
	must("Retirement", id, err)
	id, err = db.User.Query().Where(user.Username(w.f.ada.Username)).OnlyID(ctx)
	must("User", id, err)
	if n := db.APIKey.Query().Where(apikey.Name("hushkey-" + w.f.ada.Username + "-0")).CountX(ctx); n != 1 {
		t.Fatalf("%d keys named hushkey-%s-0", n, w.f.ada.Username)
	}
}

// readPrincipal is one column of the matrix: a user of the world (or
// nobody) with one kind of credentials.
type readPrincipal struct {
	user, role, scope string // base name ("" = anonymous), role in org1, scope kind
	c                 *servertest.Client
}

func (p readPrincipal) String() string {
	if p.user == "" {
		return "anonymous"
	}
	return p.user + "(" + strings.ToLower(p.role) + ")/" + p.scope
}

// The read-side table of docs/API.md (and viewer/scopes.go), restated
// independently of the code under test.

// accountRead: the user's own account and the member-only data of their
// organizations — sessions and api:read/api:write keys only.
func (p readPrincipal) accountRead() bool {
	return p.user != "" && (p.scope == "session" || p.scope == "api:read" || p.scope == "api:write")
}

// readRole is the role member-only reads go by.
func (p readPrincipal) readRole() string {
	if !p.accountRead() {
		return ""
	}
	return p.role
}

// privateRead: org1's private packages — members, with a session, an
// api:read/api:write key or a repository:org1 key.
func (p readPrincipal) privateRead() bool {
	return p.role != "" && (p.accountRead() || p.scope == "repository:ORG")
}

func (p readPrincipal) is(base string) bool { return p.user == base }

func (w *readWorld) principals() []readPrincipal {
	out := []readPrincipal{{c: w.env.Anonymous()}}
	for _, u := range readUsers {
		for _, kind := range readScopeKinds {
			c := w.sessions[u.base]
			if kind != "session" {
				c = w.keys[u.base][kind]
			}
			out = append(out, readPrincipal{user: u.base, role: u.role, scope: kind, c: c})
		}
	}
	return out
}

// secret is a string that may appear in a response only for principals
// allowed to read what it stands for.
type secret struct {
	marker, what string
	allowed      func(p readPrincipal) bool
}

func (w *readWorld) secrets() []secret {
	out := []secret{
		// With its opening quote: a key's scope "package:hushpkg" names
		// it without revealing anything.
		{`"` + hushPkg, "the private package's name", readPrincipal.privateRead},
		{hushRetire, "the private release's retirement message", readPrincipal.privateRead},
		{hushBilling, "the billing email", func(p readPrincipal) bool { return p.readRole() == "ADMIN" }},
		{hushBuyer, "the billing name", func(p readPrincipal) bool { return p.readRole() == "ADMIN" }},
	}
	for _, u := range readUsers {
		own := func(p readPrincipal) bool { return p.is(u.base) && p.accountRead() }
		out = append(out, secret{w.sessions[u.base].Username + "@example.com", u.base + "'s email", own})
		for _, k := range w.keyNames[u.base] {
			out = append(out, secret{k, u.base + "'s API key " + k, own})
		}
	}
	return out
}

// readCase is one row of the matrix: a query and what each principal must
// get from it.
type readCase struct {
	field, name string // the Query root field it covers, and a label
	query       string
	vars        map[string]any
	check       func(t *testing.T, p readPrincipal, r *servertest.Result)
}

// nodeFields selects what each Node type could leak.
const nodeFields = `__typename id
... on ApiKey { name prefix scopes }
... on AuditLog { action auditPackage: package params apiKeyName actor { username } }
... on Membership { role user { username email } organization { name } }
... on Organization { name viewerRole members { role } billingProfile { email name } }
... on Package { name }
... on PackageOwner { level package { name } }
... on Release { version packageName retirement { message } }
... on ReleaseEvent { kind packageName eventRetirement: retirement { message } }
... on Repository { name repositoryOrg: organization { name } }
... on Requirement { name requirement release { packageName } }
... on Retirement { retirementMessage: message release { packageName } }
... on User { username email }`

// orgFields selects everything an organization shows to someone.
const orgFields = `name viewerRole members { role user { username } }
billing { seats } billingProfile { email name }
invoices { edges { node { number buyer { name } } } }
invoice(number: $inv) { number }
packages(first: 20) { edges { node { name } } }`

type orgOut struct {
	Name           string
	ViewerRole     *string
	Members        []struct{ Role string }
	Billing        *struct{ Seats int }
	BillingProfile *struct{ Email string }
	Invoices       struct {
		Edges []struct{ Node struct{ Number string } }
	}
	Invoice  *struct{ Number string }
	Packages struct {
		Edges []struct{ Node struct{ Name string } }
	}
}

// checkOrg applies the table to one organization as p sees it.
func (w *readWorld) checkOrg(t *testing.T, p readPrincipal, o orgOut) {
	t.Helper()
	role := p.readRole()
	switch {
	case role == "" && o.ViewerRole != nil:
		t.Errorf("viewerRole = %s, want null", *o.ViewerRole)
	case role != "" && (o.ViewerRole == nil || *o.ViewerRole != role):
		t.Errorf("viewerRole = %v, want %s", o.ViewerRole, role)
	}
	if (len(o.Members) > 0) != (role != "") {
		t.Errorf("%d members visible, want them visible: %v", len(o.Members), role != "")
	}
	admin := role == "ADMIN"
	if (o.Billing != nil) != admin || (o.BillingProfile != nil) != admin || (len(o.Invoices.Edges) > 0) != admin || (o.Invoice != nil) != admin {
		t.Errorf("billing %v, profile %v, %d invoices, invoice %v; want visible: %v", o.Billing, o.BillingProfile, len(o.Invoices.Edges), o.Invoice, admin)
	}
	var names []string
	for _, e := range o.Packages.Edges {
		names = append(names, e.Node.Name)
	}
	if slices.Contains(names, hushPkg) != p.privateRead() {
		t.Errorf("organization packages %v; private package visible: want %v", names, p.privateRead())
	}
}

func decodeAs[T any](t *testing.T, r *servertest.Result) T {
	t.Helper()
	var out T
	r.Decode(t, &out)
	return out
}

// wantRead fails unless r answered with code ("" = no error at all).
func wantRead(t *testing.T, r *servertest.Result, code string) bool {
	t.Helper()
	if r.Code() != code || (code == "" && len(r.Errors) > 0) {
		t.Fatalf("code %q, want %q: %s", r.Code(), code, r.Raw)
	}
	return code == ""
}

func (w *readWorld) cases() []readCase {
	o, inv := w.org, w.invoice
	ada := w.f.ada.Username
	return []readCase{
		{"viewer", "viewer", `{ viewer { username email emailVerified organizations { name } } }`, nil,
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				v := decodeAs[struct {
					Viewer *struct {
						Username      string
						Email         *string
						Organizations []struct{ Name string }
					}
				}](t, r).Viewer
				if p.user == "" {
					if v != nil {
						t.Fatalf("anonymous viewer = %+v", v)
					}
					return
				}
				if v == nil || v.Username != w.sessions[p.user].Username {
					t.Fatalf("viewer = %+v, want %s (identity stays readable)", v, w.sessions[p.user].Username)
				}
				if (v.Email != nil) != p.accountRead() {
					t.Errorf("email %v, want visible: %v", v.Email, p.accountRead())
				}
				want := 0
				if p.accountRead() && p.role != "" {
					want = 1
					if p.is("ada") {
						want = 2
					}
				}
				if len(v.Organizations) != want {
					t.Errorf("organizations %v, want %d", v.Organizations, want)
				}
			}},
		{"user", "another user's profile", `query($u: String!) { user(username: $u) { username email emailVerified organizations { name } packages(first: 20) { edges { node { name } } } } }`,
			map[string]any{"u": ada},
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				u := decodeAs[struct {
					User *struct {
						Username      string
						Email         *string
						Organizations []struct{ Name string }
						Packages      struct {
							Edges []struct{ Node struct{ Name string } }
						}
					}
				}](t, r).User
				if u == nil || u.Username != ada {
					t.Fatalf("user = %+v, want the public profile", u)
				}
				self := p.is("ada") && p.accountRead()
				if (u.Email != nil) != self {
					t.Errorf("email %v, want visible: %v", u.Email, self)
				}
				var orgs []string
				for _, x := range u.Organizations {
					orgs = append(orgs, x.Name)
				}
				want := []string{}
				if self || p.readRole() != "" {
					want = append(want, o)
				}
				if self {
					want = append(want, w.org2)
				}
				slices.Sort(orgs)
				slices.Sort(want)
				if strings.Join(orgs, ",") != strings.Join(want, ",") {
					t.Errorf("organizations %v, want %v", orgs, want)
				}
				var pkgs []string
				for _, e := range u.Packages.Edges {
					pkgs = append(pkgs, e.Node.Name)
				}
				if !slices.Contains(pkgs, publicPkg) {
					t.Errorf("packages %v, want %s", pkgs, publicPkg)
				}
			}},
		{"apiKeys", "own keys", `{ apiKeys { name prefix scopes } }`, nil,
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				switch {
				case p.user == "":
					wantRead(t, r, "UNAUTHENTICATED")
				case !p.accountRead():
					wantRead(t, r, "FORBIDDEN")
				default:
					wantRead(t, r, "")
					for _, k := range w.keyNames[p.user] {
						if !strings.Contains(string(r.Data), k) {
							t.Errorf("own key %s missing: %s", k, r.Data)
						}
					}
				}
			}},
		{"pendingTrustedPublishers", "own pending trusted publishers", `{ pendingTrustedPublishers { package owner } }`, nil,
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				switch {
				case p.user == "":
					wantRead(t, r, "UNAUTHENTICATED")
				case !p.accountRead():
					wantRead(t, r, "FORBIDDEN")
				default:
					wantRead(t, r, "")
				}
			}},
		{"auditLog", "own audit log", `{ auditLog(first: 100) { edges { node { action package params apiKeyName actor { username } } } } }`, nil,
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				switch {
				case p.user == "":
					wantRead(t, r, "UNAUTHENTICATED")
				case !p.accountRead():
					wantRead(t, r, "FORBIDDEN")
				default:
					wantRead(t, r, "")
					if got := strings.Contains(string(r.Data), hushRetire); got != p.is("ada") {
						t.Errorf("own log shows the retirement: %v, want %v", got, p.is("ada"))
					}
				}
			}},
		{"auditLog", "organization audit log", `query($o: String!) { auditLog(organization: $o, first: 100) { edges { node { action package params actor { username } } } } }`,
			map[string]any{"o": o},
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				switch {
				case p.user == "":
					wantRead(t, r, "UNAUTHENTICATED")
				case p.readRole() != "ADMIN":
					wantRead(t, r, "FORBIDDEN")
				default:
					wantRead(t, r, "")
					if !strings.Contains(string(r.Data), hushRetire) {
						t.Errorf("the admin's log lacks the retirement: %s", r.Data)
					}
				}
			}},
		{"previewSeatChange", "seat preview", `query($o: String!) { previewSeatChange(organization: $o, seats: 12) { seats total { cents } } }`,
			map[string]any{"o": o},
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				switch {
				case p.user == "":
					wantRead(t, r, "UNAUTHENTICATED")
				case p.role == "":
					wantRead(t, r, "NOT_FOUND")
				case p.readRole() != "ADMIN":
					wantRead(t, r, "FORBIDDEN")
				default:
					wantRead(t, r, "")
				}
			}},
		{"releaseEvents", "event history", `{ releaseEvents(first: 100) { events { kind packageName retirement { message } } } }`, nil,
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				if !strings.Contains(string(r.Data), publicPkg) {
					t.Errorf("public events missing: %s", r.Data)
				}
				if got := strings.Contains(string(r.Data), hushPkg); got != p.privateRead() {
					t.Errorf("private events visible: %v, want %v", got, p.privateRead())
				}
			}},
		{"organization", "organization page", `query($o: String!, $inv: String!) { organization(name: $o) { ` + orgFields + ` } }`,
			map[string]any{"o": o, "inv": inv},
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				got := decodeAs[struct{ Organization *orgOut }](t, r).Organization
				if got == nil {
					t.Fatal("organization is public, got null")
				}
				w.checkOrg(t, p, *got)
			}},
		{"plans", "plans and prices", `{ plans { plan seatPrice { cents currency } periodMonths } }`, nil,
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				got := decodeAs[struct {
					Plans []struct {
						Plan         string
						SeatPrice    struct{ Cents int }
						PeriodMonths int
					}
				}](t, r).Plans
				if len(got) != 2 || got[0].Plan != "MONTHLY" || got[0].SeatPrice.Cents != 700 || got[1].PeriodMonths != 12 {
					t.Errorf("plans are public and the configured prices: %+v", got)
				}
			}},
		{"trustedPublisherKinds", "trusted publisher kinds", `{ trustedPublisherKinds { kind claims { name required } anyClaims needsIssuer } }`, nil,
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				got := decodeAs[struct {
					TrustedPublisherKinds []struct {
						Kind   string
						Claims []struct {
							Name     string
							Required bool
						}
					}
				}](t, r).TrustedPublisherKinds
				if len(got) != 3 || got[0].Kind != "GITHUB" || len(got[0].Claims) != 4 || !got[0].Claims[0].Required || got[0].Claims[3].Required {
					t.Errorf("trusted publisher kinds are public, GitHub's claims first: %+v", got)
				}
			}},
		{"billingCountries", "EU member states", `{ billingCountries { code name vatPrefix } }`, nil,
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				got := decodeAs[struct {
					BillingCountries []struct{ Code, VatPrefix string }
				}](t, r).BillingCountries
				if len(got) != 27 {
					t.Errorf("billing countries are public, the 27 member states: %+v", got)
				}
			}},
		{"organizations", "organization list", `query($inv: String!) { organizations(first: 20) { edges { node { ` + orgFields + ` } } } }`,
			map[string]any{"inv": inv},
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				got := decodeAs[struct {
					Organizations struct{ Edges []struct{ Node orgOut } }
				}](t, r)
				for _, e := range got.Organizations.Edges {
					if e.Node.Name == o {
						w.checkOrg(t, p, e.Node)
						return
					}
				}
				t.Fatalf("%s missing from the list: %s", o, r.Data)
			}},
		{"package", "private and public package", `query($p: String!, $o: String!) {
			priv: package(name: $p, repository: $o) { name private versions { version retirement { message } } owners { level } }
			pub: package(name: "` + publicPkg + `") { name dependents { name } } }`,
			map[string]any{"p": hushPkg, "o": o},
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				got := decodeAs[struct{ Priv, Pub *struct{ Name string } }](t, r)
				if got.Pub == nil || (got.Priv != nil) != p.privateRead() {
					t.Errorf("public %v, private %v; want the private one visible: %v", got.Pub, got.Priv, p.privateRead())
				}
			}},
		{"packages", "package list", `{ packages(first: 100) { totalCount edges { node { name } } } }`, nil,
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				if !strings.Contains(string(r.Data), publicPkg) || strings.Contains(string(r.Data), hushPkg) != p.privateRead() {
					t.Errorf("packages %s; want the private one visible: %v", r.Data, p.privateRead())
				}
			}},
		{"packages", "private repository's list", `query($o: String!) { packages(repository: $o, first: 100) { totalCount edges { node { name } } } }`,
			map[string]any{"o": o},
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				if strings.Contains(string(r.Data), hushPkg) != p.privateRead() {
					t.Errorf("packages %s; want the private one visible: %v", r.Data, p.privateRead())
				}
			}},
		{"release", "private and public release", `query($p: String!, $o: String!) {
			priv: release(package: $p, version: "1.0.0", repository: $o) { version packageName retirement { message } requirements { name } }
			pub: release(package: "` + publicPkg + `", version: "1.0.0") { version } }`,
			map[string]any{"p": hushPkg, "o": o},
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				got := decodeAs[struct{ Priv, Pub *struct{ Version string } }](t, r)
				if got.Pub == nil || (got.Priv != nil) != p.privateRead() {
					t.Errorf("public %v, private %v; want the private one visible: %v", got.Pub, got.Priv, p.privateRead())
				}
			}},
		// The world mirrors nothing: a local name, public or private, is
		// never a mirrored package, and the list is empty for everyone.
		{"mirroredPackage", "local names are not mirrored", `query($p: String!) {
			priv: mirroredPackage(name: $p) { name versions { version retirement { message } } }
			pub: mirroredPackage(name: "` + publicPkg + `") { name } }`,
			map[string]any{"p": hushPkg},
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				if string(r.Data) != `{"priv":null,"pub":null}` {
					t.Errorf("mirroredPackage %s, want null for both", r.Data)
				}
			}},
		{"mirroredPackages", "mirrored package list", `{ mirroredPackages(search: "pkg", first: 100) { totalCount edges { node { name } } } }`, nil,
			func(t *testing.T, p readPrincipal, r *servertest.Result) {
				wantRead(t, r, "")
				if string(r.Data) != `{"mirroredPackages":{"totalCount":0,"edges":[]}}` {
					t.Errorf("mirroredPackages %s, want an empty connection", r.Data)
				}
			}},
	}
}

// nodeRules says who may look up the world's instance of each Node type
// (see readWorld.findNodes).
func nodeRules() map[string]func(p readPrincipal) bool {
	everyone := func(readPrincipal) bool { return true }
	return map[string]func(p readPrincipal) bool{
		"ApiKey": func(p readPrincipal) bool { return p.is("ada") && p.accountRead() },
		// The retirement of hushpkg: ada did it, org1's admins read its log.
		"AuditLog":     func(p readPrincipal) bool { return p.accountRead() && (p.is("ada") || p.role == "ADMIN") },
		"Membership":   func(p readPrincipal) bool { return p.readRole() != "" },
		"Organization": everyone,
		"Package":      readPrincipal.privateRead,
		"PackageOwner": readPrincipal.privateRead,
		"Release":      readPrincipal.privateRead,
		"ReleaseEvent": readPrincipal.privateRead,
		"Repository":   everyone,
		"Requirement":  readPrincipal.privateRead,
		"Retirement":   readPrincipal.privateRead,
		"User":         everyone,
	}
}

func (w *readWorld) nodeCases(t *testing.T, nodeTypes []string) []readCase {
	rules := nodeRules()
	var out []readCase
	for _, typ := range nodeTypes {
		allowed, ok := rules[typ]
		id := w.nodeIDs[typ]
		if !ok || id == "" {
			t.Errorf("type %s implements Node but the read-scope matrix has no rule or instance for it", typ)
			continue
		}
		check := func(t *testing.T, p readPrincipal, got *struct {
			Typename string `json:"__typename"`
			ID       string
		}) {
			t.Helper()
			switch {
			case allowed(p) && (got == nil || got.Typename != typ || got.ID != id):
				t.Errorf("got %+v, want the %s", got, typ)
			case !allowed(p) && got != nil:
				t.Errorf("got %+v, want null", got)
			}
		}
		out = append(out,
			readCase{"node", typ, `query($id: ID!) { node(id: $id) { ` + nodeFields + ` } }`, map[string]any{"id": id},
				func(t *testing.T, p readPrincipal, r *servertest.Result) {
					wantRead(t, r, "")
					check(t, p, decodeAs[struct {
						Node *struct {
							Typename string `json:"__typename"`
							ID       string
						}
					}](t, r).Node)
				}},
			readCase{"nodes", typ, `query($ids: [ID!]!) { nodes(ids: $ids) { ` + nodeFields + ` } }`, map[string]any{"ids": []string{id}},
				func(t *testing.T, p readPrincipal, r *servertest.Result) {
					// Hidden and absent look the same: null, never an error
					// (an error for some hidden rows only would tell them apart).
					wantRead(t, r, "")
					ns := decodeAs[struct {
						Nodes []*struct {
							Typename string `json:"__typename"`
							ID       string
						}
					}](t, r).Nodes
					if len(ns) != 1 {
						t.Fatalf("nodes = %+v, want one entry", ns)
					}
					check(t, p, ns[0])
				}})
	}
	return out
}

// schemaReads lists the Query root fields and the types implementing Node
// of the schema the server executes, so that a new field or type without a
// row here fails the matrix.
func schemaReads(t *testing.T) (fields, nodeTypes []string) {
	t.Helper()
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	for _, f := range s.Query.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			fields = append(fields, f.Name)
		}
	}
	for _, d := range s.GetPossibleTypes(s.Types["Node"]) {
		nodeTypes = append(nodeTypes, d.Name)
	}
	slices.Sort(nodeTypes)
	if len(fields) == 0 || len(nodeTypes) == 0 {
		t.Fatalf("schema has %d query fields and %d node types", len(fields), len(nodeTypes))
	}
	return fields, nodeTypes
}

// TestReadScopeMatrix runs every Query root field and a node lookup of
// every Node type as every user of the authorization matrix with every
// kind of credentials. Scopes limit reads: a narrow key sees public data
// and what its scope names, nothing of its user's account, and its
// organizations as an outsider does. Each cell checks the field's own
// answer (code, null, visible data), and every response is searched for
// the world's secrets, each of which only some principals may read.
func TestReadScopeMatrix(t *testing.T) {
	fields, nodeTypes := schemaReads(t)
	env := servertest.New(t)
	w := newReadWorld(t, env)
	cases := append(w.cases(), w.nodeCases(t, nodeTypes)...)
	covered := map[string]bool{}
	for _, c := range cases {
		if !slices.Contains(fields, c.field) {
			t.Errorf("case %q covers %q, which is no Query field", c.name, c.field)
		}
		covered[c.field] = true
	}
	for _, f := range fields {
		if !covered[f] {
			t.Errorf("Query.%s has no row in the read-scope matrix", f)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	secrets := w.secrets()
	for _, c := range cases {
		for _, p := range w.principals() {
			t.Run(c.field+"/"+c.name+"/"+p.String(), func(t *testing.T) {
				r := p.c.Do(c.query, c.vars)
				raw := string(r.Raw)
				for _, s := range secrets {
					if !s.allowed(p) && strings.Contains(raw, s.marker) {
						t.Errorf("response shows %s (%q): %s", s.what, s.marker, raw)
					}
				}
				c.check(t, p, r)
			})
		}
	}
}

// The matrix's own secrets must be reachable: each appears in some
// response for someone allowed, so a check for its absence means
// something.
func TestReadScopeMatrixSecretsExist(t *testing.T) {
	env := servertest.New(t)
	w := newReadWorld(t, env)
	ada := w.f.ada
	var all strings.Builder
	for _, q := range []struct {
		c     *servertest.Client
		query string
		vars  map[string]any
	}{
		{ada, `{ apiKeys { name prefix } auditLog(first: 100) { edges { node { params } } } viewer { email } packages(first: 100) { edges { node { name } } } }`, nil},
		{ada, `query($o: String!) { organization(name: $o) { billingProfile { email name } } }`, map[string]any{"o": w.org}},
	} {
		all.Write(q.c.Do(q.query, q.vars).MustOK(t).Raw)
	}
	for _, u := range readUsers {
		all.Write(w.sessions[u.base].Do(`{ apiKeys { name prefix } viewer { email } }`, nil).MustOK(t).Raw)
	}
	for _, s := range w.secrets() {
		if !strings.Contains(all.String(), s.marker) {
			t.Errorf("secret %s (%q) appears in no response", s.what, s.marker)
		}
	}
}

// The invoice pages follow the billing rule of the matrix: an admin's
// session or api:read key opens them; the admin's narrow keys get 404, like
// anyone else who may not see them.
func TestReadScopeInvoicePage(t *testing.T) {
	env := servertest.New(t)
	w := newReadWorld(t, env)
	path := "/orgs/" + w.org + "/invoices/" + w.invoice + ".html"
	for _, kind := range readScopeKinds {
		for _, u := range []string{"ada", "walt"} {
			c := w.sessions[u]
			if kind != "session" {
				c = w.keys[u][kind]
			}
			p := readPrincipal{user: u, role: "ADMIN", scope: kind}
			if u == "walt" {
				p.role = "WRITE"
			}
			want := 404
			if p.readRole() == "ADMIN" {
				want = 200
			}
			resp := c.Get(path, nil)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s: status %d, want %d", p, resp.StatusCode, want)
			}
		}
	}
}
