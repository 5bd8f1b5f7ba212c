package hexapi_test

import (
	"regexp"
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// hexpm's answers to a write that needs a code (lib/hexpm_web/auth_helpers.ex).
const (
	totpRequiredMsg = "Two-factor authentication required. Include X-Hex-OTP header with your TOTP code."
	invalidTOTPMsg  = "Invalid two-factor authentication code"
)

func wantTOTPAnswer(t *testing.T, r response, challenge, message string) {
	t.Helper()
	r.want(t, 401)
	if got := r.Headers["www-authenticate"]; got != challenge {
		t.Fatalf("www-authenticate = %#v, want %q", got, challenge)
	}
	if got := r.message(t); got != message {
		t.Fatalf("message = %q, want hexpm's %q", got, message)
	}
	if got := r.m(t)["status"]; got != int64(401) {
		t.Fatalf("body status = %#v", got)
	}
}

// A key marked "writes need a code", driven through hex_core's client:
// without x-hex-otp a publish is refused as hexpm refuses it, a wrong
// code too, a current code lets it through; reads never need one.
func TestTwoFactorHexOTP(t *testing.T) {
	w := newWorld(t)
	secret, _ := w.alice.EnableTwoFactor()
	var out struct{ CreateAPIKey struct{ Secret string } }
	w.alice.Do(`mutation { createApiKey(input: {name: "hex", scopes: ["api:write"], writesNeedCode: true}) { secret } }`, nil).
		MustOK(t).Decode(t, &out)
	hc := newClient(t, w.env, out.CreateAPIKey.Secret)
	tb := pkgtest.Tarball(t, "otp_pkg", "1.0.0")

	before := state(t, w.env)
	wantTOTPAnswer(t, hc.call("r3_hex_api_release", "publish", bin(string(tb))),
		`Bearer realm="hex", error="totp_required"`, totpRequiredMsg)
	unchanged(t, w.env, before, "a publish without a code")
	bad := hc
	bad.otp = "000000"
	wantTOTPAnswer(t, bad.call("r3_hex_api_release", "publish", bin(string(tb))),
		`Bearer realm="hex", error="invalid_totp"`, invalidTOTPMsg)
	// Only the failure's audit row is new.
	auditRE := regexp.MustCompile(`audit=(\d+)`)
	if got, want := auditRE.ReplaceAllString(state(t, w.env), ""), auditRE.ReplaceAllString(before, ""); got != want {
		t.Fatalf("a publish with a wrong code changed the state:\nbefore: %s\nafter:  %s", want, got)
	}

	ok := hc
	ok.otp = w.env.NextCode(secret)
	ok.call("r3_hex_api_release", "publish", bin(string(tb))).want(t, 201)
	// A tool repeats its one code across a command's requests (hexpm
	// accepts that too); reads need none.
	ok.call("r3_hex_api_release", "retire", bin("otp_pkg"), bin("1.0.0"),
		`#{<<"reason">> => <<"security">>, <<"message">> => <<"bad release">>}`).want(t, 204)
	hc.call("r3_hex_api_package", "get", bin("otp_pkg")).want(t, 200)

	// The password of a user with two-factor authentication (HTTP Basic,
	// as `rebar3 hex user auth` sends it) needs a code to create a key.
	pw := newClient(t, w.env, basicKey("alice", servertest.Password("alice")))
	before = state(t, w.env)
	wantTOTPAnswer(t, pw.call("r3_hex_api_key", "add", bin("laptop"), `[#{<<"domain">> => <<"api">>, <<"resource">> => <<"write">>}]`),
		`Bearer realm="hex", error="totp_required"`, totpRequiredMsg)
	unchanged(t, w.env, before, "a key created by password without a code")
	pw.otp = w.env.NextCode(secret)
	pw.call("r3_hex_api_key", "add", bin("laptop"), `[#{<<"domain">> => <<"api">>, <<"resource">> => <<"write">>}]`).want(t, 201)
}
