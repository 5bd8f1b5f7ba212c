package server_test

import (
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/breach/breachtest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// A new user signs up, is signed in at once, gets a verification mail,
// verifies, signs out, and signs in again by username and by email.
func TestAccountLifecycle(t *testing.T) {
	env := servertest.New(t)
	c := env.Anonymous()
	var up struct {
		SignUp struct {
			User struct{ ID, Username, Email string }
		}
	}
	c.Do(signUpDoc, map[string]any{"u": "alice", "e": "alice@example.com", "p": servertest.Password("alice")}).MustOK(t).Decode(t, &up)
	if up.SignUp.User.Username != "alice" || up.SignUp.User.Email != "alice@example.com" {
		t.Fatalf("signUp returned %+v", up.SignUp.User)
	}
	wantAudit(t, env, "user.sign_up")

	var v struct {
		Viewer struct {
			Username      string
			Email         *string
			EmailVerified *bool
		}
	}
	c.Do(viewerDoc, nil).MustOK(t).Decode(t, &v)
	if v.Viewer.Username != "alice" || v.Viewer.EmailVerified == nil || *v.Viewer.EmailVerified {
		t.Fatalf("after sign-up viewer = %+v; want alice, unverified", v.Viewer)
	}

	// Verify with the mailed token; the token works once.
	tok := mailedToken(t, env, "alice@example.com", "verify_email")
	verify := `mutation($t: String!) { verifyEmail(input: {token: $t}) { user { username emailVerified } } }`
	env.Anonymous().Do(verify, map[string]any{"t": tok}).MustOK(t)
	wantAudit(t, env, "user.verify_email")
	c.Do(viewerDoc, nil).MustOK(t).Decode(t, &v)
	if v.Viewer.EmailVerified == nil || !*v.Viewer.EmailVerified {
		t.Fatalf("after verifyEmail viewer = %+v; want verified", v.Viewer)
	}
	before := snapshot(t, env)
	wantCode(t, env.Anonymous().Do(verify, map[string]any{"t": tok}), "BAD_USER_INPUT")
	wantCode(t, env.Anonymous().Do(verify, map[string]any{"t": "dpt_nonsense"}), "BAD_USER_INPUT")
	unchanged(t, env, before)

	// Sign out ends the session: the cookie no longer signs anyone in.
	c.Do(signOutDoc, nil).MustOK(t)
	wantAudit(t, env, "user.sign_out")
	if name := viewerName(t, c); name != "" {
		t.Fatalf("after signOut the viewer is %q", name)
	}

	for _, login := range []string{"alice", "alice@example.com", "ALICE@EXAMPLE.COM", "  alice "} {
		c := env.Anonymous()
		var in struct {
			SignIn struct {
				User             struct{ Username string }
				PasswordBreached bool
			}
		}
		c.Do(signInDoc, map[string]any{"l": login, "p": servertest.Password("alice")}).MustOK(t).Decode(t, &in)
		if in.SignIn.User.Username != "alice" || in.SignIn.PasswordBreached {
			t.Fatalf("signIn(%q) = %+v", login, in.SignIn)
		}
		if name := viewerName(t, c); name != "alice" {
			t.Fatalf("signIn(%q): viewer is %q", login, name)
		}
		wantAudit(t, env, "user.sign_in")
	}
}

// The session cookie is HttpOnly and SameSite, and dies with signOut.
func TestSessionCookieAttributes(t *testing.T) {
	env := servertest.New(t)
	r := env.Anonymous().Do(signUpDoc, map[string]any{"u": "carol", "e": "carol@example.com", "p": servertest.Password("carol")})
	wantCode(t, r, "")
	set := r.Header.Get("Set-Cookie")
	for _, want := range []string{"depot_session=dps_", "HttpOnly", "SameSite=Lax", "Max-Age="} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %q", set, want)
		}
	}
}

// Bad sign-ups: each is refused with BAD_USER_INPUT or CONFLICT and creates
// nothing (no user, no name, no mail, no session, no audit row).
func TestSignUpRefusesBadInput(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("taken")
	env.SignUp("orgowner").Do(createOrgDoc, map[string]any{"n": "takenorg"}).MustOK(t)
	ok := "a perfectly fine passphrase"
	tests := []struct {
		name, username, email, password, code string
	}{
		{"upper case username", "Alice", "a1@example.com", ok, "BAD_USER_INPUT"},
		{"all upper case username", "BOB", "a2@example.com", ok, "BAD_USER_INPUT"},
		{"space inside username", "al ice", "a3@example.com", ok, "BAD_USER_INPUT"},
		{"leading space", " alice", "a4@example.com", ok, "BAD_USER_INPUT"},
		{"one character", "a", "a5@example.com", ok, "BAD_USER_INPUT"},
		{"two characters", "ab", "a6@example.com", ok, "BAD_USER_INPUT"},
		{"empty username", "", "a7@example.com", ok, "BAD_USER_INPUT"},
		{"slash in username", "a/b", "a8@example.com", ok, "BAD_USER_INPUT"},
		{"at sign in username", "a@b", "a9@example.com", ok, "BAD_USER_INPUT"},
		{"non-ASCII username", "ålice", "a10@example.com", ok, "BAD_USER_INPUT"},
		{"41 characters", strings.Repeat("a", 41), "a11@example.com", ok, "BAD_USER_INPUT"},
		{"name of a user", "taken", "a12@example.com", ok, "CONFLICT"},
		{"name of an organization", "takenorg", "a13@example.com", ok, "CONFLICT"},
		{"email of a user", "newname1", "taken@example.com", ok, "CONFLICT"},
		{"email of a user, other case", "newname2", "Taken@Example.COM", ok, "CONFLICT"},
		{"not an email", "newname3", "not-an-email", ok, "BAD_USER_INPUT"},
		{"email with display name", "newname4", "Bob <bob@example.com>", ok, "BAD_USER_INPUT"},
		{"empty password", "newname5", "n5@example.com", "", "BAD_USER_INPUT"},
		{"9-character password", "newname6", "n6@example.com", "abcdefghi", "BAD_USER_INPUT"},
		{"breached password (bundled list)", "newname7", "n7@example.com", "0102030405", "BAD_USER_INPUT"},
		{"breached password 1234567890", "newname8", "n8@example.com", "1234567890", "BAD_USER_INPUT"},
		{"password over 256 bytes", "newname9", "n9@example.com", strings.Repeat("x", 257), "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signUpRefused(t, env, tt.username, tt.email, tt.password, tt.code)
		})
	}
	// Lower-case, dots, dashes and underscores, exactly 3 characters are fine.
	for _, good := range []string{"a.b", "x-y_z.0", "abc"} {
		env.SignUp(good)
	}
}

// Sign-in answers a wrong password exactly like an unknown user, and
// changes nothing.
func TestSignInWrongPasswordLooksLikeUnknownUser(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("dave")
	tests := []struct{ name, login, password string }{
		{"wrong password", "dave", "wrong password here"},
		{"unknown user", "nobody", "wrong password here"},
		{"unknown email", "nobody@example.com", servertest.Password("dave")},
		{"empty password", "dave", ""},
		{"right password, other case", "dave", strings.ToUpper(servertest.Password("dave"))},
	}
	var first string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			c := env.Anonymous()
			r := c.Do(signInDoc, map[string]any{"l": tt.login, "p": tt.password})
			wantCode(t, r, "UNAUTHENTICATED")
			if first == "" {
				first = r.Errors[0].Message
			} else if r.Errors[0].Message != first {
				t.Fatalf("message %q differs from %q: it reveals whether the account exists", r.Errors[0].Message, first)
			}
			if r.Header.Get("Set-Cookie") != "" {
				t.Fatalf("failed sign-in set a cookie: %s", r.Header.Get("Set-Cookie"))
			}
			unchanged(t, env, before)
			if viewerName(t, c) != "" {
				t.Fatal("failed sign-in signed in")
			}
		})
	}
}

// signIn tells the user when their password has become known as breached
// since they chose it: the user signed up on one server, then signs in on a
// second one over the same database whose HaveIBeenPwned service lists the
// password.
func TestSignInReportsBreachedPassword(t *testing.T) {
	dbURL := testdb.URL(t)
	first := servertest.NewOnDatabase(t, dbURL)
	first.SignUp("erin")

	hibp := breachtest.NewServer(t, servertest.Password("erin"))
	second := servertest.NewOnDatabase(t, dbURL, func(c *server.Config) { c.HIBPURL = hibp.URL })
	var in struct {
		SignIn struct{ PasswordBreached bool }
	}
	second.Anonymous().Do(signInDoc, map[string]any{"l": "erin", "p": servertest.Password("erin")}).MustOK(t).Decode(t, &in)
	if !in.SignIn.PasswordBreached {
		t.Fatal("signIn with a password the HIBP service lists: passwordBreached = false")
	}
	// k-anonymity: only a 5-character hash prefix left the server.
	for _, r := range hibp.Requests() {
		if len(strings.TrimPrefix(r.Path, "/range/")) != 5 || r.RawQuery != "" || len(r.Body) != 0 {
			t.Fatalf("HIBP request sent more than a hash prefix: %+v", r)
		}
	}
	// A user who is not breached gets false.
	second.SignUp("frank")
	var in2 struct {
		SignIn struct{ PasswordBreached bool }
	}
	second.Anonymous().Do(signInDoc, map[string]any{"l": "frank", "p": servertest.Password("frank")}).MustOK(t).Decode(t, &in2)
	if in2.SignIn.PasswordBreached {
		t.Fatal("signIn with an unlisted password: passwordBreached = true")
	}
	// And sign-up on the second server refuses the listed password.
	signUpRefused(t, second, "gina", "gina@example.com", servertest.Password("erin"), "BAD_USER_INPUT")
}

// changePassword needs the current password and a good new one; it keeps
// the current session and ends the others.
func TestChangePassword(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("hank")
	other := env.Anonymous()
	other.Do(signInDoc, map[string]any{"l": "hank", "p": servertest.Password("hank")}).MustOK(t)

	bad := []struct{ name, current, next, code string }{
		{"wrong current password", "not my password", "a brand new passphrase", "BAD_USER_INPUT"},
		{"new password too short", servertest.Password("hank"), "short", "BAD_USER_INPUT"},
		{"new password breached", servertest.Password("hank"), "1234567890", "BAD_USER_INPUT"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			wantCode(t, c.Do(changePasswordDoc, map[string]any{"c": tt.current, "n": tt.next}), tt.code)
			unchanged(t, env, before)
		})
	}
	c.Do(changePasswordDoc, map[string]any{"c": servertest.Password("hank"), "n": "a brand new passphrase"}).MustOK(t)
	wantAudit(t, env, "user.change_password")
	if viewerName(t, c) != "hank" {
		t.Fatal("changePassword signed out the session that changed it")
	}
	if viewerName(t, other) != "" {
		t.Fatal("changePassword left another session signed in")
	}
	wantCode(t, env.Anonymous().Do(signInDoc, map[string]any{"l": "hank", "p": servertest.Password("hank")}), "UNAUTHENTICATED")
	env.Anonymous().Do(signInDoc, map[string]any{"l": "hank", "p": "a brand new passphrase"}).MustOK(t)
}

// Password reset: the request always succeeds (no account enumeration), the
// mailed token sets a new password once, within its hour, and ends every
// session.
func TestPasswordReset(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("ivan")
	req := `mutation($l: String!) { requestPasswordReset(input: {login: $l}) { ok } }`
	reset := `mutation($t: String!, $p: String!) { resetPassword(input: {token: $t, newPassword: $p}) { user { username } } }`

	// Unknown logins get the same answer and nothing is mailed.
	before := snapshot(t, env)
	for _, login := range []string{"nobody", "nobody@example.com", ""} {
		env.Anonymous().Do(req, map[string]any{"l": login}).MustOK(t)
	}
	unchanged(t, env, before)

	env.Anonymous().Do(req, map[string]any{"l": "IVAN@example.com"}).MustOK(t)
	wantAudit(t, env, "user.request_password_reset")
	tok := mailedToken(t, env, "ivan@example.com", "reset_password")

	bad := []struct{ name, token, password, code string }{
		{"garbage token", "dpt_garbage", "a reset passphrase", "BAD_USER_INPUT"},
		{"verify-email token used for reset", mailedToken(t, env, "ivan@example.com", "verify_email"), "a reset passphrase", "BAD_USER_INPUT"},
		{"short password", tok, "short", "BAD_USER_INPUT"},
		{"breached password", tok, "1234567890", "BAD_USER_INPUT"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			wantCode(t, env.Anonymous().Do(reset, map[string]any{"t": tt.token, "p": tt.password}), tt.code)
			unchanged(t, env, before)
		})
	}
	env.Anonymous().Do(reset, map[string]any{"t": tok, "p": "a reset passphrase"}).MustOK(t)
	wantAudit(t, env, "user.reset_password")
	if viewerName(t, c) != "" {
		t.Fatal("resetPassword left an old session signed in")
	}
	env.Anonymous().Do(signInDoc, map[string]any{"l": "ivan", "p": "a reset passphrase"}).MustOK(t)

	// The token works once.
	before = snapshot(t, env)
	wantCode(t, env.Anonymous().Do(reset, map[string]any{"t": tok, "p": "another reset passphrase"}), "BAD_USER_INPUT")
	unchanged(t, env, before)

	// A token older than an hour is refused.
	env.Anonymous().Do(req, map[string]any{"l": "ivan"}).MustOK(t)
	late := mailedToken(t, env, "ivan@example.com", "reset_password")
	env.Clock.Advance(61 * time.Minute)
	before = snapshot(t, env)
	wantCode(t, env.Anonymous().Do(reset, map[string]any{"t": late, "p": "too late passphrase"}), "BAD_USER_INPUT")
	unchanged(t, env, before)
}

// user(username:) shows the email only to its owner.
func TestUserEmailOnlyVisibleToSelf(t *testing.T) {
	env := servertest.New(t)
	judy := env.SignUp("judy")
	kim := env.SignUp("kim")
	q := `query($u: String!) { user(username: $u) { username email emailVerified } }`
	type out struct {
		User *struct {
			Username      string
			Email         *string
			EmailVerified *bool
		}
	}
	tests := []struct {
		name      string
		c         *servertest.Client
		wantEmail bool
	}{
		{"self", judy, true},
		{"self with an api:read key", judy.WithKey("api:read"), true},
		{"another user", kim, false},
		{"another user's key", kim.WithKey("api:write"), false},
		{"anonymous", env.Anonymous(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o out
			tt.c.Do(q, map[string]any{"u": "judy"}).MustOK(t).Decode(t, &o)
			if o.User == nil || o.User.Username != "judy" {
				t.Fatalf("user(judy) = %+v", o.User)
			}
			if got := o.User.Email != nil; got != tt.wantEmail {
				t.Fatalf("email visible = %v, want %v", got, tt.wantEmail)
			}
			if got := o.User.EmailVerified != nil; got != tt.wantEmail {
				t.Fatalf("emailVerified visible = %v, want %v", got, tt.wantEmail)
			}
		})
	}
	var o out
	env.Anonymous().Do(q, map[string]any{"u": "nobody"}).MustOK(t).Decode(t, &o)
	if o.User != nil {
		t.Fatalf("user(nobody) = %+v, want null", o.User)
	}
}

// fromAddress returns an anonymous client whose connections come from the
// given loopback address, so the server sees another client IP.
func fromAddress(t *testing.T, env *servertest.Env, ip string) *servertest.Client {
	t.Helper()
	c := env.Anonymous()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	jar, _ := cookiejar.New(nil)
	c.HTTP = &http.Client{Jar: jar, Transport: &http.Transport{DialContext: d.DialContext}}
	return c
}
