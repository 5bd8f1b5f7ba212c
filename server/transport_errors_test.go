package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/depot-registry/depot/server/servertest"
)

// multipartBody builds a multipart body from (name, content) parts in order.
func multipartBody(parts ...[2]string) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		disp := fmt.Sprintf("form-data; name=%q", p[0])
		if p[0] != "operations" && p[0] != "map" {
			disp += `; filename="f.tar"`
		}
		fmt.Fprintf(&b, "--XX\r\nContent-Disposition: %s\r\n\r\n%s\r\n", disp, p[1])
	}
	b.WriteString("--XX--\r\n")
	return b.Bytes()
}

// Requests that no transport can take, or that a transport refuses before
// any operation runs, are answered with a documented extensions.code (and a
// 4xx status); none changes anything.
func TestTransportErrorsCarryACode(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("tess")
	const multipart = "multipart/form-data; boundary=XX"
	uploadOps := `{"query":"mutation($t: Upload!) { publishRelease(input: {tarball: $t}) { release { version } } }","variables":{"t":null}}`

	// A persisted mutation, registered by POST (refused there for lack of a
	// name, which does not matter: APQ registers before anything runs).
	persistedMutation := `mutation { createOrganization(input: {name: "viaget"}) { organization { id } } }`
	postParams(t, env, env.Anonymous(), map[string]any{
		"query":      persistedMutation,
		"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(persistedMutation)}},
	})
	persistedExt := fmt.Sprintf(`{"persistedQuery":{"version":1,"sha256Hash":%q}}`, sha256Hex(persistedMutation))

	request := func(method, target, contentType string, body []byte) *http.Request {
		req, err := http.NewRequest(method, env.URL+target, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		return req
	}
	get := func(params url.Values) *http.Request {
		return request(http.MethodGet, "/graphql?"+params.Encode(), "", nil)
	}
	query := []byte(`{"query":"{ viewer { username } }"}`)

	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"multipart without a map", request(http.MethodPost, "/graphql", multipart, multipartBody([2]string{"operations", uploadOps})), http.StatusUnprocessableEntity},
		{"multipart with a bad map path", request(http.MethodPost, "/graphql", multipart, multipartBody(
			[2]string{"operations", uploadOps}, [2]string{"map", `{"0":["variables.nope.deeper"]}`}, [2]string{"0", "data"})), http.StatusUnprocessableEntity},
		{"multipart with an empty map path list", request(http.MethodPost, "/graphql", multipart, multipartBody(
			[2]string{"operations", uploadOps}, [2]string{"map", `{"0":[]}`}, [2]string{"0", "data"})), http.StatusUnprocessableEntity},
		{"multipart with undecodable operations", request(http.MethodPost, "/graphql", multipart, multipartBody([2]string{"operations", "{not json"})), http.StatusUnprocessableEntity},
		{"multipart without operations first", request(http.MethodPost, "/graphql", multipart, multipartBody([2]string{"map", "{}"})), http.StatusUnprocessableEntity},
		{"multipart with an undecodable map", request(http.MethodPost, "/graphql", multipart, multipartBody([2]string{"operations", uploadOps}, [2]string{"map", "[1"})), http.StatusUnprocessableEntity},
		{"text/plain body", request(http.MethodPost, "/graphql", "text/plain", query), http.StatusUnsupportedMediaType},
		{"form-encoded body", request(http.MethodPost, "/graphql", "application/x-www-form-urlencoded", []byte("query="+url.QueryEscape("{ viewer { username } }"))), http.StatusUnsupportedMediaType},
		{"no content type", request(http.MethodPost, "/graphql", "", query), http.StatusUnsupportedMediaType},
		{"GET of a persisted mutation", get(url.Values{"extensions": {persistedExt}}), http.StatusMethodNotAllowed},
		{"GET of a mutation", get(url.Values{"query": {persistedMutation}}), http.StatusMethodNotAllowed},
		{"GET of a subscription", get(url.Values{"query": {`subscription { releaseEvents { cursor } }`}}), http.StatusMethodNotAllowed},
		{"GET with undecodable variables", get(url.Values{"query": {`{ viewer { username } }`}, "variables": {"{not json"}}), http.StatusBadRequest},
		{"GET with undecodable extensions", get(url.Values{"query": {`{ viewer { username } }`}, "extensions": {"{not json"}}), http.StatusBadRequest},
		{"PUT", request(http.MethodPut, "/graphql", "application/json", query), http.StatusMethodNotAllowed},
		{"DELETE", request(http.MethodDelete, "/graphql", "application/json", query), http.StatusMethodNotAllowed},
		{"PATCH", request(http.MethodPatch, "/graphql", "application/json", query), http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			r := c.Send(tt.req)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Raw)
			}
			wantCode(t, r, "BAD_USER_INPUT")
			for _, e := range r.Errors {
				if e.Extensions["code"] == nil {
					t.Fatalf("an error without a code: %s", r.Raw)
				}
			}
			if tt.status == http.StatusMethodNotAllowed && r.Header.Get("Allow") == "" {
				t.Fatalf("405 without an Allow header")
			}
			unchanged(t, env, before)
		})
	}
	if viewerName(t, c) != "tess" {
		t.Fatal("a refused request changed the session")
	}
}

// gqlgen's own refusals of APQ parameters are the client's fault:
// BAD_USER_INPUT with their message, not INTERNAL.
func TestPersistedQueryErrorsCarryACode(t *testing.T) {
	env := servertest.New(t)
	c := env.Anonymous()
	q := `{ viewer { username } }`
	tests := []struct {
		name string
		ext  any
		msg  string
	}{
		{"hash does not match the query", map[string]any{"version": 1, "sha256Hash": sha256Hex("something else")}, "hash does not match"},
		{"unsupported version", map[string]any{"version": 2, "sha256Hash": sha256Hex(q)}, "version"},
		{"malformed extension", "not an object", "invalid APQ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postParams(t, env, c, map[string]any{"query": q, "extensions": map[string]any{"persistedQuery": tt.ext}})
			wantCode(t, r, "BAD_USER_INPUT")
			if !strings.Contains(r.Errors[0].Message, tt.msg) {
				t.Fatalf("want a message about %q: %s", tt.msg, r.Raw)
			}
		})
	}
	// The hash-only request of an unknown query keeps the code APQ clients
	// depend on.
	r := postParams(t, env, c, map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex("{ __typename }")}}})
	wantCode(t, r, "PERSISTED_QUERY_NOT_FOUND")
}

// HEAD and OPTIONS stay as they were: no body to code, OPTIONS lists the
// methods.
func TestGraphQLOptions(t *testing.T) {
	env := servertest.New(t)
	req, _ := http.NewRequest(http.MethodOptions, env.URL+"/graphql", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Allow"), "POST") {
		t.Fatalf("OPTIONS: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
