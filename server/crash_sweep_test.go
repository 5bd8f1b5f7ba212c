package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/store"
)

// TestKilledPublishesAreSwept kills a real depot process (SIGKILL) while
// one publish is mid-upload and another has stored its tarball but not
// committed, then restarts it and checks that the blob sweep removes the
// partial upload and the orphan tarball, counts them in /metrics, and keeps
// the tarball of a committed release.
func TestKilledPublishesAreSwept(t *testing.T) {
	bin := buildDepot(t)
	dataDir := t.TempDir()
	dbURL := testdb.URL(t)
	blobs := filepath.Join(dataDir, "blobs")
	tmpDir := filepath.Join(blobs, ".tmp")

	first := startDepot(t, bin, dataDir, dbURL)
	key := first.apiKey(t, "alice")
	kept := pkgtest.Tarball(t, "kept", "1.0.0")
	if status, body := first.publish(key, bytes.NewReader(kept)); status != http.StatusCreated {
		t.Fatalf("publish kept 1.0.0: status %d: %s", status, body)
	}

	// Publish one: a large tarball whose body stops half way.
	large := largeTarball(t, "partial", "1.0.0", 4<<20)
	partialBody, partialW := io.Pipe()
	defer partialW.Close()
	go first.publish(key, partialBody)
	go func() { _, _ = partialW.Write(large[:1<<20]) }()
	waitFor(t, "the partial upload's temp file", func() bool { return len(temps(t, tmpDir)) == 1 })

	// Publish two: stored completely, but its transaction cannot commit
	// because the test holds the releases table.
	orphan := pkgtest.Tarball(t, "orphaned", "1.0.0")
	orphanKey := blob.KeyOf(orphan)
	orphanBody, orphanW := io.Pipe()
	go first.publish(key, orphanBody)
	waitFor(t, "the second upload's temp file", func() bool { return len(temps(t, tmpDir)) == 2 })
	unlock := lockReleases(t, dbURL)
	go func() {
		_, _ = orphanW.Write(orphan)
		orphanW.Close()
	}()
	waitFor(t, "the second tarball stored under its key", func() bool { return fileExists(blobPath(blobs, orphanKey)) })

	first.kill(t)
	unlock()
	if got := temps(t, tmpDir); len(got) != 1 {
		t.Fatalf("after the kill the temp folder holds %v, want the partial upload only", got)
	}

	second := startDepot(t, bin, dataDir, dbURL,
		"DEPOT_REQUEST_TIMEOUT=500ms", "DEPOT_BLOB_SWEEP_AGE=1s", "DEPOT_BLOB_SWEEP_INTERVAL=100ms")
	waitFor(t, "the sweep counters", func() bool {
		m := second.metrics(t)
		return m["depot_blob_temp_removed_total"] >= 1 && m["depot_orphan_blobs_removed_total"] >= 1
	})
	m := second.metrics(t)
	for _, name := range []string{"depot_blob_temp_removed_total", "depot_orphan_blobs_removed_total"} {
		if m[name] != 1 {
			t.Errorf("%s = %v, want 1", name, m[name])
		}
	}
	if got := temps(t, tmpDir); len(got) != 0 {
		t.Errorf("temp folder still holds %v", got)
	}
	if fileExists(blobPath(blobs, orphanKey)) {
		t.Errorf("orphan tarball %s is still stored", orphanKey)
	}
	resp, err := http.Get(second.url + "/repo/tarballs/kept-1.0.0.tar")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, kept) {
		t.Fatalf("download kept 1.0.0 after the sweep: status %d, %d bytes, want the %d published", resp.StatusCode, len(got), len(kept))
	}
}

// depotProc is one running depot binary.
type depotProc struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{}
	client *http.Client
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildDepot compiles the depot command once per test binary.
func buildDepot(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "depot-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "depot")
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			goTool = "go"
		}
		cmd := exec.Command(goTool, "build", "-o", builtBin, ".")
		cmd.Dir = ".." // the module root holds package main
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// startDepot runs `depot serve` on a free loopback port and waits until it
// says it is running.
func startDepot(t *testing.T, bin, dataDir, dbURL string, env ...string) *depotProc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DEPOT_LISTEN="+addr, "DEPOT_DATA_DIR="+dataDir, "DEPOT_DATABASE_URL="+dbURL,
		"DEPOT_SECRET_KEY=test-secret", "DEPOT_REPOSITORY_NAME="+testdb.PublicRepository, "DEPOT_LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &depotProc{url: "http://" + addr, cmd: cmd, exited: make(chan struct{})}
	jar, _ := cookiejar.New(nil)
	p.client = &http.Client{Jar: jar}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.HasPrefix(sc.Text(), "Depot is running") {
				close(ready)
				signalled = true
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill(t)
		if t.Failed() {
			t.Logf("depot serve on %s logged:\n%s", addr, stderr.String())
		}
	})
	select {
	case <-ready:
	case <-p.exited:
		t.Fatalf("depot serve exited before it was ready:\n%s", stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("depot serve did not start:\n%s", stderr.String())
	}
	return p
}

// kill sends SIGKILL: no shutdown code runs, as after a crash.
func (p *depotProc) kill(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		return
	default:
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	<-p.exited
}

func (p *depotProc) graphql(t *testing.T, query string, vars map[string]any) json.RawMessage {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, p.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(server.CSRFHeader, "1")
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data   json.RawMessage
		Errors []any
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("GraphQL %s: status %d: %s", query, resp.StatusCode, raw)
	}
	return out.Data
}

// apiKey signs a user up and returns an api:write key.
func (p *depotProc) apiKey(t *testing.T, username string) string {
	t.Helper()
	p.graphql(t, `mutation($u: String!, $e: String!, $p: String!) { signUp(input: {username: $u, email: $e, password: $p}) { user { id } } }`,
		map[string]any{"u": username, "e": username + "@example.com", "p": "correct horse battery staple " + username})
	var out struct {
		CreateAPIKey struct{ Secret string }
	}
	data := p.graphql(t, `mutation { createApiKey(input: {name: "crash", scopes: ["api:write"]}) { secret } }`, nil)
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out.CreateAPIKey.Secret
}

// publish streams body to the Hex API's publish endpoint, which reads it
// straight into the blob store.
func (p *depotProc) publish(key string, body io.Reader) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, p.url+"/api/publish", body)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error() // the process was killed under it
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// metrics reads the unlabelled samples of /metrics.
func (p *depotProc) metrics(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out
}

// lockReleases holds a lock that lets publishes read but not insert a
// release (SQLite: the write lock; PostgreSQL: a table lock), until the
// returned function is called.
func lockReleases(t *testing.T, dbURL string) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.SQL.BeginTx(ctx, nil) // immediate on SQLite: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	if db.Dialect == dialect.Postgres {
		if _, err := tx.ExecContext(ctx, "LOCK TABLE releases IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
	} else if _, err := tx.ExecContext(ctx, "DELETE FROM releases WHERE 1 = 0"); err != nil {
		t.Fatal(err)
	}
	done := false
	unlock = func() {
		if done {
			return
		}
		done = true
		if err := tx.Rollback(); err != nil && err != sql.ErrTxDone {
			t.Errorf("release the lock: %v", err)
		}
		db.Close()
	}
	t.Cleanup(unlock)
	return unlock
}

// largeTarball is a valid package with size bytes of incompressible content.
func largeTarball(t *testing.T, name, version string, size int) []byte {
	t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	meta := hextar.Metadata{
		Name: name, Version: version, App: name, Description: "The " + name + " test package.",
		Licenses: []string{"Apache-2.0"}, BuildTools: []string{"rebar3"}, Files: []string{"priv/blob.bin"},
	}
	tar, _, _, err := hextar.Create(meta, []hextar.File{{Name: "priv/blob.bin", Mode: 0o644, Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	return tar
}

// waitFor polls cond until it holds (fails the test after a minute).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// temps lists the blob store's partial uploads.
func temps(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "put-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func blobPath(root, key string) string { return filepath.Join(root, key[:2], key[2:4], key) }

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The sweep age must exceed the request timeout: a publish stores its
// tarball before the commit that references it, within one request.
func TestBlobSweepConfig(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr bool
	}{
		{nil, false},
		{[]string{"-blob-sweep-age=10s", "-request-timeout=30s"}, true},
		{[]string{"-blob-sweep-age=30s", "-request-timeout=30s"}, true},
		{[]string{"-blob-sweep-age=31s", "-request-timeout=30s"}, false},
		{[]string{"-blob-sweep-age=1s", "-blob-sweep-interval=0"}, false}, // off: the age does not matter
		{[]string{"-blob-sweep-interval=-1m"}, true},
	}
	for _, tt := range tests {
		cfg, err := config.Parse(tt.args)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseConfig(%q) err = %v, want error %v", tt.args, err, tt.wantErr)
		}
		if tt.args == nil && (cfg.BlobSweepEvery != time.Hour || cfg.BlobSweepAge != time.Hour) {
			t.Errorf("defaults: every %s, age %s; want 1h, 1h", cfg.BlobSweepEvery, cfg.BlobSweepAge)
		}
	}
}
