package e2e

import (
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/browsertest"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// TestTwoFactorWebApp enrols in two-factor authentication from the QR
// page by reading the secret shown beside the QR code and computing the
// code in Go, signs in with the second step, and answers the inline
// sudo-mode prompt when a sensitive action comes more than 10 minutes
// after the last code.
func TestTwoFactorWebApp(t *testing.T) {
	requireBuilt(t)
	env := servertest.New(t)
	env.Clock.Set(time.Now().UTC())
	requireApp(t, env.URL)
	b := browsertest.Start(t)
	tab := b.NewTab(t, "tfa", env.URL, false)
	defer checkRequests(t, env.URL, tab)

	var secret string
	ok := t.Run("enrol from the QR page", func(t *testing.T) {
		p := tab.For(t)
		p.Go("/signup")
		p.Type(id("signup-username"), "tess")
		p.Type(id("signup-email"), "tess@example.com")
		p.Type(id("signup-password"), servertest.Password("tess"))
		p.Click(id("signup-submit"))
		p.Wait("signed in", js(`%s === "tess"`, textOf(id("viewer-username"))))
		p.Go("/settings")
		p.Click(id("tfa-begin"))
		p.WaitVisible(id("totp-secret"))
		// The QR code is drawn in the page, from the otpauth URI.
		p.Wait("the QR code", js(`(() => { const i = document.querySelector(%q); return !!i && i.complete && i.naturalWidth > 0 && i.src.startsWith("data:image/png"); })()`, id("totp-qr")))
		secret = p.Text(id("totp-secret"))
		if len(secret) != 32 {
			p.Fail("the secret shown is %q, want 32 base32 characters", secret)
		}
		p.Screenshot("two-factor-qr")
		p.Type(id("totp-enable-code"), env.NextCode(secret))
		p.Click(id("totp-enable-submit"))
		p.Wait("ten recovery codes", js(`document.querySelectorAll(%q).length === 10`, id("recovery-codes")+" li"))
		p.Wait("two-factor on", js(`%s.includes("on")`, textOf(id("tfa-status"))))
	})
	if !ok {
		return
	}

	ok = t.Run("sign in with a code", func(t *testing.T) {
		p := tab.For(t)
		p.Click(id("signout-button"))
		p.Wait("signed out", js(`!!document.querySelector(%q)`, id("signin-link")))
		p.Go("/signin")
		p.Type(id("signin-login"), "tess")
		p.Type(id("signin-password"), servertest.Password("tess"))
		p.Click(id("signin-submit"))
		p.WaitVisible(id("signin-code"))
		p.Type(id("signin-code"), "000000")
		p.Click(id("signin-code-submit"))
		p.Wait("a wrong code refused", js(`%s.includes("Invalid two-factor")`, textOf(id("error-message"))))
		p.Fill(id("signin-code"), env.NextCode(secret))
		p.Click(id("signin-code-submit"))
		p.Wait("signed in", js(`%s === "tess"`, textOf(id("viewer-username"))))
	})
	if !ok {
		return
	}

	t.Run("sudo mode asks inline and retries", func(t *testing.T) {
		p := tab.For(t)
		env.Clock.Advance(11 * time.Minute)
		p.Go("/settings")
		p.Type(id("api-key-name"), "ci")
		p.Click(id("create-api-key-submit"))
		p.WaitVisible(id("totp-prompt"))
		p.Type(id("totp-prompt-code"), env.NextCode(secret))
		p.Click(id("totp-prompt-submit"))
		p.WaitVisible(id("api-key-secret"))
		p.WaitVisible(id("api-key-row") + `[data-key-name="ci"]`)
	})

	t.Run("sudo mode on an owner change, from the package page", func(t *testing.T) {
		p := tab.For(t)
		// tess publishes through the API (signing in with her code), bob exists.
		env.SignUp("bob")
		api := env.Anonymous()
		var in struct{ SignIn struct{ Challenge string } }
		api.Do(`mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { challenge } }`,
			map[string]any{"l": "tess", "p": servertest.Password("tess")}).MustOK(t).Decode(t, &in)
		api.Do(`mutation($ch: String!, $c: String!) { completeSignIn(input: {challenge: $ch, code: $c}) { user { username } } }`,
			map[string]any{"ch": in.SignIn.Challenge, "c": env.NextCode(secret)}).MustOK(t)
		api.Publish(pkgtest.Tarball(t, "tfa_pkg", "1.0.0"), nil).MustOK(t)

		env.Clock.Advance(11 * time.Minute)
		p.Go("/packages/tfa_pkg")
		p.Type(`form[aria-labelledby="add-owner-title"] input`, "bob")
		p.Click(id("add-owner-submit"))
		p.WaitVisible(`.sudo-dialog ` + id("totp-prompt-code"))
		p.Type(id("totp-prompt-code"), env.NextCode(secret))
		p.Click(id("totp-prompt-submit"))
		p.Wait("bob an owner", js(`!document.querySelector(".sudo-dialog") && !!document.querySelector(%q)`, id("owner-row")+`[data-owner="bob"]`))
		var owners struct {
			Package struct {
				Owners []struct{ Account struct{ Username string } }
			}
		}
		env.Anonymous().Do(`{ package(name: "tfa_pkg") { owners { account { ... on User { username } } } } }`, nil).MustOK(t).Decode(t, &owners)
		if len(owners.Package.Owners) != 2 {
			p.Fail("owners after the confirmed change: %+v", owners.Package.Owners)
		}
	})
}
