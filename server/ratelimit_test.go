package server_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/depot-registry/depot/ent/mailmessage"
	"github.com/depot-registry/depot/server/servertest"
)

// wantLimited fails unless r is RATE_LIMITED with HTTP 429 and the given
// Retry-After (seconds; "" accepts any).
func wantLimited(t *testing.T, r *servertest.Result, retryAfter string) {
	t.Helper()
	wantCode(t, r, "RATE_LIMITED")
	got := r.Header.Get("Retry-After")
	if r.Status != http.StatusTooManyRequests || got == "" || (retryAfter != "" && got != retryAfter) {
		t.Fatalf("RATE_LIMITED answer: status %d, Retry-After %q; want 429 and %q", r.Status, got, retryAfter)
	}
}

// Wrong passwords slow the client that sends them, not the account's owner:
// after an attacker's ten tries from one address, the owner still signs in
// from another. The attacker is refused with RATE_LIMITED (429,
// Retry-After) after the free failures, whether the login was typed as the
// username or the email address: both count against the one account.
func TestSignInBackoffPerAccountAndClient(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("liam")
	attacker := fromAddress(t, env, "127.0.0.2")
	logins := []string{"liam", "LIAM@example.com"}
	for i := range 10 {
		r := attacker.Do(signInDoc, map[string]any{"l": logins[i%2], "p": fmt.Sprintf("wrong password %d", i)})
		if i < 5 {
			wantCode(t, r, "UNAUTHENTICATED")
			continue
		}
		// Three tries by username and two by email were enough: one counter.
		wantLimited(t, r, "1")
	}
	// Locked: even the right password is refused from the attacker's address...
	wantLimited(t, attacker.Do(signInDoc, map[string]any{"l": "liam", "p": servertest.Password("liam")}), "")
	// ...while the owner signs in from theirs, by either login.
	env.Anonymous().Do(signInDoc, map[string]any{"l": "liam", "p": servertest.Password("liam")}).MustOK(t)
	env.Anonymous().Do(signInDoc, map[string]any{"l": "liam@example.com", "p": servertest.Password("liam")}).MustOK(t)
}

// Each failure past the free ones doubles the wait; a success clears it.
func TestSignInBackoffDoubles(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("mona")
	c := fromAddress(t, env, "127.0.0.3")
	wrong := map[string]any{"l": "mona", "p": "wrong password"}
	for range 5 {
		wantCode(t, c.Do(signInDoc, wrong), "UNAUTHENTICATED")
	}
	wantLimited(t, c.Do(signInDoc, wrong), "1")
	env.Clock.Advance(time.Second)
	wantCode(t, c.Do(signInDoc, wrong), "UNAUTHENTICATED")
	wantLimited(t, c.Do(signInDoc, wrong), "2")
	env.Clock.Advance(2 * time.Second)
	c.Do(signInDoc, map[string]any{"l": "mona", "p": servertest.Password("mona")}).MustOK(t)
	wantCode(t, c.Do(signInDoc, wrong), "UNAUTHENTICATED") // the count starts again
}

const resetDoc = `mutation($l: String!) { requestPasswordReset(input: {login: $l}) { ok } }`

// Reset mails are limited per address (username and email count as one)
// and per client; a refused request mails nothing.
func TestPasswordResetLimited(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("nora")
	resets := func() int {
		n, err := env.Server.DB.MailMessage.Query().
			Where(mailmessage.To("nora@example.com"), mailmessage.Kind("reset_password")).Count(sys())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := fromAddress(t, env, "127.0.0.2")
	for i := range 5 {
		login := []string{"nora", "NORA@example.com"}[i%2]
		a.Do(resetDoc, map[string]any{"l": login}).MustOK(t)
	}
	if n := resets(); n != 5 {
		t.Fatalf("%d reset mails, want 5", n)
	}
	before := snapshot(t, env)
	wantLimited(t, a.Do(resetDoc, map[string]any{"l": "nora"}), "")
	// Per address: another client cannot mail nora either.
	wantLimited(t, fromAddress(t, env, "127.0.0.3").Do(resetDoc, map[string]any{"l": "nora@example.com"}), "")
	unchanged(t, env, before)

	// Per client: one address spraying logins runs out too.
	c := fromAddress(t, env, "127.0.0.4")
	for i := range 5 {
		c.Do(resetDoc, map[string]any{"l": fmt.Sprintf("nobody%d", i)}).MustOK(t)
	}
	wantLimited(t, c.Do(resetDoc, map[string]any{"l": "nobody-else"}), "")
}
