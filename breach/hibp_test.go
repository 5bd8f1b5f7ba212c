package breach_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/breach"
	"github.com/depot-registry/depot/breach/breachtest"
)

func TestHIBPConformance(t *testing.T) {
	breachtest.Run(t, func(t *testing.T, breached []string) breach.Checker {
		return newHIBP(t, breachtest.NewServer(t, breached...).URL)
	})
}

func newHIBP(t *testing.T, base string, opts ...breach.HIBPOption) *breach.HIBP {
	t.Helper()
	h, err := breach.NewHIBP(base, opts...)
	if err != nil {
		t.Fatalf("NewHIBP(%q): %v", base, err)
	}
	return h
}

// sha1Parts returns the upper-case prefix and suffix of password's SHA-1.
func sha1Parts(password string) (string, string) {
	sum := sha1.Sum([]byte(password))
	d := strings.ToUpper(hex.EncodeToString(sum[:]))
	return d[:5], d[5:]
}

func TestHIBPResponses(t *testing.T) {
	const password = "P@ssw0rd"
	_, suffix := sha1Parts(password)
	_, other := sha1Parts("something else")
	tests := []struct {
		name    string
		status  int
		body    string
		want    bool
		wantErr bool
	}{
		{"match", 200, other + ":3\r\n" + suffix + ":12\r\n", true, false},
		{"match in lower case, LF only", 200, strings.ToLower(suffix) + ":1\n", true, false},
		{"no match", 200, other + ":3\r\n", false, false},
		{"empty range", 200, "", false, false},
		{"padding line with our suffix", 200, other + ":3\r\n" + suffix + ":0\r\n", false, false},
		{"padding only", 200, strings.Repeat(other+":0\r\n", 50), false, false},
		{"server error", 500, "oops", false, true},
		{"rate limited", 429, "slow down", false, true},
		{"not a range listing", 200, "<html>login</html>", false, true},
		{"negative count", 200, suffix + ":-1\r\n", false, true},
		{"short suffix", 200, suffix[:10] + ":5\r\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			got, err := newHIBP(t, srv.URL).Breached(context.Background(), password)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Breached = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestHIBPSendsOnlyPrefix is the k-anonymity promise of SPEC §7.
func TestHIBPSendsOnlyPrefix(t *testing.T) {
	const password = "correct horse battery staple"
	prefix, suffix := sha1Parts(password)
	srv := breachtest.NewServer(t, password)
	if _, err := newHIBP(t, srv.URL).Breached(context.Background(), password); err != nil {
		t.Fatalf("Breached: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if !regexp.MustCompile(`^/range/[0-9A-F]{5}$`).MatchString(r.Path) || r.Path != "/range/"+prefix {
		t.Errorf("path = %q, want /range/%s", r.Path, prefix)
	}
	if r.Method != http.MethodGet || r.RawQuery != "" || len(r.Body) != 0 {
		t.Errorf("request = %s ?%q with %d body bytes, want a bare GET", r.Method, r.RawQuery, len(r.Body))
	}
	if r.Header.Get("Add-Padding") != "true" {
		t.Errorf("Add-Padding = %q, want true", r.Header.Get("Add-Padding"))
	}
	for name, values := range r.Header {
		for _, v := range values {
			for _, secret := range []string{password, suffix, strings.ToLower(suffix)} {
				if strings.Contains(v, secret) {
					t.Errorf("header %s leaks %q", name, secret)
				}
			}
		}
	}
}

func TestHIBPBasePath(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
	}))
	defer srv.Close()
	if _, err := newHIBP(t, srv.URL+"/mirror/").Breached(context.Background(), "x"); err != nil {
		t.Fatalf("Breached: %v", err)
	}
	prefix, _ := sha1Parts("x")
	if want := "/mirror/range/" + prefix; got != want {
		t.Errorf("path = %q, want %q", got, want)
	}
}

func TestHIBPTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	_, err := newHIBP(t, srv.URL, breach.WithTimeout(50*time.Millisecond)).Breached(context.Background(), "slow")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("lookup took %v despite a 50ms timeout", elapsed)
	}
}

func TestNewHIBPURL(t *testing.T) {
	tests := []struct {
		base    string
		wantErr bool
	}{
		{"", false}, // the public API
		{"https://api.pwnedpasswords.com", false},
		{"http://127.0.0.1:8080/hibp", false},
		{"ftp://example.com", true},
		{"api.pwnedpasswords.com", true},
		{"https://example.com/?x=1", true},
		{"://bad", true},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			_, err := breach.NewHIBP(tt.base)
			if (err != nil) != tt.wantErr {
				t.Errorf("NewHIBP(%q) err = %v, want error: %v", tt.base, err, tt.wantErr)
			}
		})
	}
}
