package hexrepo

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current encoder")

// sum gives fixture checksums that are real SHA-256 sizes and easy to tell
// apart in a diff.
func sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// fixturePackage covers every Package field: a retired release with a
// message, and a release whose deps use optional, app and repository.
func fixturePackage() Package {
	return Package{
		Name:       "plug_x",
		Repository: "depot",
		Releases: []Release{
			{
				Version:       "1.0.0",
				InnerChecksum: sum("inner 1.0.0"),
				OuterChecksum: sum("outer 1.0.0"),
				Retired:       &Retirement{Reason: ReasonSecurity, Message: "CVE-2024-0001, use 1.0.1 — désolé"},
			},
			{
				Version:       "1.0.1",
				InnerChecksum: sum("inner 1.0.1"),
				OuterChecksum: sum("outer 1.0.1"),
				Dependencies: []Dependency{
					{Package: "jason", Requirement: "~> 1.0", Optional: true},
					{Package: "eex_html", Requirement: ">= 0.2.0 and < 1.0.0", App: "eex_html_app"},
					{Package: "telemetry", Requirement: "~> 1.2", Repository: "hexpm"},
				},
			},
		},
	}
}

func fixtureNames() Names {
	return Names{
		Repository: "depot",
		Packages: []NameEntry{
			{Name: "ecto_y"},
			{Name: "plug_x", UpdatedAt: time.Date(2024, 5, 1, 12, 0, 0, 500_000_000, time.UTC)},
		},
	}
}

func fixtureVersions() Versions {
	return Versions{
		Repository: "depot",
		Packages: []VersionsEntry{
			{Name: "ecto_y", Versions: []string{"0.1.0"}},
			{Name: "plug_x", Versions: []string{"1.0.0", "1.0.1", "2.0.0-rc.1"}, Retired: []int32{0, 2}},
		},
	}
}

// testKey is shared because RSA generation is the slowest step of the
// suite and no test depends on a fresh key.
var testKey = sync.OnceValues(GenerateKey)

func key(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := testKey()
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	return k
}

func pubPEM(t testing.TB) []byte {
	t.Helper()
	p, err := EncodePublicKeyPEM(&key(t).PublicKey)
	if err != nil {
		t.Fatalf("EncodePublicKeyPEM: %v", err)
	}
	return p
}

// golden compares got with testdata/NAME, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update golden: %v", err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from golden file\n got: %x\nwant: %x", name, got, want)
	}
}
