package cli_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/depot-registry/depot/hextar"
)

func TestBuild(t *testing.T) {
	dir := packageDir(t, "alpha_lib", "1.2.0")
	cwd := t.TempDir()
	t.Chdir(cwd)
	out, _, err := run(t, nil, "build", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "alpha_lib-1.2.0.tar")); !os.IsNotExist(err) {
		t.Errorf("tarball written into the package folder (%v), want the current folder", err)
	}
	path := filepath.Join(cwd, "alpha_lib-1.2.0.tar")
	tb, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("tarball not written: %v", err)
	}
	sum := sha256.Sum256(tb)
	if !strings.Contains(out, "outer checksum: "+hex.EncodeToString(sum[:])) {
		t.Errorf("output does not show the outer checksum %x:\n%s", sum, out)
	}
	pkg, err := hextar.Read(bytes.NewReader(tb), hextar.DefaultLimits)
	if err != nil {
		t.Fatalf("built tarball does not read back: %v", err)
	}
	m := pkg.Metadata
	if m.Name != "alpha_lib" || m.Version != "1.2.0" || m.App != "alpha_lib" || !slices.Equal(m.BuildTools, []string{"rebar3"}) {
		t.Errorf("metadata = %+v", m)
	}
	if len(m.Links) != 1 || m.Links[0].URL != "https://example.com/alpha_lib" {
		t.Errorf("links = %+v", m.Links)
	}
	want := []string{"README.md", "rebar.config", "src/alpha_lib.app.src", "src/alpha_lib.erl"}
	got := slices.Clone(pkg.Files)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("files = %v, want %v (hidden and unlisted files left out)", got, want)
	}
	// The same folder builds the same bytes.
	again := filepath.Join(t.TempDir(), "again.tar")
	if _, _, err := run(t, nil, "build", dir, "-o", again); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(again); !bytes.Equal(b, tb) {
		t.Errorf("two builds of one folder differ")
	}
}

func TestBuildRefusals(t *testing.T) {
	link := packageDir(t, "alpha_lib", "1.0.0")
	if err := os.Symlink("/etc/passwd", filepath.Join(link, "src", "passwd")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		dir  string
		want string
	}{
		{"no manifest", writeTree(t, map[string]string{"src/a.erl": "x"}), "depot.json"},
		{"unknown field", writeTree(t, map[string]string{"depot.json": `{"name": "a_b", "verison": "1.0.0"}`}), "unknown field"},
		{"bad version", writeTree(t, map[string]string{"depot.json": `{"name": "alpha", "version": "1.0", "description": "d", "licenses": ["MIT"]}`, "src/a.erl": "x"}), "1.0"},
		{"file outside", writeTree(t, map[string]string{"depot.json": `{"name": "alpha", "version": "1.0.0", "files": ["../x"]}`}), "outside"},
		{"missing listed file", writeTree(t, map[string]string{"depot.json": `{"name": "alpha", "version": "1.0.0", "files": ["nope.erl"]}`}), "nope.erl"},
		{"symlink", link, "not a regular file"},
		{"nothing to package", writeTree(t, map[string]string{"depot.json": `{"name": "alpha", "version": "1.0.0"}`}), "no files"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cwd := t.TempDir()
			t.Chdir(cwd)
			_, _, err := run(t, nil, "build", c.dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("build = %v, want an error mentioning %q", err, c.want)
			}
			if left, _ := os.ReadDir(cwd); len(left) != 0 {
				t.Errorf("a refused build wrote %v", left)
			}
		})
	}
}
