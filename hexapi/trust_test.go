package hexapi_test

import (
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/oidctest"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// A CI job exchanges its OIDC token through POST /api/oidc/token with
// hex_core's own client, then publishes with the key as `rebar3 hex
// publish` would; the key publishes nothing else and expires.
func TestTrustedPublishingWithHexCore(t *testing.T) {
	env := servertest.New(t, func(c *server.Config) { c.OIDCAllowHTTP = true })
	iss := oidctest.New(t)
	alice := env.SignUp("alice")
	alice.Publish(pkgtest.Tarball(t, "lib", "1.0.0"), nil).MustOK(t)
	alice.Publish(pkgtest.Tarball(t, "other", "1.0.0"), nil).MustOK(t)
	alice.Do(`mutation($i: String!) { addTrustedPublisher(input: {package: "lib", kind: GITHUB, issuer: $i, claims: [
	  {name: "repository_owner", value: "acme"}, {name: "repository", value: "acme/lib"}, {name: "workflow", value: "release.yml"}]}) {
	  trustedPublisher { id } } }`, map[string]any{"i": iss.URL}).MustOK(t)

	anon := newClient(t, env, "")
	tok := iss.Mint(iss.GitHub(env.URL, "acme/lib", "release.yml", env.Clock.Now()))
	body := `#{<<"token">> => ` + bin(tok) + `}`
	m := anon.call("r3_hex_api", "post", `[<<"oidc">>, <<"token">>]`, body).want(t, 200).m(t)
	key, _ := m["key"].(string)
	if key == "" || m["expires_at"] == nil {
		t.Fatalf("exchange answered %#v", m)
	}
	before := state(t, env)
	if msg := anon.call("r3_hex_api", "post", `[<<"oidc">>, <<"token">>]`, body).want(t, 401).message(t); msg == "" {
		t.Fatal("replay refused without a message")
	}
	unchanged(t, env, before, "replayed token")

	ci := newClient(t, env, key)
	ci.call("r3_hex_api_release", "publish", bin(string(pkgtest.Tarball(t, "lib", "1.1.0")))).want(t, 201)

	before = state(t, env)
	ci.call("r3_hex_api_release", "publish", bin(string(pkgtest.Tarball(t, "other", "1.1.0")))).want(t, 403)
	ci.call("r3_hex_api_release", "retire", bin("lib"), bin("1.0.0"), `#{<<"reason">> => <<"security">>, <<"message">> => <<"not by CI">>}`).want(t, 403)
	unchanged(t, env, before, "publish of another package")

	env.Clock.Advance(16 * time.Minute)
	before = state(t, env)
	ci.call("r3_hex_api_release", "publish", bin(string(pkgtest.Tarball(t, "lib", "1.2.0")))).want(t, 401)
	unchanged(t, env, before, "expired key")
}
