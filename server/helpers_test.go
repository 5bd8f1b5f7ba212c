package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/apikey"
	"github.com/depot-registry/depot/ent/auditlog"
	"github.com/depot-registry/depot/ent/mailmessage"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/server/servertest"
	"github.com/depot-registry/depot/viewer"
)

// GraphQL documents the tests share.
const (
	signUpDoc         = `mutation($u: String!, $e: String!, $p: String!) { signUp(input: {username: $u, email: $e, password: $p}) { user { id username email } } }`
	signInDoc         = `mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { user { username email } passwordBreached } }`
	signOutDoc        = `mutation { signOut { ok } }`
	changePasswordDoc = `mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { user { username } } }`
	viewerDoc         = `{ viewer { id username email emailVerified } }`
	createKeyDoc      = `mutation($n: String!, $s: [String!]!, $x: Time) { createApiKey(input: {name: $n, scopes: $s, expiresAt: $x}) { secret apiKey { id name prefix scopes active } } }`
	revokeKeyDoc      = `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id revokedAt active } } }`
	createOrgDoc      = `mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id name viewerRole } } }`
	addMemberDoc      = `mutation($o: String!, $u: String!, $r: OrganizationRole!) { addMember(input: {organization: $o, username: $u, role: $r}) { membership { role user { username } } } }`
	removeMemberDoc   = `mutation($o: String!, $u: String!) { removeMember(input: {organization: $o, username: $u}) { organization { name } } }`
	setRoleDoc        = `mutation($o: String!, $u: String!, $r: OrganizationRole!) { setMemberRole(input: {organization: $o, username: $u, role: $r}) { membership { role } } }`
	membersDoc        = `query($o: String!) { organization(name: $o) { name viewerRole members { role user { username } } } }`
	auditDoc          = `query($o: String) { auditLog(organization: $o, first: 100) { edges { node { action } } } }`
)

// sys is a context that sees every row (sessions, keys, tokens are private).
func sys() context.Context { return viewer.System(context.Background()) }

// wantCode fails unless the response's first error has the given code ("" =
// no error).
func wantCode(t *testing.T, r *servertest.Result, code string) {
	t.Helper()
	if code == "" {
		if len(r.Errors) > 0 || r.Status != http.StatusOK {
			t.Fatalf("want success, got status %d: %s", r.Status, r.Raw)
		}
		return
	}
	if r.Code() != code {
		t.Fatalf("want code %s, got status %d: %s", code, r.Status, r.Raw)
	}
	if r.Errors[0].Message == "" {
		t.Fatalf("error %s has no message: %s", code, r.Raw)
	}
}

// snapshot summarises everything a foundation mutation may change, so a test
// can prove that a refused request changed nothing.
func snapshot(t *testing.T, env *servertest.Env) string {
	t.Helper()
	ctx, db := sys(), env.Server.DB.Client
	var b strings.Builder
	count := func(name string, n int, err error) {
		if err != nil {
			t.Fatalf("count %s: %v", name, err)
		}
		fmt.Fprintf(&b, "%s=%d ", name, n)
	}
	n, err := db.User.Query().Count(ctx)
	count("users", n, err)
	n, err = db.AccountName.Query().Count(ctx)
	count("names", n, err)
	n, err = db.Organization.Query().Count(ctx)
	count("orgs", n, err)
	n, err = db.Repository.Query().Count(ctx)
	count("repositories", n, err)
	n, err = db.APIKey.Query().Count(ctx)
	count("keys", n, err)
	n, err = db.APIKey.Query().Where(apikey.RevokedAtNotNil()).Count(ctx)
	count("revoked", n, err)
	n, err = db.Session.Query().Count(ctx)
	count("sessions", n, err)
	n, err = db.Token.Query().Count(ctx)
	count("tokens", n, err)
	n, err = db.MailMessage.Query().Count(ctx)
	count("mails", n, err)
	n, err = db.AuditLog.Query().Count(ctx)
	count("audit", n, err)
	n, err = db.RecoveryCode.Query().Count(ctx)
	count("recovery", n, err)
	n, err = db.Organization.Query().Where(organization.RequireTwoFactor(true)).Count(ctx)
	count("orgs2fa", n, err)
	ms, err := db.Membership.Query().Order(ent.Asc(membership.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		fmt.Fprintf(&b, "m%d:%d:%d:%s ", m.ID, m.OrganizationID, m.UserID, m.Role)
	}
	us, err := db.User.Query().Order(ent.Asc(user.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, u := range us {
		fmt.Fprintf(h, "%d %s %s %v %v|", u.ID, u.PasswordHash, u.Email, u.EmailVerifiedAt, u.TwoFactorEnabled)
	}
	b.WriteString("users:" + hex.EncodeToString(h.Sum(nil))[:16])
	return b.String()
}

// unchanged fails when the database differs from before.
func unchanged(t *testing.T, env *servertest.Env, before string) {
	t.Helper()
	if after := snapshot(t, env); after != before {
		t.Fatalf("a refused request changed the database:\nbefore: %s\nafter:  %s", before, after)
	}
}

// auditActions lists the actions in the audit log, oldest first.
func auditActions(t *testing.T, env *servertest.Env) []string {
	t.Helper()
	rows, err := env.Server.DB.AuditLog.Query().Order(ent.Asc(auditlog.FieldID)).All(sys())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Action
	}
	return out
}

// wantAudit fails unless the newest audit row has the action.
func wantAudit(t *testing.T, env *servertest.Env, action string) {
	t.Helper()
	got := auditActions(t, env)
	if len(got) == 0 || got[len(got)-1] != action {
		t.Fatalf("want newest audit action %q, have %v", action, got)
	}
}

var tokenRE = regexp.MustCompile(`\?token=([A-Za-z0-9_]+)`)

// mailedToken returns the token of the newest mail of kind ("verify_email",
// "reset_password") sent to addr.
func mailedToken(t *testing.T, env *servertest.Env, addr, kind string) string {
	t.Helper()
	m, err := env.Server.DB.MailMessage.Query().
		Where(mailmessage.To(addr), mailmessage.Kind(kind)).
		Order(ent.Desc(mailmessage.FieldID)).First(sys())
	if err != nil {
		t.Fatalf("no %s mail to %s: %v", kind, addr, err)
	}
	sub := tokenRE.FindStringSubmatch(m.Body)
	if sub == nil {
		t.Fatalf("no token in mail body %q", m.Body)
	}
	return sub[1]
}

// viewerName returns the username the server sees for c ("" if anonymous).
func viewerName(t *testing.T, c *servertest.Client) string {
	t.Helper()
	var out struct{ Viewer *struct{ Username string } }
	c.Do(viewerDoc, nil).MustOK(t).Decode(t, &out)
	if out.Viewer == nil {
		return ""
	}
	return out.Viewer.Username
}

// createKey makes a key for c and returns its secret and opaque id.
func createKey(t *testing.T, c *servertest.Client, scopes ...string) (secret, id string) {
	t.Helper()
	var out struct {
		CreateAPIKey struct {
			Secret string
			APIKey struct{ ID string }
		}
	}
	c.Do(createKeyDoc, map[string]any{"n": "key", "s": scopes}).MustOK(t).Decode(t, &out)
	return out.CreateAPIKey.Secret, out.CreateAPIKey.APIKey.ID
}

// keyClient is an integration authenticating with secret only.
func keyClient(env *servertest.Env, secret string) *servertest.Client {
	c := env.Anonymous()
	c.Key = secret
	return c
}

// rawPost sends body to /graphql as c with the content type.
func rawPost(t *testing.T, env *servertest.Env, c *servertest.Client, contentType string, body []byte) *servertest.Result {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return c.Send(req)
}

// signUpRefused is a sign-up that must be refused with code, change
// nothing and leave the client signed out.
func signUpRefused(t *testing.T, env *servertest.Env, username, email, password, code string) {
	t.Helper()
	before := snapshot(t, env)
	c := env.Anonymous()
	r := c.Do(signUpDoc, map[string]any{"u": username, "e": email, "p": password})
	wantCode(t, r, code)
	unchanged(t, env, before)
	if name := viewerName(t, c); name != "" {
		t.Fatalf("a refused sign-up signed the client in as %q", name)
	}
}

// jsonRequest builds a POST /graphql request without credentials.
func jsonRequest(t *testing.T, env *servertest.Env, query string, vars map[string]any) *http.Request {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, env.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

// metricValue is the value of an unlabelled series in the server's
// /metrics.
func metricValue(t testing.TB, env *servertest.Env, name string) float64 {
	t.Helper()
	resp := env.Anonymous().Get("/metrics", nil)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics:\n%s", name, body)
	return 0
}
