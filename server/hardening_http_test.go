package server_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/depot-registry/depot/server/servertest"
)

func TestUnknownServerPathsAndWebhookMethod(t *testing.T) {
	env := servertest.New(t)
	c := env.Anonymous()
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/webhooks/stripe", http.StatusMethodNotAllowed, ""},
		{"/api/nope", http.StatusNotFound, `{"code":"NOT_FOUND","message":"Page not found","status":404}`},
		{"/api", http.StatusNotFound, `{"code":"NOT_FOUND","message":"Page not found","status":404}`},
		{"/webhooks/other", http.StatusNotFound, ""},
		{"/graphql/x", http.StatusNotFound, ""},
	} {
		resp := c.Get(tc.path, nil)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("GET %s: %v", tc.path, err)
		}
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		if tc.body != "" && string(body) != tc.body {
			t.Errorf("GET %s body %q", tc.path, string(body))
		}
		if tc.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "POST" {
			t.Errorf("GET %s: Allow %q", tc.path, resp.Header.Get("Allow"))
		}
	}
}
