package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

const (
	completeSignInDoc = `mutation($ch: String!, $c: String!) { completeSignIn(input: {challenge: $ch, code: $c}) { user { username twoFactorEnabled } } }`
	signInTFADoc      = `mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { user { username } twoFactorRequired challenge } }`
	twoFactorDoc      = `query { viewer { username twoFactorEnabled recoveryCodesLeft } }`
)

type signInAnswer struct {
	SignIn struct {
		User              *struct{ Username string }
		TwoFactorRequired bool
		Challenge         *string
	}
}

// signInStep1 signs in with the password of a user with two-factor
// authentication and returns the challenge; no session exists yet.
func signInStep1(t *testing.T, env *servertest.Env, c *servertest.Client, username string) string {
	t.Helper()
	var in signInAnswer
	c.Do(signInTFADoc, map[string]any{"l": username, "p": servertest.Password(username)}).MustOK(t).Decode(t, &in)
	if !in.SignIn.TwoFactorRequired || in.SignIn.Challenge == nil || in.SignIn.User != nil {
		t.Fatalf("signIn with 2FA on = %+v; want twoFactorRequired, a challenge and no user", in.SignIn)
	}
	if name := viewerName(t, c); name != "" {
		t.Fatalf("after the password alone the viewer is %q", name)
	}
	return *in.SignIn.Challenge
}

func enabled2FA(t *testing.T, env *servertest.Env, username string) bool {
	t.Helper()
	u, err := env.Server.DB.User.Query().Where(user.Username(username)).Only(sys())
	if err != nil {
		t.Fatal(err)
	}
	return u.TwoFactorEnabled
}

// Enrolment, sign-in with a code, a wrong code, a replayed code, recovery
// codes (each once), regeneration and disabling, each audited.
func TestTwoFactorLifecycle(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("tfa")

	// Enrolment: a secret and its otpauth URI; a wrong code changes nothing.
	var begin struct {
		BeginTwoFactor struct{ Secret, URI string }
	}
	c.Do(`mutation { beginTwoFactor { secret uri } }`, nil).MustOK(t).Decode(t, &begin)
	secret := begin.BeginTwoFactor.Secret
	if len(secret) != 32 || !strings.HasPrefix(begin.BeginTwoFactor.URI, "otpauth://totp/Depot:tfa?") ||
		!strings.Contains(begin.BeginTwoFactor.URI, "secret="+secret) {
		t.Fatalf("beginTwoFactor = %+v", begin.BeginTwoFactor)
	}
	enable := `mutation($c: String!) { enableTwoFactor(input: {code: $c}) { user { twoFactorEnabled } recoveryCodes } }`
	before := snapshot(t, env)
	wantCode(t, c.Do(enable, map[string]any{"c": "000000"}), "INVALID_TOTP")
	wantAudit(t, env, "two_factor.failure")
	if enabled2FA(t, env, "tfa") {
		t.Fatal("a wrong code turned two-factor authentication on")
	}
	_ = before
	var done struct {
		EnableTwoFactor struct {
			User          struct{ TwoFactorEnabled *bool }
			RecoveryCodes []string
		}
	}
	c.Do(enable, map[string]any{"c": env.NextCode(secret)}).MustOK(t).Decode(t, &done)
	recovery := done.EnableTwoFactor.RecoveryCodes
	if len(recovery) != 10 || done.EnableTwoFactor.User.TwoFactorEnabled == nil || !*done.EnableTwoFactor.User.TwoFactorEnabled {
		t.Fatalf("enableTwoFactor = %+v", done.EnableTwoFactor)
	}
	wantAudit(t, env, "two_factor.enable")
	// Recovery codes are stored as hashes only.
	rows, err := env.Server.DB.RecoveryCode.Query().All(sys())
	if err != nil || len(rows) != 10 {
		t.Fatalf("recovery code rows: %d, %v", len(rows), err)
	}
	for _, r := range rows {
		for _, code := range recovery {
			if strings.Contains(string(r.CodeHash), code) {
				t.Fatal("a recovery code is stored in plain text")
			}
		}
	}
	// The secret is stored encrypted.
	tf, err := env.Server.DB.TwoFactor.Query().Only(sys())
	if err != nil || strings.Contains(string(tf.SecretEnc), secret) {
		t.Fatalf("two-factor row: %v; secret in plain text: %v", err, err == nil)
	}
	wantCode(t, c.Do(`mutation { beginTwoFactor { secret } }`, nil), "CONFLICT")

	// Sign-in: the password alone opens no session; a wrong code neither.
	b := env.Anonymous()
	ch := signInStep1(t, env, b, "tfa")
	sessions := func() int {
		n, err := env.Server.DB.Session.Query().Count(sys())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	n0 := sessions()
	wantCode(t, b.Do(completeSignInDoc, map[string]any{"ch": ch, "c": "123456"}), "INVALID_TOTP")
	wantAudit(t, env, "two_factor.failure")
	wantCode(t, b.Do(completeSignInDoc, map[string]any{"ch": "dpc_1.2.forged", "c": env.Code(secret)}), "UNAUTHENTICATED")
	if sessions() != n0 || viewerName(t, b) != "" {
		t.Fatal("a wrong code or challenge opened a session")
	}
	code := env.NextCode(secret)
	b.Do(completeSignInDoc, map[string]any{"ch": ch, "c": code}).MustOK(t)
	wantAudit(t, env, "user.sign_in")
	if viewerName(t, b) != "tfa" {
		t.Fatal("completeSignIn did not sign in")
	}

	// The same code again, inside its window, is refused.
	b2 := env.Anonymous()
	ch2 := signInStep1(t, env, b2, "tfa")
	wantCode(t, b2.Do(completeSignInDoc, map[string]any{"ch": ch2, "c": code}), "INVALID_TOTP")
	if viewerName(t, b2) != "" {
		t.Fatal("a replayed code signed in")
	}

	// A recovery code works once.
	b2.Do(completeSignInDoc, map[string]any{"ch": ch2, "c": strings.ToUpper(recovery[0])}).MustOK(t)
	wantAudit(t, env, "user.sign_in")
	if !contains(auditActions(t, env), "two_factor.recovery_code_used") {
		t.Fatal("recovery code use not audited")
	}
	b3 := env.Anonymous()
	ch3 := signInStep1(t, env, b3, "tfa")
	wantCode(t, b3.Do(completeSignInDoc, map[string]any{"ch": ch3, "c": recovery[0]}), "INVALID_TOTP")
	var me struct {
		Viewer struct{ RecoveryCodesLeft *int }
	}
	b2.Do(twoFactorDoc, nil).MustOK(t).Decode(t, &me)
	if me.Viewer.RecoveryCodesLeft == nil || *me.Viewer.RecoveryCodesLeft != 9 {
		t.Fatalf("recoveryCodesLeft = %v, want 9", me.Viewer.RecoveryCodesLeft)
	}

	// Failed codes are rate limited like wrong passwords.
	b4 := env.Anonymous()
	ch4 := signInStep1(t, env, b4, "tfa")
	limited := false
	for i := 0; i < 10 && !limited; i++ {
		r := b4.Do(completeSignInDoc, map[string]any{"ch": ch4, "c": "999999"})
		limited = r.Code() == "RATE_LIMITED"
		if !limited {
			wantCode(t, r, "INVALID_TOTP")
		}
	}
	if !limited {
		t.Fatal("ten wrong codes in a row were never rate limited")
	}
	wantCode(t, b4.Do(completeSignInDoc, map[string]any{"ch": ch4, "c": env.Code(secret)}), "RATE_LIMITED")
	env.Clock.Advance(time.Minute)
	b4.Do(completeSignInDoc, map[string]any{"ch": ch4, "c": env.NextCode(secret)}).MustOK(t)

	// Regenerating needs a code; old recovery codes stop working.
	regen := `mutation($c: String!) { regenerateRecoveryCodes(input: {code: $c}) { recoveryCodes } }`
	wantCode(t, b.Do(regen, map[string]any{"c": "000000"}), "INVALID_TOTP")
	var rg struct {
		RegenerateRecoveryCodes struct{ RecoveryCodes []string }
	}
	b.Do(regen, map[string]any{"c": env.NextCode(secret)}).MustOK(t).Decode(t, &rg)
	wantAudit(t, env, "two_factor.recovery_codes")
	if len(rg.RegenerateRecoveryCodes.RecoveryCodes) != 10 {
		t.Fatalf("regenerated %d codes", len(rg.RegenerateRecoveryCodes.RecoveryCodes))
	}
	b5 := env.Anonymous()
	ch5 := signInStep1(t, env, b5, "tfa")
	wantCode(t, b5.Do(completeSignInDoc, map[string]any{"ch": ch5, "c": recovery[1]}), "INVALID_TOTP")
	b5.Do(completeSignInDoc, map[string]any{"ch": ch5, "c": rg.RegenerateRecoveryCodes.RecoveryCodes[0]}).MustOK(t)

	// Disabling needs a current code; then the password signs in alone.
	disable := `mutation($c: String!) { disableTwoFactor(input: {code: $c}) { user { twoFactorEnabled } } }`
	wantCode(t, b.Do(disable, map[string]any{"c": "000000"}), "INVALID_TOTP")
	if !enabled2FA(t, env, "tfa") {
		t.Fatal("a wrong code turned two-factor authentication off")
	}
	b.Do(disable, map[string]any{"c": env.NextCode(secret)}).MustOK(t)
	wantAudit(t, env, "two_factor.disable")
	var in signInAnswer
	env.Anonymous().Do(signInTFADoc, map[string]any{"l": "tfa", "p": servertest.Password("tfa")}).MustOK(t).Decode(t, &in)
	if in.SignIn.TwoFactorRequired || in.SignIn.User == nil {
		t.Fatalf("signIn after disabling = %+v", in.SignIn)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Sudo mode: sensitive actions from a browser session need a code no older
// than 10 minutes; X-Depot-OTP or confirmTwoFactor refresh it.
func TestTwoFactorSudoMode(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("sudo")
	secret, _ := c.EnableTwoFactor()
	b := env.Anonymous()
	ch := signInStep1(t, env, b, "sudo")
	b.Do(completeSignInDoc, map[string]any{"ch": ch, "c": env.NextCode(secret)}).MustOK(t)
	t0 := env.Clock.Now()
	key := map[string]any{"n": "k", "s": []string{"api:read"}}

	env.Clock.Set(t0.Add(9 * time.Minute))
	b.Do(createKeyDoc, key).MustOK(t)

	env.Clock.Set(t0.Add(11 * time.Minute))
	before := snapshot(t, env)
	wantCode(t, b.Do(createKeyDoc, key), "TOTP_REQUIRED")
	wantCode(t, b.Do(changePasswordDoc, map[string]any{"c": servertest.Password("sudo"), "n": "another long passphrase"}), "TOTP_REQUIRED")
	unchanged(t, env, before)

	// A wrong code in the header is refused before anything runs.
	r := b.WithOTP("000000").Do(createKeyDoc, key)
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong X-Depot-OTP: status %d", r.Status)
	}
	wantCode(t, r, "INVALID_TOTP")

	// A current code in the header: the action runs, and the session is
	// fresh for ten more minutes.
	b.WithOTP(env.NextCode(secret)).Do(createKeyDoc, key).MustOK(t)
	t1 := env.Clock.Now()
	env.Clock.Set(t1.Add(9 * time.Minute))
	b.Do(createKeyDoc, key).MustOK(t)

	// confirmTwoFactor does the same as a mutation.
	env.Clock.Set(t1.Add(11 * time.Minute))
	wantCode(t, b.Do(createKeyDoc, key), "TOTP_REQUIRED")
	confirm := `mutation($c: String!) { confirmTwoFactor(input: {code: $c}) { sudoUntil } }`
	wantCode(t, b.Do(confirm, map[string]any{"c": "000000"}), "INVALID_TOTP")
	var cf struct{ ConfirmTwoFactor struct{ SudoUntil time.Time } }
	b.Do(confirm, map[string]any{"c": env.NextCode(secret)}).MustOK(t).Decode(t, &cf)
	if want := env.Clock.Now().Add(10 * time.Minute).Truncate(time.Second); !cf.ConfirmTwoFactor.SudoUntil.Equal(want) {
		t.Fatalf("sudoUntil = %v, want %v", cf.ConfirmTwoFactor.SudoUntil, want)
	}
	b.Do(createKeyDoc, key).MustOK(t)

	// A user without two-factor authentication is never asked.
	plain := env.SignUp("plain")
	env.Clock.Advance(time.Hour)
	plain.Do(createKeyDoc, key).MustOK(t)
}

// A key marked "writes need a code": reads as usual, writes only with a
// current code in X-Depot-OTP.
func TestTwoFactorKeyWritesNeedCode(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("keyed")
	markedDoc := `mutation { createApiKey(input: {name: "ci", scopes: ["api:write"], writesNeedCode: true}) { secret apiKey { writesNeedCode } } }`

	// Only a user with two-factor authentication can mark a key.
	before := snapshot(t, env)
	wantCode(t, c.Do(markedDoc, nil), "BAD_USER_INPUT")
	unchanged(t, env, before)

	secret, _ := c.EnableTwoFactor()
	var out struct {
		CreateAPIKey struct {
			Secret string
			APIKey struct{ WritesNeedCode bool }
		}
	}
	c.Do(markedDoc, nil).MustOK(t).Decode(t, &out)
	if !out.CreateAPIKey.APIKey.WritesNeedCode {
		t.Fatal("key not marked")
	}
	k := keyClient(env, out.CreateAPIKey.Secret)
	if viewerName(t, k) != "keyed" {
		t.Fatal("the marked key cannot read")
	}
	tb := pkgtest.Tarball(t, "coded", "1.0.0")
	before = snapshot(t, env)
	wantCode(t, k.Publish(tb, nil), "TOTP_REQUIRED")
	unchanged(t, env, before)
	wantCode(t, k.WithOTP("111111").Publish(tb, nil), "INVALID_TOTP")
	k.WithOTP(env.NextCode(secret)).Publish(tb, nil).MustOK(t)
	docs := pkgtest.Docs(t, map[string]string{"index.html": "<h1>coded</h1>"})
	docVars := func() map[string]any { return map[string]any{"p": "coded", "v": "1.0.0"} }
	before = snapshot(t, env)
	wantCode(t, k.Upload(publishDocs, docVars(), "t", docs), "TOTP_REQUIRED")
	unchanged(t, env, before)
	k.WithOTP(env.NextCode(secret)).Upload(publishDocs, docVars(), "t", docs).MustOK(t)
	wantCode(t, k.Do(`mutation { retireRelease(input: {package: "coded", version: "1.0.0", reason: SECURITY}) { releases { version } } }`, nil), "TOTP_REQUIRED")

	// An unmarked key of the same user writes without a code.
	env.Clock.Advance(time.Hour)
	c.WithOTP(env.NextCode(secret)).WithKey("api:write").Publish(pkgtest.Tarball(t, "coded", "1.0.1"), nil).MustOK(t)
}

// An organization requiring two-factor authentication: members without it
// keep reading but cannot publish for it or administer it until they turn
// it on; they can still be added, and admins see who has it.
func TestTwoFactorOrganizationRequirement(t *testing.T) {
	env := servertest.New(t)
	ada, adam, walt := env.SignUp("ada"), env.SignUp("adam"), env.SignUp("walt")
	env.SignUp("xena")
	ada.Do(createOrgDoc, map[string]any{"n": "tfaorg"}).MustOK(t)
	ada.Do(addMemberDoc, map[string]any{"o": "tfaorg", "u": "adam", "r": "ADMIN"}).MustOK(t)
	ada.Do(addMemberDoc, map[string]any{"o": "tfaorg", "u": "walt", "r": "WRITE"}).MustOK(t)

	set := `mutation($o: String!, $r: Boolean!) { setOrganizationTwoFactor(input: {organization: $o, require: $r}) { organization { requireTwoFactor } } }`
	before := snapshot(t, env)
	wantCode(t, ada.Do(set, map[string]any{"o": "tfaorg", "r": true}), "BAD_USER_INPUT")
	unchanged(t, env, before)
	ada.EnableTwoFactor()
	ada.Do(set, map[string]any{"o": "tfaorg", "r": true}).MustOK(t)
	wantAudit(t, env, "organization.require_two_factor")

	// walt keeps reading, but cannot publish with the organization as owner.
	var o struct {
		Organization struct {
			ViewerRole           *string
			ViewerNeedsTwoFactor bool
			RequireTwoFactor     bool
		}
	}
	walt.Do(`query { organization(name: "tfaorg") { viewerRole viewerNeedsTwoFactor requireTwoFactor } }`, nil).MustOK(t).Decode(t, &o)
	if !o.Organization.ViewerNeedsTwoFactor || !o.Organization.RequireTwoFactor || o.Organization.ViewerRole == nil {
		t.Fatalf("walt sees %+v", o.Organization)
	}
	tb := pkgtest.Tarball(t, "orgpkg", "1.0.0")
	before = snapshot(t, env)
	wantCode(t, walt.Publish(tb, map[string]any{"o": "tfaorg"}), "FORBIDDEN")
	// adam (admin without 2FA) cannot administer, and cannot lift the rule.
	wantCode(t, adam.Do(removeMemberDoc, map[string]any{"o": "tfaorg", "u": "walt"}), "FORBIDDEN")
	wantCode(t, adam.Do(set, map[string]any{"o": "tfaorg", "r": false}), "FORBIDDEN")
	unchanged(t, env, before)

	// Adding a member without 2FA is allowed; admins see each member's state.
	ada.Do(addMemberDoc, map[string]any{"o": "tfaorg", "u": "xena", "r": "READ"}).MustOK(t)
	var m struct {
		Organization struct {
			Members []struct {
				TwoFactorEnabled *bool
				User             struct{ Username string }
			}
		}
	}
	membersTFA := `query { organization(name: "tfaorg") { members { twoFactorEnabled user { username } } } }`
	ada.Do(membersTFA, nil).MustOK(t).Decode(t, &m)
	got := map[string]bool{}
	for _, x := range m.Organization.Members {
		if x.TwoFactorEnabled == nil {
			t.Fatalf("admin cannot see %s's two-factor state", x.User.Username)
		}
		got[x.User.Username] = *x.TwoFactorEnabled
	}
	if want := map[string]bool{"ada": true, "adam": false, "walt": false, "xena": false}; len(got) != len(want) ||
		got["ada"] != true || got["adam"] || got["walt"] || got["xena"] {
		t.Fatalf("members' two-factor states = %v, want %v", got, want)
	}
	// A non-admin member does not see others' state.
	walt.Do(membersTFA, nil).MustOK(t).Decode(t, &m)
	for _, x := range m.Organization.Members {
		if x.TwoFactorEnabled != nil && x.User.Username != "walt" {
			t.Fatalf("walt sees %s's two-factor state", x.User.Username)
		}
	}

	// Once walt turns it on, he publishes for the organization.
	walt.EnableTwoFactor()
	walt.Publish(tb, map[string]any{"o": "tfaorg"}).MustOK(t)
}

// Sudo mode covers owner changes, transfers and billing changes, and a
// code in X-Depot-OTP lets each through.
func TestTwoFactorSudoCoversOwnersAndBilling(t *testing.T) {
	env := servertest.New(t)
	ada := env.SignUp("ada")
	env.SignUp("bob")
	secret, _ := ada.EnableTwoFactor()
	ada.Publish(pkgtest.Tarball(t, "sudopkg", "1.0.0"), nil).MustOK(t)
	ada.Do(createOrgDoc, map[string]any{"n": "sudoorg"}).MustOK(t)
	env.Clock.Advance(11 * time.Minute)

	steps := []struct {
		name, doc string
		vars      map[string]any
	}{
		{"addPackageOwner", addOwnerDoc, map[string]any{"p": "sudopkg", "o": "bob", "l": "MAINTAINER"}},
		{"removePackageOwner", removeOwnerDoc, map[string]any{"p": "sudopkg", "o": "bob"}},
		{"updateBillingProfile", `mutation { updateBillingProfile(input: {organization: "sudoorg", email: "b@example.com", name: "Sudo AB", country: "SE", company: true}) { billingProfile { country } } }`, nil},
		{"transferPackage", `mutation { transferPackage(input: {package: "sudopkg", to: "sudoorg"}) { package { name } } }`, nil},
	}
	for _, s := range steps {
		// Each step is 11 minutes after the last code.
		env.Clock.Advance(11 * time.Minute)
		before := snapshot(t, env)
		if r := ada.Do(s.doc, s.vars); r.Code() != "TOTP_REQUIRED" {
			t.Fatalf("%s with a stale session: %s", s.name, r.Raw)
		}
		unchanged(t, env, before)
		ada.WithOTP(env.NextCode(secret)).Do(s.doc, s.vars).MustOK(t)
	}
}

// Two sign-ins racing with one code: exactly one gets a session.
func TestTwoFactorCodeUsedOnceUnderRace(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("racer")
	secret, _ := c.EnableTwoFactor()
	code := env.NextCode(secret)
	const n = 4
	clients := make([]*servertest.Client, n)
	challenges := make([]string, n)
	for i := range clients {
		clients[i] = env.Anonymous()
		challenges[i] = signInStep1(t, env, clients[i], "racer")
	}
	results := make(chan *servertest.Result, n)
	for i := range clients {
		go func() { results <- clients[i].Do(completeSignInDoc, map[string]any{"ch": challenges[i], "c": code}) }()
	}
	ok := 0
	for range n {
		r := <-results
		switch r.Code() {
		case "":
			ok++
		case "INVALID_TOTP":
		default:
			t.Errorf("racing sign-in answered %s", r.Raw)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d sign-ins with one code succeeded, want exactly 1", ok, n)
	}
}
