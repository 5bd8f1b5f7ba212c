// Package erltest runs Erlang snippets against Hex's reference library for
// hextar's tests. Debian's rebar3 executable is an escript whose zip archive
// carries hex_core with modules renamed r3_* (r3_hex_tarball,
// r3_safe_erl_term); Setup unpacks it once per test process.
//
// Tests that use it must not be skipped when Erlang is missing: a silent
// skip would let CI pass without ever checking compatibility. Require fails
// the test with the install command instead.
package erltest

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const installHint = "install Erlang and rebar3 (Debian: apt-get install -y erlang-nox rebar3); " +
	"these tests prove compatibility with Hex's reference implementation and must not be skipped"

var (
	once     sync.Once
	libDir   string // unpacked rebar3 archive
	erlPath  string
	setupErr string
)

func setup() {
	var err error
	erlPath, err = exec.LookPath("erl")
	if err != nil {
		setupErr = "erl not found in PATH: " + installHint
		return
	}
	rebar3, err := exec.LookPath("rebar3")
	if err != nil {
		setupErr = "rebar3 not found in PATH: " + installHint
		return
	}
	rebar3, _ = filepath.EvalSymlinks(rebar3)
	dir, err := os.MkdirTemp("", "hextar-rebar3-")
	if err != nil {
		setupErr = err.Error()
		return
	}
	if err := unzip(rebar3, dir); err != nil {
		setupErr = "unpacking " + rebar3 + ": " + err.Error()
		return
	}
	if _, err := os.Stat(filepath.Join(dir, "rebar", "ebin", "r3_hex_tarball.beam")); err != nil {
		setupErr = rebar3 + " does not carry r3_hex_tarball.beam (needs rebar3 >= 3.14)"
		return
	}
	libDir = dir
}

// unzip extracts the zip archive inside an escript. archive/zip copes with
// the script header in front of the archive.
func unzip(file, dir string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".beam") && !strings.HasSuffix(f.Name, ".app") {
			continue
		}
		name := filepath.Join(dir, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(name, dir+string(filepath.Separator)) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Require fails t unless erl and rebar3 are installed.
func Require(t testing.TB) {
	t.Helper()
	once.Do(setup)
	if setupErr != "" {
		t.Fatal(setupErr)
	}
}

// Cleanup removes the unpacked archive; call it from TestMain after m.Run.
func Cleanup() {
	if libDir != "" {
		os.RemoveAll(libDir)
	}
}

// Eval runs Erlang expressions with the r3_* modules on the code path, in
// dir, and returns standard output. The expressions are wrapped so that an
// exception fails t with its stack trace; they must not call halt.
func Eval(t testing.TB, dir, exprs string) string {
	t.Helper()
	Require(t)
	ebins, _ := filepath.Glob(filepath.Join(libDir, "*", "ebin"))
	args := []string{"-noshell", "-pa"}
	args = append(args, ebins...)
	wrapped := "try begin " + exprs + " end, halt(0) catch C:R:S -> " +
		"io:format(standard_error, \"~tp~n\", [{C, R, S}]), halt(1) end."
	args = append(args, "-eval", wrapped)
	cmd := exec.Command(erlPath, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting erl: %v", err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("erl failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("erl timed out\nstdout:\n%s", stdout.String())
	}
	return stdout.String()
}
