// Package stripemock starts stripe-mock, Stripe's official API mock, for
// tests in any package: Start finds (or installs) the pinned binary, runs it
// on a loopback port chosen by the kernel, and stops it when the test ends.
//
// A missing binary that cannot be installed fails the test rather than
// skipping it, so a broken setup cannot pass CI silently.
package stripemock

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the pinned stripe-mock release; keep it in sync with
// scripts/stripe-mock.sh. Pinning keeps fixtures, and so expectations, fixed.
const Version = "v0.183.0"

const listening = "Listening for HTTP at address: "

var installMu sync.Mutex

// Binary returns the path of stripe-mock: $STRIPE_MOCK_BIN, else
// <repo>/.bin/stripe-mock, installed there with `go install` when missing.
func Binary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("STRIPE_MOCK_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("STRIPE_MOCK_BIN: %v", err)
		}
		return bin
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("stripe-mock: %v", err)
	}
	gobin := filepath.Join(root, ".bin")
	bin := filepath.Join(gobin, "stripe-mock")
	installMu.Lock()
	defer installMu.Unlock()
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "install", "github.com/stripe/stripe-mock@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("installing stripe-mock %s into %s: %v\n%s", Version, gobin, err, out)
	}
	return bin
}

// Start runs stripe-mock for the duration of the test and returns its base
// URL ("http://127.0.0.1:PORT"). Both listeners are bound to 127.0.0.1 with
// port 0: stripe-mock's other port flags listen on every interface.
func Start(t testing.TB) string {
	t.Helper()
	cmd := exec.Command(Binary(t), "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("stripe-mock: %v", err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting stripe-mock: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), listening); ok {
				addr <- a
				break
			}
		}
		// Keep draining so a chatty mock never blocks on a full pipe.
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("stripe-mock did not report its HTTP address within 30s")
		return ""
	}
}

// repoRoot walks up from the working directory (a test's package folder) to
// the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
