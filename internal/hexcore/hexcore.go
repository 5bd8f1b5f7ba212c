// Package hexcore runs Hex's reference Erlang library in tests, so Depot's
// byte formats are checked against what real clients execute rather than
// against our reading of the spec.
//
// Debian's rebar3 escript embeds hex_core with its modules renamed r3_hex_*
// (r3_hex_registry, r3_hex_pb_package, r3_hex_tarball, ...). Dir unpacks
// that escript once per machine and Eval runs an Erlang expression with it
// on the code path. Tests that use it fail, never skip, when erl or rebar3
// is missing: an interop test that silently does not run proves nothing.
package hexcore

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// InstallHint is what a test failure tells the reader to do.
const InstallHint = "install the reference Hex client: apt-get update && apt-get install -y rebar3 erlang-nox"

var (
	once   sync.Once
	libDir string
	setErr error
)

// Dir returns a glob of the unpacked rebar3 ebin folders ("DIR/*/ebin"),
// ready for `erl -pa`. The archive is extracted once per machine into a
// temp folder named after the rebar3 binary's hash, so a rebar3 upgrade
// gets a fresh copy and repeated runs reuse the old one.
func Dir(t testing.TB) string {
	t.Helper()
	once.Do(func() { libDir, setErr = extract() })
	if setErr != nil {
		t.Fatalf("hexcore: %v; %s", setErr, InstallHint)
	}
	return filepath.Join(libDir, "*", "ebin")
}

// Eval runs expr with hex_core loaded and returns what it printed to
// standard output. expr is a comma-separated sequence of Erlang
// expressions (a trailing "." is tolerated); it need not halt. A crash, or
// output on standard error, fails the test with that output.
func Eval(t testing.TB, expr string) string {
	t.Helper()
	erl, err := exec.LookPath("erl")
	if err != nil {
		t.Fatalf("hexcore: erl not found: %v; %s", err, InstallHint)
	}
	ebins, err := filepath.Glob(Dir(t))
	if err != nil || len(ebins) == 0 {
		t.Fatalf("hexcore: no ebin folders under %s (%v); %s", Dir(t), err, InstallHint)
	}
	body := strings.TrimSuffix(strings.TrimSpace(expr), ".")
	// The wrapper turns any exception into a non-zero exit, which plain
	// `-eval ... -s init stop` would not: erl reports the error and exits 0.
	wrapped := fmt.Sprintf(`try begin %s end of _ -> halt(0) catch C:R:S -> io:format(standard_error, "~p:~p~n~p~n", [C, R, S]), halt(1) end.`, body)
	args := append([]string{"-noshell", "-pa"}, ebins...)
	args = append(args, "-eval", wrapped)
	cmd := exec.Command(erl, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("hexcore: erl failed: %v\nexpression:\n%s\nstderr:\n%s\nstdout:\n%s", err, body, stderr.String(), stdout.String())
	}
	return stdout.String()
}

// Binary returns an Erlang expression for b; tests use it to hand bytes
// (payloads, PEM keys) to Eval without temp files or quoting worries.
func Binary(b []byte) string {
	return fmt.Sprintf(`binary:decode_hex(<<"%s">>)`, hex.EncodeToString(b))
}

// extract unpacks the rebar3 escript: a few "#!"/"%%" header lines
// followed by a zip archive whose offsets count from the archive's start.
func extract() (string, error) {
	path, err := exec.LookPath("rebar3")
	if err != nil {
		return "", fmt.Errorf("rebar3 not found: %w", err)
	}
	if _, err := exec.LookPath("erl"); err != nil {
		return "", fmt.Errorf("erl not found: %w", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read rebar3: %w", err)
	}
	sum := sha256.Sum256(raw)
	dir := filepath.Join(os.TempDir(), "depot-hexcore-"+hex.EncodeToString(sum[:6]))
	if _, err := os.Stat(filepath.Join(dir, "rebar", "ebin", "r3_hex_registry.beam")); err == nil {
		return dir, nil
	}
	start := bytes.Index(raw, []byte("PK\x03\x04"))
	if start < 0 {
		return "", fmt.Errorf("%s holds no zip archive; is it the rebar3 escript?", path)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw[start:]), int64(len(raw)-start))
	if err != nil {
		return "", fmt.Errorf("open rebar3 archive: %w", err)
	}
	// Unpack beside the final folder and rename, so a concurrent test
	// binary never sees a half-written tree.
	tmp, err := os.MkdirTemp(os.TempDir(), "depot-hexcore-tmp-")
	if err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range zr.File {
		if err := writeEntry(tmp, f); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "rebar", "ebin", "r3_hex_registry.beam")); err != nil {
		return "", fmt.Errorf("rebar3 archive has no r3_hex_registry: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another test process won the race; its copy is as good.
		if _, statErr := os.Stat(dir); statErr == nil {
			return dir, nil
		}
		return "", fmt.Errorf("install %s: %w", dir, err)
	}
	return dir, nil
}

func writeEntry(root string, f *zip.File) error {
	name := filepath.FromSlash(f.Name)
	if !filepath.IsLocal(name) {
		return fmt.Errorf("rebar3 archive entry %q escapes the folder", f.Name)
	}
	dst := filepath.Join(root, name)
	if f.FileInfo().IsDir() {
		return os.MkdirAll(dst, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("unpack %s: %w", f.Name, err)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("unpack %s: %w", f.Name, err)
	}
	defer rc.Close()
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("unpack %s: %w", f.Name, err)
	}
	_, err = io.Copy(out, rc)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("unpack %s: %w", f.Name, err)
	}
	return nil
}
