package server_test

import (
	"net/http"
	"strings"
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
		{"/api/nope", http.StatusNotFound, `{"status":404,"message":"Page not found"}`},
		{"/webhooks/other", http.StatusNotFound, ""},
		{"/graphql/x", http.StatusNotFound, ""},
	} {
		resp := c.Get(tc.path, nil)
		buf := new(strings.Builder)
		_, _ = readAllString(buf, resp)
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		if tc.body != "" && buf.String() != tc.body {
			t.Errorf("GET %s body %q", tc.path, buf.String())
		}
		if tc.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "POST" {
			t.Errorf("GET %s: Allow %q", tc.path, resp.Header.Get("Allow"))
		}
	}
}

func readAllString(b *strings.Builder, r *http.Response) (int64, error) {
	defer r.Body.Close()
	buf := make([]byte, 4096)
	var n int64
	for {
		k, err := r.Body.Read(buf)
		b.Write(buf[:k])
		n += int64(k)
		if err != nil {
			return n, nil
		}
	}
}
