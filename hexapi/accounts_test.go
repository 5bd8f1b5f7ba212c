package hexapi_test

import (
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// rebar3 hex user auth / mix hex.user auth: a password (HTTP Basic)
// creates a key with hex permissions; the key then works, lists, shows and
// revokes like any Depot key.
func TestKeysWithPassword(t *testing.T) {
	w := newWorld(t)
	pw := newClient(t, w.env, basicKey("alice", servertest.Password("alice")))
	r := pw.call("r3_hex_api_key", "add", bin("laptop"), `[#{<<"domain">> => <<"api">>, <<"resource">> => <<"write">>}]`).want(t, 201)
	body := r.m(t)
	secret, _ := body["secret"].(string)
	if body["name"] != "laptop" || secret == "" {
		t.Fatalf("new key %#v", body)
	}
	perms, _ := body["permissions"].([]any)
	if len(perms) != 1 || perms[0].(map[string]any)["domain"] != "api" || perms[0].(map[string]any)["resource"] != "write" {
		t.Fatalf("permissions %#v", body["permissions"])
	}
	key := newClient(t, w.env, secret)
	if me := key.call("r3_hex_api_user", "me").want(t, 200).m(t); me["username"] != "alice" {
		t.Fatalf("me with the new key %#v", me)
	}
	// A repository permission becomes the matching Depot scope.
	w.paidOrg("acme")
	r = pw.call("r3_hex_api_key", "add", bin("ci"), `[#{<<"domain">> => <<"repository">>, <<"resource">> => <<"acme">>}]`).want(t, 201)
	var scopes []string
	var out struct {
		APIKeys []struct {
			Name   string
			Scopes []string
		}
	}
	w.alice.Do(`{ apiKeys { name scopes } }`, nil).MustOK(t).Decode(t, &out)
	for _, k := range out.APIKeys {
		if k.Name == "ci" {
			scopes = k.Scopes
		}
	}
	if len(scopes) != 1 || scopes[0] != "repository:acme" {
		t.Fatalf("ci key scopes %v", scopes)
	}

	names := map[string]bool{}
	for _, k := range key.call("r3_hex_api_key", "list").want(t, 200).list(t) {
		names[k["name"].(string)] = k["authing_key"].(bool)
	}
	if authing, ok := names["laptop"]; !ok || !authing || !containsKey(names, "ci") {
		t.Fatalf("key list %v", names)
	}
	if got := key.call("r3_hex_api_key", "get", bin("ci")).want(t, 200).m(t); got["name"] != "ci" || got["secret"] != nil {
		t.Fatalf("key view %#v", got)
	}
	key.call("r3_hex_api_key", "get", bin("nope")).want(t, 404)
	key.call("r3_hex_api_key", "delete", bin("ci")).want(t, 200)
	key.call("r3_hex_api_key", "get", bin("ci")).want(t, 404)
	// Revoking all revokes the key in use too: it stops working.
	key.call("r3_hex_api_key", "delete_all").want(t, 200)
	r = key.call("r3_hex_api_user", "me").want(t, 401)
	if r.Headers["www-authenticate"] == nil {
		t.Errorf("401 without www-authenticate: %#v", r.Headers)
	}

	// A wrong password is 401 and creates nothing.
	before := state(t, w.env)
	bad := newClient(t, w.env, basicKey("alice", "wrong password"))
	bad.call("r3_hex_api_key", "add", bin("x"), `[]`).want(t, 401)
	unchanged(t, w.env, before, "key creation with a wrong password")
	// A read-only key may not create keys.
	ro := newClient(t, w.env, w.alice.WithKey("api:read").Key)
	before = state(t, w.env)
	ro.call("r3_hex_api_key", "add", bin("x"), `[]`).want(t, 403)
	unchanged(t, w.env, before, "key creation by a read-only key")
}

func containsKey(m map[string]bool, k string) bool { _, ok := m[k]; return ok }

// r3_hex_api_user:me lists the organizations mix offers as owners;
// r3_hex_api_user:get shows another user without their email.
func TestUsers(t *testing.T) {
	w := newWorld(t)
	w.paidOrg("acme")
	me := w.hc.call("r3_hex_api_user", "me").want(t, 200).m(t)
	orgs, _ := me["organizations"].([]any)
	if me["email"] != "alice@example.com" || len(orgs) != 1 || orgs[0].(map[string]any)["name"] != "acme" || orgs[0].(map[string]any)["role"] != "admin" {
		t.Fatalf("me %#v", me)
	}
	// mix hex.owner packages lists what /users/me owns.
	w.publish(pkgtest.Tarball(t, "alices", "1.0.0"))
	me = w.hc.call("r3_hex_api_user", "me").want(t, 200).m(t)
	pkgs, _ := me["packages"].([]any)
	if len(pkgs) != 1 || pkgs[0].(map[string]any)["name"] != "alices" || pkgs[0].(map[string]any)["repository"] != "depot" {
		t.Fatalf("me packages %#v", me["packages"])
	}
	bob := w.hc.call("r3_hex_api_user", "get", bin("bob")).want(t, 200).m(t)
	if bob["username"] != "bob" || bob["email"] != nil {
		t.Fatalf("other user %#v", bob)
	}
	w.hc.call("r3_hex_api_user", "get", bin("nobody")).want(t, 404)
	// A narrow key reads its own account as an outsider would.
	narrow := newClient(t, w.env, w.alice.WithKey("package:whatever").Key).call("r3_hex_api_user", "me").want(t, 200).m(t)
	if orgs, _ := narrow["organizations"].([]any); narrow["username"] != "alice" || narrow["email"] != nil || len(orgs) != 0 {
		t.Fatalf("me with a package key %#v", narrow)
	}
	newClient(t, w.env, "").call("r3_hex_api_user", "me").want(t, 401)
}

// mix hex.search through r3_hex_api_package:search, with sort and page.
func TestSearch(t *testing.T) {
	w := newWorld(t)
	for _, n := range []string{"searchable_b", "searchable_a", "unrelated"} {
		w.publish(pkgtest.Tarball(t, n, "1.0.0"))
	}
	var names []string
	for _, p := range w.hc.call("r3_hex_api_package", "search", bin("searchable"), `[{sort, <<"name">>}]`).want(t, 200).list(t) {
		names = append(names, p["name"].(string))
	}
	if len(names) != 2 || names[0] != "searchable_a" || names[1] != "searchable_b" {
		t.Fatalf("search %v", names)
	}
	if l := w.hc.call("r3_hex_api_package", "search", bin("searchable"), `[{page, 2}]`).want(t, 200).list(t); len(l) != 0 {
		t.Fatalf("page 2 %v", l)
	}
	w.hc.call("r3_hex_api_package", "search", bin("x"), `[{sort, <<"chaos">>}]`).want(t, 422)
	w.hc.call("r3_hex_api_package", "get", bin("missing")).want(t, 404)
}

// An organization's repository under /api/repos/ORG (hex_core's
// api_repository): publish, read and owners there; outsiders see nothing.
func TestOrganizationRepository(t *testing.T) {
	w := newWorld(t)
	w.paidOrg("acme")
	org := w.hc.in("acme")
	r := org.call("r3_hex_api_release", "publish", bin(string(pkgtest.Tarball(t, "secret", "1.0.0")))).want(t, 201)
	if u := r.m(t)["package_url"]; u != w.env.URL+"/api/repos/acme/packages/secret" {
		t.Fatalf("package_url %v", u)
	}
	if p := org.call("r3_hex_api_package", "get", bin("secret")).want(t, 200).m(t); p["repository"] != "acme" {
		t.Fatalf("package %#v", p)
	}
	// Not in the public repository, and invisible to outsiders.
	w.hc.call("r3_hex_api_package", "get", bin("secret")).want(t, 404)
	w.bobHC.in("acme").call("r3_hex_api_package", "get", bin("secret")).want(t, 404)
	newClient(t, w.env, "").in("acme").call("r3_hex_api_release", "get", bin("secret"), bin("1.0.0")).want(t, 404)
	before := state(t, w.env)
	w.bobHC.in("acme").call("r3_hex_api_release", "publish", bin(string(pkgtest.Tarball(t, "intruder", "1.0.0")))).want(t, 403)
	unchanged(t, w.env, before, "a publish by a non-member")

	// Organizations and repositories.
	o := w.hc.call("r3_hex_api", "get", `[<<"orgs">>, <<"acme">>]`).want(t, 200).m(t)
	if o["name"] != "acme" || o["billing_active"] != true {
		t.Fatalf("org %#v", o)
	}
	members := w.hc.call("r3_hex_api", "get", `[<<"orgs">>, <<"acme">>, <<"members">>]`).want(t, 200).list(t)
	if len(members) != 1 || members[0]["username"] != "alice" || members[0]["role"] != "admin" {
		t.Fatalf("members %v", members)
	}
	w.bobHC.call("r3_hex_api", "get", `[<<"orgs">>, <<"acme">>, <<"members">>]`).want(t, 403)
	var repos []string
	for _, x := range w.hc.call("r3_hex_api", "get", `[<<"repos">>]`).want(t, 200).list(t) {
		repos = append(repos, x["name"].(string))
	}
	if len(repos) != 2 || repos[0] != "depot" || repos[1] != "acme" {
		t.Fatalf("repos %v", repos)
	}
	w.hc.call("r3_hex_api", "get", `[<<"repos">>, <<"acme">>]`).want(t, 200)
	w.bobHC.call("r3_hex_api", "get", `[<<"repos">>, <<"acme">>]`).want(t, 404)
}

// GET /api/auth?domain=&resource=, what the clients ask before acting.
func TestAuthEndpoint(t *testing.T) {
	w := newWorld(t)
	w.paidOrg("acme")
	w.publish(pkgtest.Tarball(t, "mine", "1.0.0"))
	ask := func(c hexClient, query string) int {
		return c.call("r3_hex_api", "get", bin("auth?"+query)).Status
	}
	ro := newClient(t, w.env, w.alice.WithKey("api:read").Key)
	cases := []struct {
		c     hexClient
		query string
		want  int
	}{
		{w.hc, "domain=api&resource=write", 204},
		{w.hc, "domain=api&resource=read", 204},
		{ro, "domain=api&resource=read", 204},
		{ro, "domain=api&resource=write", 401},
		{w.hc, "domain=repository&resource=acme", 204},
		{w.bobHC, "domain=repository&resource=acme", 403},
		{w.hc, "domain=package&resource=mine", 204},
		{w.bobHC, "domain=package&resource=mine", 403},
		{w.hc, "domain=nonsense", 401},
		{newClient(t, w.env, ""), "domain=api&resource=read", 401},
		{w.hc, "resource=read", 400},
	}
	for _, c := range cases {
		if got := ask(c.c, c.query); got != c.want {
			t.Errorf("auth?%s with %s: %d, want %d", c.query, c.c.key[:min(len(c.c.key), 8)], got, c.want)
		}
	}
}
