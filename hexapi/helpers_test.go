package hexapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/server/servertest"
	"github.com/depot-registry/depot/viewer"
)

// world is a server with alice (owner of what she publishes, admin of the
// paying organization acme), bob (a user with no rights) and hex_core
// clients for both.
type world struct {
	t          *testing.T
	env        *servertest.Env
	alice, bob *servertest.Client
	// aliceKey and bobKey are api:write keys.
	aliceKey, bobKey string
	hc, bobHC        hexClient
}

func newWorld(t *testing.T) *world {
	t.Helper()
	env := servertest.New(t)
	w := &world{t: t, env: env, alice: env.SignUp("alice"), bob: env.SignUp("bob")}
	w.aliceKey = w.alice.WithKey("api:write").Key
	w.bobKey = w.bob.WithKey("api:write").Key
	w.hc, w.bobHC = newClient(t, env, w.aliceKey), newClient(t, env, w.bobKey)
	return w
}

// paidOrg makes alice the admin of a subscribed organization.
func (w *world) paidOrg(name string) {
	w.t.Helper()
	w.alice.Do(`mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id } } }`, map[string]any{"n": name}).MustOK(w.t)
	w.alice.Do(`mutation($n: String!) { updateBillingProfile(input: {organization: $n, email: "billing@example.com", name: "Example GmbH", country: "DE", company: false}) { billingProfile { country } } }`, map[string]any{"n": name}).MustOK(w.t)
	w.alice.Do(`mutation($n: String!) { startSubscription(input: {organization: $n, plan: MONTHLY, seats: 3}) { billing { entitled } } }`, map[string]any{"n": name}).MustOK(w.t)
}

// publish publishes tb with alice's key through hex_core.
func (w *world) publish(tb []byte) response {
	w.t.Helper()
	return w.hc.call("r3_hex_api_release", "publish", bin(string(tb))).want(w.t, 201)
}

// basicKey is the Authorization value for a password, as hex_core sends
// it when api_key holds it (rebar3 hex user auth).
func basicKey(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// state summarises every row and blob the Hex API can change, so a refused
// request can be shown to have changed nothing.
func state(t *testing.T, env *servertest.Env) string {
	t.Helper()
	ctx := viewer.System(context.Background())
	db := env.Server.DB.Client
	var b strings.Builder
	count := func(name string, n int, err error) {
		if err != nil {
			t.Fatalf("count %s: %v", name, err)
		}
		fmt.Fprintf(&b, "%s=%d ", name, n)
	}
	n, err := db.Pkg.Query().Count(ctx)
	count("packages", n, err)
	n, err = db.Release.Query().Count(ctx)
	count("releases", n, err)
	n, err = db.PackageOwner.Query().Count(ctx)
	count("owners", n, err)
	n, err = db.Retirement.Query().Count(ctx)
	count("retirements", n, err)
	n, err = db.ReleaseEvent.Query().Count(ctx)
	count("events", n, err)
	n, err = db.AuditLog.Query().Count(ctx)
	count("audit", n, err)
	n, err = db.APIKey.Query().Count(ctx)
	count("keys", n, err)
	rels, err := db.Release.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		docs := ""
		if r.DocsBlobKey != nil {
			docs = *r.DocsBlobKey
		}
		fmt.Fprintf(&b, "r%d:%s:%s:%s ", r.ID, r.Version, r.BlobKey[:8], docs)
	}
	owners, err := db.PackageOwner.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range owners {
		fmt.Fprintf(&b, "o%d:%s ", o.ID, o.Level)
	}
	var keys []string
	for ref, err := range env.Server.Blobs.(blob.Lister).List(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, ref.Key[:8])
	}
	sort.Strings(keys)
	b.WriteString("blobs=" + strings.Join(keys, ","))
	return b.String()
}

func unchanged(t *testing.T, env *servertest.Env, before, what string) {
	t.Helper()
	if after := state(t, env); after != before {
		t.Fatalf("%s changed the state:\nbefore: %s\nafter:  %s", what, before, after)
	}
}

// raw sends one request to the server with Go's client (for bodies no
// Hex client would send) and returns status, headers and body.
// extra holds more header name/value pairs.
func raw(t *testing.T, env *servertest.Env, method, path, auth, contentType, accept string, body []byte, extra ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}
