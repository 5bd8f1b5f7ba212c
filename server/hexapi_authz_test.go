package server_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// hexCredential is how a matrix principal authenticates to the Hex API:
// a key as the whole Authorization header, a signed-in user by password
// (HTTP Basic, as `mix hex.user auth` does), anonymous by nothing. The Hex
// API ignores cookies.
func hexCredential(c *servertest.Client) string {
	switch {
	case c.Key != "":
		return c.Key
	case c.Username != "":
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Username+":"+servertest.Password(c.Username)))
	}
	return ""
}

func hexCall(t *testing.T, env *servertest.Env, c *servertest.Client, method, path, contentType string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(method, env.URL+path, bytes.NewReader(body))
	if cred := hexCredential(c); cred != "" {
		req.Header.Set("Authorization", cred)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The Hex HTTP API's authorization matrix, over the principals of the
// GraphQL matrices (fixture.principal). Each number is the status the
// principal must get; reads as well as writes. Every allowed write acts on
// something of its own (a version or package per column), so the cells do
// not depend on each other.
func TestHexAPIAuthorizationMatrix(t *testing.T) {
	env := servertest.New(t)
	f := newFixture(t, env, 1)
	f.ada.Do(`mutation($n: String!) { updateBillingProfile(input: {organization: $n, email: "billing@example.com", name: "Example GmbH", country: "DE", company: false}) { billingProfile { country } } }`, map[string]any{"n": f.org}).MustOK(t)
	f.ada.Do(`mutation($n: String!) { startSubscription(input: {organization: $n, plan: MONTHLY, seats: 10}) { billing { entitled } } }`, map[string]any{"n": f.org}).MustOK(t)
	cols := []string{"anonymous", "user", "other user", "org read", "org write", "org admin",
		"key api:read", "key api:write", "key package:x", "key repository:ORG"}
	// ada owns the public package somepkg (the package key's package) and
	// publishes private packages in the organization.
	f.ada.Publish(pkgtest.Tarball(t, "somepkg", "1.0.0"), nil).MustOK(t)
	for i := range cols {
		f.ada.Publish(pkgtest.Tarball(t, "somepkg", fmt.Sprintf("0.0.%d", i)), nil).MustOK(t)
		f.ada.Publish(pkgtest.Tarball(t, "privrev", fmt.Sprintf("1.0.%d", i)), map[string]any{"r": f.org}).MustOK(t)
	}
	const erl = "application/vnd.hex+erlang"
	retire := []byte{131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 6, 'r', 'e', 'a', 's', 'o', 'n', 109, 0, 0, 0, 5, 'o', 't', 'h', 'e', 'r'}
	level := []byte{131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 5, 'l', 'e', 'v', 'e', 'l', 109, 0, 0, 0, 10, 'm', 'a', 'i', 'n', 't', 'a', 'i', 'n', 'e', 'r'}
	keyBody := []byte(`{"name":"made","permissions":[{"domain":"api","resource":"read"}]}`)
	org := "/api/repos/" + f.org
	rows := []struct {
		name string
		call func(i int, c *servertest.Client) int
		want []int
	}{
		{"GET public package", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "GET", "/api/packages/somepkg", "", nil)
		}, []int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"GET private package", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "GET", org+"/packages/privrev", "", nil)
		}, []int{404, 200, 404, 200, 200, 200, 200, 200, 404, 200}},
		{"GET private release", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "GET", org+"/packages/privrev/releases/1.0.0", "", nil)
		}, []int{404, 200, 404, 200, 200, 200, 200, 200, 404, 200}},
		{"GET private owners", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "GET", org+"/packages/privrev/owners", "", nil)
		}, []int{404, 200, 404, 200, 200, 200, 200, 200, 404, 200}},
		{"publish public version", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "POST", "/api/packages/somepkg/releases", "application/octet-stream", pkgtest.Tarball(t, "somepkg", fmt.Sprintf("2.0.%d", i)))
		}, []int{401, 201, 403, 403, 403, 403, 403, 201, 201, 403}},
		{"publish private package", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "POST", org+"/packages/"+fmt.Sprintf("new%d", i)+"/releases", "application/octet-stream", pkgtest.Tarball(t, fmt.Sprintf("new%d", i), "1.0.0"))
		}, []int{401, 201, 403, 403, 201, 201, 403, 201, 403, 201}},
		{"revert private release", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "DELETE", org+fmt.Sprintf("/packages/privrev/releases/1.0.%d", i), "", nil)
		}, []int{401, 204, 404, 403, 204, 204, 403, 204, 404, 204}},
		{"retire public release", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "POST", fmt.Sprintf("/api/packages/somepkg/releases/0.0.%d/retire", i), erl, retire)
		}, []int{401, 204, 403, 403, 403, 403, 403, 204, 204, 403}},
		{"add public owner", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "PUT", "/api/packages/somepkg/owners/"+f.name("tom"), erl, level)
		}, []int{401, 204, 403, 403, 403, 403, 403, 204, 204, 403}},
		{"GET users/me", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "GET", "/api/users/me", "", nil)
		}, []int{401, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"GET keys", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "GET", "/api/keys", "", nil)
		}, []int{401, 200, 200, 200, 200, 200, 200, 200, 403, 403}},
		{"POST keys", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "POST", "/api/keys", "application/json", keyBody)
		}, []int{401, 201, 201, 201, 201, 201, 403, 201, 403, 403}},
		{"GET organization members", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "GET", "/api/orgs/"+f.org+"/members", "", nil)
		}, []int{403, 200, 403, 200, 200, 200, 200, 200, 403, 403}},
		{"GET repository", func(i int, c *servertest.Client) int {
			return hexCall(t, env, c, "GET", "/api/repos/"+f.org, "", nil)
		}, []int{404, 200, 404, 200, 200, 200, 200, 200, 404, 200}},
	}
	var bad []string
	for _, row := range rows {
		got := make([]string, len(cols))
		failed := false
		for i, col := range cols {
			status := row.call(i, f.principal(t, env, col))
			got[i] = fmt.Sprint(status)
			if status != row.want[i] {
				failed = true
				got[i] += fmt.Sprintf("(want %d)", row.want[i])
			}
		}
		if failed {
			bad = append(bad, row.name+": "+strings.Join(got, " "))
		}
	}
	if len(bad) > 0 {
		t.Fatalf("columns %v\n%s", cols, strings.Join(bad, "\n"))
	}
}
