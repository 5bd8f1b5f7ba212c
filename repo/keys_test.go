package repo_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/repo"
)

func TestLoadKeys(t *testing.T) {
	dir := t.TempDir()
	first, err := repo.LoadKeys(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, repo.KeyFileName)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file not written: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", info.Mode().Perm())
	}
	again, err := repo.LoadKeys(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if string(again.PublicPEM) != string(first.PublicPEM) {
		t.Errorf("a restart generated a new key: clients pinning the old one would break")
	}
	// A configured file wins over the data folder.
	other, err := hexrepo.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	configured := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(configured, hexrepo.EncodePrivateKeyPEM(other), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := repo.LoadKeys(dir, configured)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Private.Equal(other) {
		t.Errorf("configured key file ignored")
	}

	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{bad, filepath.Join(t.TempDir(), "missing.pem")} {
		if _, err := repo.LoadKeys(dir, file); err == nil {
			t.Errorf("LoadKeys(%s) accepted an unusable key file", file)
		}
	}
}

func TestNormalizeAuth(t *testing.T) {
	cases := []struct{ in, want string }{
		{"dpk_abc123", "Bearer dpk_abc123"},
		{"  dpk_abc123 ", "Bearer dpk_abc123"},
		{"Bearer dpk_abc123", "Bearer dpk_abc123"},
		{"", ""},
		{"Basic dXNlcjpwdw==", "Basic dXNlcjpwdw=="},
		{"dpk_a dpk_b", "dpk_a dpk_b"},
		{"0123456789abcdef", "0123456789abcdef"},
	}
	for _, c := range cases {
		var got string
		h := repo.NormalizeAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.Header.Get("Authorization")
		}))
		req := httptest.NewRequest(http.MethodGet, "/repo/names", nil)
		if c.in != "" {
			req.Header.Set("Authorization", c.in)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		if got != c.want {
			t.Errorf("Authorization %q became %q, want %q", c.in, got, c.want)
		}
	}
}
