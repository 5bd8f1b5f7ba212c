package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/auditlog"
	"github.com/depot-registry/depot/ent/oidctoken"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/internal/oidctest"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

const (
	addPublisherDoc = `mutation($p: String!, $o: String, $k: TrustedPublisherKind!, $i: String, $c: [TrustedClaimInput!]!) {
  addTrustedPublisher(input: {package: $p, owner: $o, kind: $k, issuer: $i, claims: $c}) {
    trustedPublisher { id kind issuer description package pending owner claims { name value } } } }`
	removePublisherDoc = `mutation($id: ID!) { removeTrustedPublisher(input: {id: $id}) { trustedPublisher { id package } } }`
	exchangeDoc        = `mutation($t: String!) { exchangeOidcToken(input: {token: $t}) { key expiresAt packages } }`
	publishersDoc      = `query($p: String!) { package(name: $p) { trustedPublishers { id description pending } } }`
	releaseTrustDoc    = `query($p: String!, $v: String!) { release(package: $p, version: $v) {
  trustedPublish { publisher issuer runId runUrl sha workflowRef } } }`
)

func allowHTTPIssuers(c *server.Config) { c.OIDCAllowHTTP = true }

// trustEnv is a server, a loopback OIDC issuer and ada, the owner of
// package lib that GitHub workflow release.yml of acme/lib may publish.
type trustEnv struct {
	env   *servertest.Env
	iss   *oidctest.Issuer
	ada   *servertest.Client
	pubID string
}

func newTrustEnv(t *testing.T) *trustEnv {
	t.Helper()
	env := servertest.New(t, allowHTTPIssuers)
	te := &trustEnv{env: env, iss: oidctest.New(t), ada: env.SignUp("ada")}
	te.ada.Publish(pkgtest.Tarball(t, "lib", "1.0.0"), nil).MustOK(t)
	te.ada.Publish(pkgtest.Tarball(t, "other", "1.0.0"), nil).MustOK(t)
	te.pubID = te.addGitHub(t, te.ada, "lib", "", "acme/lib", "release.yml").MustOK(t).publisherID(t)
	return te
}

type result struct{ *servertest.Result }

func (r result) MustOK(t *testing.T) result { t.Helper(); r.Result.MustOK(t); return r }

func (r result) publisherID(t *testing.T) string {
	t.Helper()
	var out struct {
		AddTrustedPublisher struct{ TrustedPublisher struct{ ID string } }
	}
	r.Decode(t, &out)
	return out.AddTrustedPublisher.TrustedPublisher.ID
}

func (te *trustEnv) addGitHub(t *testing.T, c *servertest.Client, name, owner, repo, workflow string) result {
	t.Helper()
	vars := map[string]any{"p": name, "k": "GITHUB", "i": te.iss.URL, "c": []map[string]string{
		{"name": "repository_owner", "value": "acme"}, {"name": "repository", "value": repo}, {"name": "workflow", "value": workflow}}}
	if owner != "" {
		vars["o"] = owner
	}
	return result{c.Do(addPublisherDoc, vars)}
}

func (te *trustEnv) token(repo, workflow string) string {
	return te.iss.Mint(te.iss.GitHub(te.env.URL, repo, workflow, te.env.Clock.Now()))
}

type exchanged struct {
	Key       string
	ExpiresAt time.Time
	Packages  []string
}

func (te *trustEnv) exchange(t *testing.T, tok string) (exchanged, *servertest.Result) {
	t.Helper()
	var out struct{ ExchangeOidcToken exchanged }
	r := te.env.Anonymous().Do(exchangeDoc, map[string]any{"t": tok})
	if r.Code() == "" {
		r.Decode(t, &out)
	}
	return out.ExchangeOidcToken, r
}

// trustState is snapshot plus what trusted publishing writes.
func trustState(t *testing.T, env *servertest.Env) string {
	t.Helper()
	db := env.Server.DB.Client
	n1, err1 := db.TrustedPublisher.Query().Count(sys())
	n2, err2 := db.OIDCToken.Query().Count(sys())
	n3, err3 := db.Release.Query().Count(sys())
	n4, err4 := db.Pkg.Query().Count(sys())
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("%s publishers=%d jti=%d releases=%d packages=%d", snapshot(t, env), n1, n2, n3, n4)
}

func TestTrustedPublishingExchange(t *testing.T) {
	te := newTrustEnv(t)
	env := te.env

	t.Run("refusals change nothing", func(t *testing.T) {
		other := oidctest.New(t)
		expired := te.iss.GitHub(env.URL, "acme/lib", "release.yml", env.Clock.Now().Add(-time.Hour))
		wrongAud := te.iss.GitHub("https://elsewhere.example", "acme/lib", "release.yml", env.Clock.Now())
		cases := []struct{ name, token, code string }{
			{"another repository", te.token("acme/other", "release.yml"), "FORBIDDEN"},
			{"another workflow", te.token("acme/lib", "ci.yml"), "FORBIDDEN"},
			{"wrong audience", te.iss.Mint(wrongAud), "UNAUTHENTICATED"},
			{"expired", te.iss.Mint(expired), "UNAUTHENTICATED"},
			{"unknown key", te.iss.MintUnknownKey(te.iss.GitHub(env.URL, "acme/lib", "release.yml", env.Clock.Now())), "UNAUTHENTICATED"},
			{"issuer not configured", other.Mint(other.GitHub(env.URL, "acme/lib", "release.yml", env.Clock.Now())), "FORBIDDEN"},
			{"none algorithm", te.iss.MintNone(te.iss.GitHub(env.URL, "acme/lib", "release.yml", env.Clock.Now())), "UNAUTHENTICATED"},
			{"not a token", "not.a.jwt", "UNAUTHENTICATED"},
			{"empty", "", "BAD_USER_INPUT"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := trustState(t, env)
				_, r := te.exchange(t, c.token)
				wantCode(t, r, c.code)
				if after := trustState(t, env); after != before {
					t.Fatalf("changed:\n%s\n%s", before, after)
				}
			})
		}
	})

	tok := te.token("acme/lib", "release.yml")
	k, r := te.exchange(t, tok)
	wantCode(t, r, "")
	if len(k.Packages) != 1 || k.Packages[0] != "lib" || !k.ExpiresAt.Equal(env.Clock.Now().Add(15*time.Minute)) {
		t.Fatalf("exchanged %+v", k)
	}
	wantAudit(t, env, "trusted_publisher.exchange")
	last, err := env.Server.DB.AuditLog.Query().Order(ent.Desc(auditlog.FieldID)).First(sys())
	if err != nil {
		t.Fatal(err)
	}
	if last.Params["run_id"] != "4242" || last.Params["sha"] == nil || last.Package != "lib" || last.APIKeyID == nil {
		t.Fatalf("exchange audit row %+v", last)
	}

	t.Run("replayed jti", func(t *testing.T) {
		before := trustState(t, env)
		_, r := te.exchange(t, tok)
		wantCode(t, r, "UNAUTHENTICATED")
		unchangedTrust(t, env, before)
	})

	key := keyClient(env, k.Key)
	t.Run("publishes through GraphQL and records the publisher", func(t *testing.T) {
		key.Publish(pkgtest.Tarball(t, "lib", "1.1.0"), nil).MustOK(t)
		var out struct {
			Release struct {
				TrustedPublish struct{ Publisher, Issuer, RunID, RunURL, Sha, WorkflowRef string }
			}
		}
		env.Anonymous().Do(releaseTrustDoc, map[string]any{"p": "lib", "v": "1.1.0"}).MustOK(t).Decode(t, &out)
		tp := out.Release.TrustedPublish
		if tp.Publisher != "GitHub Actions: acme/lib, workflow release.yml" || tp.Issuer != te.iss.URL || tp.RunID != "4242" ||
			tp.Sha == "" || tp.WorkflowRef != "acme/lib/.github/workflows/release.yml@refs/heads/main" {
			t.Fatalf("trustedPublish %+v", tp)
		}
		wantAudit(t, env, "release.publish")
		var plain struct {
			Release struct{ TrustedPublish *struct{ Publisher string } }
		}
		env.Anonymous().Do(releaseTrustDoc, map[string]any{"p": "lib", "v": "1.0.0"}).MustOK(t).Decode(t, &plain)
		if plain.Release.TrustedPublish != nil {
			t.Fatalf("a release ada published shows %+v", plain.Release.TrustedPublish)
		}
	})
	t.Run("only publishes its package", func(t *testing.T) {
		before := trustState(t, env)
		wantCode(t, key.Publish(pkgtest.Tarball(t, "other", "1.1.0"), nil), "FORBIDDEN")
		wantCode(t, key.Publish(pkgtest.Tarball(t, "brand_new", "1.0.0"), nil), "FORBIDDEN")
		wantCode(t, key.Do(`mutation { retireRelease(input: {package: "lib", version: "1.0.0", reason: SECURITY}) { releases { version } } }`, nil), "FORBIDDEN")
		wantCode(t, key.Do(`mutation { addPackageOwner(input: {package: "lib", owner: "ada", level: FULL}) { package { name } } }`, nil), "FORBIDDEN")
		wantCode(t, te.addGitHub(t, key, "lib", "", "acme/x", "r.yml").Result, "FORBIDDEN")
		wantCode(t, key.Do(createKeyDoc, map[string]any{"n": "more", "s": []string{"package:lib"}}), "FORBIDDEN")
		unchangedTrust(t, env, before)
	})
	t.Run("expires", func(t *testing.T) {
		env.Clock.Advance(15*time.Minute + time.Second)
		defer env.Clock.Advance(-(15*time.Minute + time.Second))
		before := trustState(t, env)
		wantCode(t, key.Publish(pkgtest.Tarball(t, "lib", "1.2.0"), nil), "UNAUTHENTICATED")
		unchangedTrust(t, env, before)
	})
	t.Run("revoked when the publisher is removed", func(t *testing.T) {
		k2, r := te.exchange(t, te.token("acme/lib", "release.yml"))
		wantCode(t, r, "")
		key2 := keyClient(env, k2.Key)
		te.ada.Do(removePublisherDoc, map[string]any{"id": te.pubID}).MustOK(t)
		wantAudit(t, env, "trusted_publisher.remove")
		before := trustState(t, env)
		wantCode(t, key2.Publish(pkgtest.Tarball(t, "lib", "1.3.0"), nil), "UNAUTHENTICATED")
		_, r = te.exchange(t, te.token("acme/lib", "release.yml"))
		wantCode(t, r, "FORBIDDEN")
		unchangedTrust(t, env, before)
	})
	t.Run("jti kept until expiry, then forgotten", func(t *testing.T) {
		n, err := env.Server.DB.OIDCToken.Query().Where(oidctoken.ExpiresAtGT(env.Clock.Now())).Count(sys())
		if err != nil || n == 0 {
			t.Fatalf("%d unexpired jti rows, %v", n, err)
		}
	})
}

func unchangedTrust(t *testing.T, env *servertest.Env, before string) {
	t.Helper()
	if after := trustState(t, env); after != before {
		t.Fatalf("a refused request changed the database:\nbefore: %s\nafter:  %s", before, after)
	}
}

// The Hex HTTP API's exchange route answers like the other routes.
func TestTrustedPublishingHTTPExchange(t *testing.T) {
	te := newTrustEnv(t)
	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(te.env.URL+"/api/oidc/token", "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, out
	}
	tok, _ := json.Marshal(map[string]string{"token": te.token("acme/lib", "release.yml")})
	status, out := post(string(tok))
	if status != 200 || out["packages"].([]any)[0] != "lib" || out["key"] == "" {
		t.Fatalf("%d %v", status, out)
	}
	before := trustState(t, te.env)
	status, out = post(string(tok))
	if status != 401 || out["code"] != "UNAUTHENTICATED" {
		t.Fatalf("replay: %d %v", status, out)
	}
	tok, _ = json.Marshal(map[string]string{"token": te.token("acme/lib", "ci.yml")})
	status, out = post(string(tok))
	if status != 403 || out["code"] != "FORBIDDEN" {
		t.Fatalf("mismatch: %d %v", status, out)
	}
	unchangedTrust(t, te.env, before)
}

func TestPendingTrustedPublisher(t *testing.T) {
	te := newTrustEnv(t)
	env := te.env
	bob, carol := env.SignUp("bob"), env.SignUp("carol")
	r := te.addGitHub(t, bob, "fresh", "", "acme/fresh", "release.yml").MustOK(t)
	var out struct {
		AddTrustedPublisher struct {
			TrustedPublisher struct {
				Pending        bool
				Owner, Package string
			}
		}
	}
	r.Decode(t, &out)
	if p := out.AddTrustedPublisher.TrustedPublisher; !p.Pending || p.Owner != "bob" || p.Package != "fresh" {
		t.Fatalf("%+v", p)
	}
	wantAudit(t, env, "trusted_publisher.add_pending")

	t.Run("a second pending claim by someone else is refused", func(t *testing.T) {
		before := trustState(t, env)
		wantCode(t, te.addGitHub(t, carol, "fresh", "", "acme/fresh", "release.yml").Result, "CONFLICT")
		wantCode(t, carol.Publish(pkgtest.Tarball(t, "fresh", "0.1.0"), nil), "CONFLICT")
		unchangedTrust(t, env, before)
	})
	var pending struct{ PendingTrustedPublishers []struct{ Package string } }
	bob.Do(`{ pendingTrustedPublishers { package } }`, nil).MustOK(t).Decode(t, &pending)
	if len(pending.PendingTrustedPublishers) != 1 {
		t.Fatalf("%+v", pending)
	}

	k, r2 := te.exchange(t, te.token("acme/fresh", "release.yml"))
	wantCode(t, r2, "")
	key := keyClient(env, k.Key)
	var pub struct {
		PublishRelease struct {
			Release struct {
				Package struct {
					Name   string
					Owners []struct{ Level string }
				}
			}
		}
	}
	key.Publish(pkgtest.Tarball(t, "fresh", "0.1.0"), nil).MustOK(t).Decode(t, &pub)
	n, err := env.Server.DB.Pkg.Query().Where(pkg.Name("fresh")).Count(sys())
	if err != nil || n != 1 {
		t.Fatalf("%d packages fresh, %v", n, err)
	}
	var pkgOut struct {
		Package struct {
			Owners []struct{ Account struct{ Name string } }
		}
	}
	env.Anonymous().Do(`{ package(name: "fresh") { owners { account { ... on User { name: username } } } } }`, nil).MustOK(t).Decode(t, &pkgOut)
	if len(pkgOut.Package.Owners) != 1 || pkgOut.Package.Owners[0].Account.Name != "bob" {
		t.Fatalf("owners %+v", pkgOut.Package.Owners)
	}
	// Created once: the publisher is now the package's, not pending.
	var list struct {
		Package struct{ TrustedPublishers []struct{ Pending bool } }
	}
	bob.Do(publishersDoc, map[string]any{"p": "fresh"}).MustOK(t).Decode(t, &list)
	if len(list.Package.TrustedPublishers) != 1 || list.Package.TrustedPublishers[0].Pending {
		t.Fatalf("%+v", list)
	}
	bob.Do(`{ pendingTrustedPublishers { package } }`, nil).MustOK(t).Decode(t, &pending)
	if len(pending.PendingTrustedPublishers) != 0 {
		t.Fatalf("still pending: %+v", pending)
	}
	key.Publish(pkgtest.Tarball(t, "fresh", "0.2.0"), nil).MustOK(t)
	// Carol can no longer reserve it: it exists and she is no owner.
	wantCode(t, te.addGitHub(t, carol, "fresh", "", "acme/fresh", "release.yml").Result, "FORBIDDEN")
}

// Who may configure trusted publishers: full owners of a package (for an
// organization's package, its admins), with a session or an api:write
// key; a pending publisher for an organization needs its admins.
func TestTrustedPublisherAuthorizationMatrix(t *testing.T) {
	cols := []string{"anonymous", "user", "other user", "org read", "org write", "org admin",
		"key api:read", "key api:write", "key package:x", "key repository:ORG"}
	const (
		U  = "UNAUTHENTICATED"
		F  = "FORBIDDEN"
		OK = ""
	)
	claims := []map[string]string{{"name": "repository_owner", "value": "acme"},
		{"name": "repository", "value": "acme/lib"}, {"name": "workflow", "value": "release.yml"}}
	add := func(name, owner string) map[string]any {
		v := map[string]any{"p": name, "k": "GITHUB", "c": claims}
		if owner != "" {
			v["o"] = owner
		}
		return v
	}
	rows := []struct {
		name, action string
		// setup publishes what the row needs and returns the call's query and variables.
		setup func(t *testing.T, f *fixture) (string, map[string]any)
		want  []string
	}{
		{"add to the organization's package", "trusted_publisher.add",
			func(t *testing.T, f *fixture) (string, map[string]any) {
				f.ada.Publish(pkgtest.Tarball(t, f.name("orgpkg"), "1.0.0"), map[string]any{"o": f.org}).MustOK(t)
				return addPublisherDoc, add(f.name("orgpkg"), "")
			},
			[]string{U, OK, F, F, F, OK, F, OK, F, F}},
		{"add to a user's package", "trusted_publisher.add",
			func(t *testing.T, f *fixture) (string, map[string]any) {
				f.ada.Publish(pkgtest.Tarball(t, f.name("own"), "1.0.0"), nil).MustOK(t)
				return addPublisherDoc, add(f.name("own"), "")
			},
			[]string{U, OK, F, F, F, F, F, OK, F, F}},
		{"remove from the organization's package", "trusted_publisher.remove",
			func(t *testing.T, f *fixture) (string, map[string]any) {
				f.ada.Publish(pkgtest.Tarball(t, f.name("orgpkg"), "1.0.0"), map[string]any{"o": f.org}).MustOK(t)
				id := result{f.ada.Do(addPublisherDoc, add(f.name("orgpkg"), ""))}.MustOK(t).publisherID(t)
				return removePublisherDoc, map[string]any{"id": id}
			},
			[]string{U, OK, F, F, F, OK, F, OK, F, F}},
		{"add pending for the organization", "trusted_publisher.add_pending",
			func(t *testing.T, f *fixture) (string, map[string]any) {
				return addPublisherDoc, add(f.name("future"), f.org)
			},
			[]string{U, OK, F, F, F, OK, F, OK, F, F}},
	}
	env := servertest.New(t)
	n := 0
	for _, row := range rows {
		if len(row.want) != len(cols) {
			t.Fatalf("%s: %d cells for %d columns", row.name, len(row.want), len(cols))
		}
		for i, col := range cols {
			want := row.want[i]
			t.Run(row.name+"/"+col, func(t *testing.T) {
				n++
				f := newFixture(t, env, n)
				query, vars := row.setup(t, f)
				c := f.principal(t, env, col)
				before := trustState(t, env)
				r := c.Do(query, vars)
				wantCode(t, r, want)
				if want == OK {
					if trustState(t, env) == before {
						t.Fatal("allowed mutation changed nothing")
					}
					wantAudit(t, env, row.action)
				} else {
					unchangedTrust(t, env, before)
				}
			})
		}
	}
}

// Listing a package's publishers follows the configuration rule.
func TestTrustedPublisherListAuthorization(t *testing.T) {
	env := servertest.New(t)
	f := newFixture(t, env, 1)
	f.ada.Publish(pkgtest.Tarball(t, "orgpkg", "1.0.0"), map[string]any{"o": f.org}).MustOK(t)
	f.ada.Do(addPublisherDoc, map[string]any{"p": "orgpkg", "k": "GITLAB", "c": []map[string]string{
		{"name": "project_path", "value": "acme/orgpkg"}}}).MustOK(t)
	want := map[string]string{"anonymous": "UNAUTHENTICATED", "user": "", "other user": "FORBIDDEN", "org read": "FORBIDDEN",
		"org write": "FORBIDDEN", "org admin": "", "key api:read": "FORBIDDEN", "key api:write": "",
		"key package:x": "FORBIDDEN", "key repository:ORG": "FORBIDDEN"}
	for col, code := range want {
		t.Run(col, func(t *testing.T) {
			r := f.principal(t, env, col).Do(publishersDoc, map[string]any{"p": "orgpkg"})
			wantCode(t, r, code)
			if code == "" {
				var out struct {
					Package struct {
						TrustedPublishers []struct{ Description string }
					}
				}
				r.Decode(t, &out)
				if len(out.Package.TrustedPublishers) != 1 || out.Package.TrustedPublishers[0].Description != "GitLab CI: acme/orgpkg" {
					t.Fatalf("%+v", out)
				}
			}
		})
	}
}

// A pending publisher configured for an organization creates the package
// owned by the organization.
func TestPendingTrustedPublisherForOrganization(t *testing.T) {
	te := newTrustEnv(t)
	te.ada.Do(createOrgDoc, map[string]any{"n": "acme_org"}).MustOK(t)
	te.addGitHub(t, te.ada, "orgfresh", "acme_org", "acme/orgfresh", "release.yml").MustOK(t)
	k, r := te.exchange(t, te.token("acme/orgfresh", "release.yml"))
	wantCode(t, r, "")
	keyClient(te.env, k.Key).Publish(pkgtest.Tarball(t, "orgfresh", "1.0.0"), nil).MustOK(t)
	var out struct {
		Package struct {
			Owners []struct {
				Level   string
				Account struct{ Name string }
			}
		}
	}
	te.env.Anonymous().Do(`{ package(name: "orgfresh") { owners { level account { ... on Organization { name } } } } }`, nil).MustOK(t).Decode(t, &out)
	if len(out.Package.Owners) != 1 || out.Package.Owners[0].Account.Name != "acme_org" || out.Package.Owners[0].Level != "FULL" {
		t.Fatalf("owners %+v", out.Package.Owners)
	}
}

// One token can match publishers of several packages, configured by
// different owners: the key publishes each, and every release names the
// owner who configured its publisher.
func TestTrustedKeyForSeveralPackages(t *testing.T) {
	te := newTrustEnv(t)
	bob := te.env.SignUp("bob")
	bob.Publish(pkgtest.Tarball(t, "bobpkg", "1.0.0"), nil).MustOK(t)
	te.addGitHub(t, bob, "bobpkg", "", "acme/lib", "release.yml").MustOK(t)
	k, r := te.exchange(t, te.token("acme/lib", "release.yml"))
	wantCode(t, r, "")
	if fmt.Sprint(k.Packages) != "[bobpkg lib]" {
		t.Fatalf("packages %v", k.Packages)
	}
	key := keyClient(te.env, k.Key)
	for pkgName, owner := range map[string]string{"lib": "ada", "bobpkg": "bob"} {
		key.Publish(pkgtest.Tarball(t, pkgName, "1.1.0"), nil).MustOK(t)
		var out struct {
			Release struct {
				Publisher      struct{ Username string }
				TrustedPublish struct{ Publisher string }
			}
		}
		te.env.Anonymous().Do(`query($p: String!) { release(package: $p, version: "1.1.0") { publisher { username } trustedPublish { publisher } } }`,
			map[string]any{"p": pkgName}).MustOK(t).Decode(t, &out)
		if out.Release.Publisher.Username != owner || out.Release.TrustedPublish.Publisher == "" {
			t.Fatalf("%s: %+v, want publisher %s", pkgName, out.Release, owner)
		}
	}
}
