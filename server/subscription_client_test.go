package server_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// graphqlWSClient starts the reference graphql-ws client (the web app's
// copy, installed by npm ci) in Node with args.
func graphqlWSClient(t *testing.T, args ...string) (*exec.Cmd, *bufio.Scanner, func()) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to drive the reference graphql-ws client: %v", err)
	}
	frontend, err := filepath.Abs("../frontend")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(frontend, "node_modules", "graphql-ws", "package.json")); err != nil {
		t.Fatalf("the web app's node_modules lack graphql-ws (run npm ci in frontend/): %v", err)
	}
	cmd := exec.Command(node, append([]string{"testdata/graphqlws-client.mjs"}, args...)...)
	cmd.Env = append(os.Environ(), "DEPOT_FRONTEND="+frontend)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	t.Cleanup(stop)
	return cmd, bufio.NewScanner(stdout), stop
}

// With an invalid key the reference client, on its default retry settings,
// is closed with 4403 and waits its back-off before trying again: no
// reconnect storm (a close with 1000 is retried at once, in a loop, which
// used up the per-IP rate limit of everyone behind the same address).
func TestReferenceClientInvalidKeyBacksOff(t *testing.T) {
	env := servertest.New(t)
	_, out, _ := graphqlWSClient(t, "badkey", strings.Replace(env.URL, "http", "ws", 1)+"/graphql")
	if !out.Scan() {
		t.Fatalf("no output from the client: %v", out.Err())
	}
	var got struct {
		Attempts int
		Codes    []int
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("client output %q: %v", out.Text(), err)
	}
	if got.Attempts < 1 || got.Attempts > 2 || len(got.Codes) < 1 {
		t.Fatalf("client made %d connection attempts in 1.5 s (first closes %v); want one, or two after its back-off", got.Attempts, got.Codes[:min(len(got.Codes), 5)])
	}
	for _, c := range got.Codes {
		if c != 4403 {
			t.Fatalf("closed with %v, want 4403 each time", got.Codes)
		}
	}
}

// The reference client subscribes live and resumes from a cursor with
// after: the resumed subscription gets what it missed, then both get the
// live event, each once.
func TestReferenceClientSubscribesAndResumes(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	key := alice.WithKey("api:read").Key
	alice.Publish(pkgtest.Tarball(t, "refclient", "1.0.0"), nil).MustOK(t)
	alice.Publish(pkgtest.Tarball(t, "refclient", "1.1.0"), nil).MustOK(t)
	var hist struct {
		ReleaseEvents struct{ Events []feedEvent }
	}
	alice.Do(`{ releaseEvents(first: 10) { events { cursor version } } }`, nil).MustOK(t).Decode(t, &hist)
	if len(hist.ReleaseEvents.Events) != 2 {
		t.Fatalf("history: %+v", hist)
	}

	_, out, stop := graphqlWSClient(t, "feed", strings.Replace(env.URL, "http", "ws", 1)+"/graphql", key, hist.ReleaseEvents.Events[0].Cursor)
	lines := make(chan string)
	go func() {
		defer close(lines)
		for out.Scan() {
			lines <- out.Text()
		}
	}()
	untilSubscriptions(t, env, 2)
	alice.Publish(pkgtest.Tarball(t, "refclient", "1.2.0"), nil).MustOK(t)

	got := map[string][]string{}
	want := map[string][]string{"resumed": {"1.1.0", "1.2.0"}, "live": {"1.2.0"}}
	deadline := time.After(15 * time.Second)
	for len(got["resumed"]) < 2 || len(got["live"]) < 1 {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("client exited; events so far %v", got)
			}
			var m struct {
				Sub    string
				Error  string
				Errors []any
				Event  *feedEvent
			}
			if err := json.Unmarshal([]byte(line), &m); err != nil || m.Error != "" || len(m.Errors) > 0 || m.Event == nil {
				t.Fatalf("client reported %s", line)
			}
			got[m.Sub] = append(got[m.Sub], m.Event.Version)
		case <-deadline:
			t.Fatalf("events so far %v, want %v", got, want)
		}
	}
	stop()
	for line := range lines {
		if strings.Contains(line, `"event"`) {
			t.Fatalf("event received twice or out of place: %s (had %v)", line, got)
		}
	}
	for name, w := range want {
		if strings.Join(got[name], ",") != strings.Join(w, ",") {
			t.Fatalf("%s subscription got %v, want %v", name, got[name], w)
		}
	}
}
