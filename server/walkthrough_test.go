package server_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// walkthroughBlocks returns the ```sh blocks of docs/API.md's "A first
// session with curl", in order.
func walkthroughBlocks(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "docs", "API.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "\n## A first session with curl\n")
	if !ok {
		t.Fatal(`docs/API.md has no "## A first session with curl"`)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?ms)^```sh\n(.*?)^```$").FindAllStringSubmatch(section, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// TestAPIWalkthrough runs docs/API.md's curl walk-through verbatim (only the
// URL line points at the test's server) with the real depot binary on PATH:
// every command must succeed, no answer may carry GraphQL errors, and the
// final SSE command must deliver a release published while it listens.
func TestAPIWalkthrough(t *testing.T) {
	blocks := walkthroughBlocks(t)
	if len(blocks) != 2 {
		t.Fatalf("found %d sh blocks in the walk-through, want 2 (the session, then the stream)", len(blocks))
	}
	session, stream := blocks[0], blocks[1]
	urlLine := regexp.MustCompile(`(?m)^URL=.*$`)
	if !urlLine.MatchString(session) {
		t.Fatal("the walk-through sets no URL=")
	}
	bin := buildDepot(t)
	env := servertest.New(t)
	const marker = "--- the stream starts ---"
	script := "set -euo pipefail\n" + urlLine.ReplaceAllLiteralString(session, "URL="+env.URL+"/graphql") +
		"\necho '" + marker + "'\n" + stream

	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasSuffix(strings.ToLower(k), "_proxy") || k == "PATH" {
			continue // loopback only, and our depot first on PATH
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the stream runs until stopped
		<-exited
	})

	// until waits for cond while the script runs; the script ending first
	// (a failed command) fails the test with its output.
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			select {
			case err := <-exited:
				exited <- err
				t.Fatalf("the walk-through stopped (%v) before %s; it printed:\n%s", err, what, out.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s after 60 s; the walk-through printed:\n%s", what, out.String())
			}
			time.Sleep(10 * time.Millisecond) // polling a condition
		}
	}
	until("subscription", func() bool { return strings.Contains(out.String(), marker) && subscriptions(t, env) == 1 })

	before, _, _ := strings.Cut(out.String(), marker)
	for _, want := range []string{
		`"username":"alice"`,                  // 1. signed up; 3. the key reads as alice
		`dpk_`,                                // 2. the secret
		`"name":"acme"`,                       // 4. the organization
		"built mypkg-1.0.0.tar",               // 5. depot build
		`"version":"1.0.0","outerChecksum":"`, // 6. published
	} {
		if !strings.Contains(before, want) {
			t.Errorf("the walk-through's output has no %s", want)
		}
	}
	if strings.Contains(before, `"errors"`) {
		t.Errorf("an answer carries GraphQL errors")
	}
	if t.Failed() {
		t.Fatalf("the walk-through printed:\n%s", before)
	}

	env.SignUp("bob").Publish(pkgtest.Tarball(t, "other_pkg", "0.2.0"), nil).MustOK(t)
	until("event for other_pkg on the stream", func() bool {
		_, after, _ := strings.Cut(out.String(), marker)
		return strings.Contains(after, `"packageName":"other_pkg"`)
	})
}
