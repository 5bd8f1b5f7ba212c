package interchange_test

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/interchange"
	"github.com/depot-registry/depot/internal/rebar3test"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server/servertest"
)

// legacy is the source registry most tests import: a dependency chain, a
// retired release, three packages.
var legacy = []srcPackage{
	{name: "legacy_app", releases: []srcRelease{{version: "2.0.0", deps: []string{"legacy_mid"}}}},
	{name: "legacy_base", releases: []srcRelease{{version: "1.0.0", retired: "SECURITY"}, {version: "1.1.0"}}},
	{name: "legacy_mid", releases: []srcRelease{{version: "1.0.0", deps: []string{"legacy_base"}}}},
}

// A static registry built by hex_core imports whole (dependencies first,
// retirement carried), and the real rebar3, configured with Depot alone,
// resolves, verifies and compiles the chain from it.
func TestImportHexCoreRegistryThenRebar3Compiles(t *testing.T) {
	rebar3test.Require(t)
	env := servertest.New(t)
	env.SignUp("alice")
	dir := t.TempDir()
	hexCoreRegistry(t, dir, "legacy", testKey(t, 0), legacy)

	var progress strings.Builder
	sum, err := interchangeOf(env).Import(sys(), interchange.Dir(dir), interchange.ImportOptions{Owner: "alice", Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 4 || sum.Skipped != 0 || len(sum.Refused) != 0 {
		t.Fatalf("summary %+v, progress:\n%s", sum, progress.String())
	}
	if lines := strings.Count(progress.String(), "\n"); lines != 4 || !strings.Contains(progress.String(), "[4/4] legacy_app 2.0.0: imported") {
		t.Fatalf("progress:\n%s", progress.String())
	}

	// The retirement came along, in Depot's own signed payload.
	front := rebar3test.NewFront(t, env.Server.Handler())
	resp, err := http.Get(front.URL + "/repo/packages/legacy_base")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p, err := hexrepo.DecodePackageSigned(body, &env.Server.RepoKeys.Private.PublicKey, testdb.PublicRepository, "legacy_base")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Releases) != 2 || p.Releases[0].Retired == nil || p.Releases[0].Retired.Reason != hexrepo.ReasonSecurity || p.Releases[1].Retired != nil {
		t.Fatalf("legacy_base payload %+v", p.Releases)
	}

	proj := rebar3test.NewProject(t, "scratch", []rebar3test.Dep{{Name: "legacy_app", Requirement: "~> 2.0"}},
		rebar3test.Repo{Name: testdb.PublicRepository, URL: front.URL + "/repo", PublicKey: env.Server.RepoKeys.PublicPEM})
	proj.MustRun("compile")
	for _, app := range []string{"legacy_base", "legacy_mid", "legacy_app"} {
		if _, err := os.Stat(filepath.Join(proj.Dir, "_build", "default", "lib", app, "ebin", app+".beam")); err != nil {
			t.Errorf("%s was not compiled: %v", app, err)
		}
	}
	// rebar3 locked the checksums hex_core computed at the source.
	src, err := os.ReadFile(filepath.Join(dir, "packages", "legacy_app"))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := hexrepo.DecodePackageSigned(src, &testKey(t, 0).PublicKey, "legacy", "legacy_app")
	if err != nil {
		t.Fatal(err)
	}
	if got := proj.Lock()["legacy_app"]; got.Outer != hexLower(sp.Releases[0].OuterChecksum) {
		t.Fatalf("rebar3 locked %+v, the source signed outer %x", got, sp.Releases[0].OuterChecksum)
	}
}

// Running an import again imports nothing and writes nothing; a source
// release that differs from the one here is refused and reported, the rest
// still skipped.
func TestImportTwiceImportsNothingTheSecondTime(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("alice")
	dir := t.TempDir()
	hexCoreRegistry(t, dir, "legacy", testKey(t, 0), legacy)
	svc := interchangeOf(env)
	opts := interchange.ImportOptions{Owner: "alice"}
	if _, err := svc.Import(sys(), interchange.Dir(dir), opts); err != nil {
		t.Fatal(err)
	}
	before := snap(t, env)
	sum, err := svc.Import(sys(), interchange.Dir(dir), opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 0 || sum.Skipped != 4 || len(sum.Refused) != 0 {
		t.Fatalf("second run: %+v", sum)
	}
	if after := snap(t, env); after != before {
		t.Fatalf("second run wrote rows: before %+v after %+v", before, after)
	}

	// The same version with other bytes is refused, never replaced; a new
	// package in the same source still goes in.
	other := t.TempDir()
	hexCoreRegistry(t, other, "legacy", testKey(t, 0), []srcPackage{
		{name: "legacy_base", releases: []srcRelease{{version: "1.0.0", note: " Rebuilt."}, {version: "1.1.0"}}},
		{name: "legacy_new", releases: []srcRelease{{version: "0.1.0"}}},
	})
	sum, err = svc.Import(sys(), interchange.Dir(other), opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 1 || sum.Skipped != 1 || len(sum.Refused) != 1 || sum.Refused[0].Version != "1.0.0" || !strings.Contains(sum.Refused[0].Reason, "never replaces") {
		t.Fatalf("changed source: %+v", sum)
	}
}

// A source that fails verification is refused with BAD_USER_INPUT and
// nothing at all is imported, not even the releases that verified.
func TestImportRefusesABadSource(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("alice")
	build := func(t *testing.T) string {
		dir := t.TempDir()
		hexCoreRegistry(t, dir, "legacy", testKey(t, 0), legacy)
		return dir
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) interchange.ImportOptions
		want  string
	}{
		{"bad signature", func(t *testing.T, dir string) interchange.ImportOptions {
			return interchange.ImportOptions{PublicKey: pubPEM(t, testKey(t, 1))}
		}, "signature"},
		{"wrong checksum", func(t *testing.T, dir string) interchange.ImportOptions {
			// legacy_mid's tarball swapped for another valid hex_core tarball.
			swap(t, dir, "tarballs/legacy_base-1.1.0.tar", "tarballs/legacy_base-1.0.0.tar")
			return interchange.ImportOptions{}
		}, "checksum"},
		{"wrong repository name in a payload", func(t *testing.T, dir string) interchange.ImportOptions {
			resign(t, dir, "legacy_mid", func(p *hexrepo.Package) { p.Repository = "elsewhere" })
			return interchange.ImportOptions{}
		}, "another repository"},
		{"wrong repository name expected", func(t *testing.T, dir string) interchange.ImportOptions {
			return interchange.ImportOptions{Repository: "hexpm"}
		}, "another repository"},
		{"missing tarball", func(t *testing.T, dir string) interchange.ImportOptions {
			if err := os.Remove(filepath.Join(dir, "tarballs", "legacy_app-2.0.0.tar")); err != nil {
				t.Fatal(err)
			}
			return interchange.ImportOptions{}
		}, "legacy_app 2.0.0: tarball"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := build(t)
			opts := tt.setup(t, dir)
			opts.Owner = "alice"
			before := snap(t, env)
			_, err := interchangeOf(env).Import(sys(), interchange.Dir(dir), opts)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.BadInput || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want BAD_USER_INPUT mentioning %q", err, tt.want)
			}
			if after := snap(t, env); after != before {
				t.Fatalf("a refused source wrote rows: before %+v after %+v", before, after)
			}
		})
	}
}

// swap overwrites file dst of the registry in dir with file src.
func swap(t *testing.T, dir, dst, src string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, src))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// resign decodes packages/NAME, changes it and signs it again with the
// source's key, so only the change is wrong.
func resign(t *testing.T, dir, name string, change func(*hexrepo.Package)) {
	t.Helper()
	path := filepath.Join(dir, "packages", name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hexrepo.DecodePackageSigned(b, &testKey(t, 0).PublicKey, "legacy", name)
	if err != nil {
		t.Fatal(err)
	}
	change(&p)
	if b, err = hexrepo.EncodePackageSigned(p, testKey(t, 0)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func hexLower(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
