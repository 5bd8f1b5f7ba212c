// Package s3test gives tests a real S3 server on loopback and a fresh
// bucket per test, the way billing/stripe/stripemock gives them Stripe.
//
// The server is the one named by DEPOT_TEST_S3_URL
// (http://KEY:SECRET@127.0.0.1:PORT; the test command starts SeaweedFS and
// sets it), or else one that scripts/s3-server.sh starts for the test,
// building the pinned SeaweedFS into <repo>/.bin first when it is missing.
// A server that cannot be had fails the test rather than skipping it, so a
// broken setup cannot pass CI. A package with many S3 tests shares one
// server through Main.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/depot-registry/depot/blob/s3"
)

// EnvURL names the variable holding a running server's URL.
const EnvURL = "DEPOT_TEST_S3_URL"

// Server is an S3 endpoint with admin credentials.
type Server struct {
	Endpoint  string // 127.0.0.1:PORT
	AccessKey string
	SecretKey string
}

// Start returns the server of DEPOT_TEST_S3_URL, or starts one for the
// test and stops it when the test ends.
func Start(t testing.TB) Server {
	t.Helper()
	if raw := os.Getenv(EnvURL); raw != "" {
		srv, err := Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", EnvURL, err)
		}
		// The test command starts the server without waiting for it.
		if err := WaitReady(srv, nil, 2*time.Minute); err != nil {
			t.Fatalf("%s: %v", EnvURL, err)
		}
		return srv
	}
	return startWeed(t)
}

// Main runs a package's tests with one server for all of them: when
// DEPOT_TEST_S3_URL is unset it starts one, sets the variable for the run
// and stops the server after. Use it from TestMain in packages with many
// S3 tests; a server that cannot be started fails the run.
func Main(m *testing.M) int {
	if os.Getenv(EnvURL) != "" {
		return m.Run()
	}
	srv, stop, err := startScript()
	if err != nil {
		fmt.Fprintln(os.Stderr, "S3 server:", err)
		return 1
	}
	defer stop()
	os.Setenv(EnvURL, srv.URL())
	return m.Run()
}

// URL is the server's DEPOT_TEST_S3_URL.
func (s Server) URL() string {
	return (&url.URL{Scheme: "http", User: url.UserPassword(s.AccessKey, s.SecretKey), Host: s.Endpoint}).String()
}

// Parse reads http://KEY:SECRET@HOST:PORT.
func Parse(raw string) (Server, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Server{}, err
	}
	if u.Scheme != "http" || u.Host == "" || u.User == nil {
		return Server{}, fmt.Errorf("%q: want http://KEY:SECRET@HOST:PORT", u.Redacted())
	}
	pw, _ := u.User.Password()
	return Server{Endpoint: u.Host, AccessKey: u.User.Username(), SecretKey: pw}, nil
}

// Client is an S3 client with the server's admin credentials.
func (s Server) Client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := minio.New(s.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatalf("s3 client: %v", err)
	}
	return c
}

// NewBucket creates an empty bucket for the test and removes it, with
// whatever the test left in it, when the test ends.
func (s Server) NewBucket(t testing.TB) string {
	t.Helper()
	c := s.Client(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "depot-test-" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		for obj := range c.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err == nil {
				_ = c.RemoveObject(ctx, name, obj.Key, minio.RemoveObjectOptions{})
			}
		}
		_ = c.RemoveBucket(ctx, name)
	})
	return name
}

// Store opens the blob store on bucket under prefix.
func (s Server) Store(t testing.TB, bucket, prefix string) *s3.Store {
	t.Helper()
	st, err := s3.New(context.Background(), s.Config(bucket, prefix))
	if err != nil {
		t.Fatalf("open s3 blob store: %v", err)
	}
	return st
}

// Config is the driver configuration for bucket and prefix.
func (s Server) Config(bucket, prefix string) s3.Config {
	return s3.Config{Endpoint: s.Endpoint, Bucket: bucket, Prefix: prefix, AccessKey: s.AccessKey, SecretKey: s.SecretKey}
}

// BlobURL is the DEPOT_BLOB_URL of bucket and prefix on this server.
func (s Server) BlobURL(bucket, prefix string) string {
	u := url.URL{
		Scheme:   "s3",
		User:     url.UserPassword(s.AccessKey, s.SecretKey),
		Host:     bucket,
		Path:     "/" + prefix,
		RawQuery: url.Values{"endpoint": {s.Endpoint}, "secure": {"false"}}.Encode(),
	}
	return u.String()
}

// startWeed starts a server for one test and stops it when the test ends.
func startWeed(t testing.TB) Server {
	t.Helper()
	srv, stop, err := startScript()
	if err != nil {
		t.Fatalf("S3 server: %v", err)
	}
	t.Cleanup(stop)
	return srv
}

// startScript runs scripts/s3-server.sh (which builds the pinned SeaweedFS
// into <repo>/.bin when missing) with its data in a temp folder, and waits
// until the server answers. stop ends the server and removes the folder.
func startScript() (srv Server, stop func(), err error) {
	root, err := repoRoot()
	if err != nil {
		return Server{}, nil, err
	}
	dir, err := os.MkdirTemp("", "depot-s3-")
	if err != nil {
		return Server{}, nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return Server{}, nil, err
	}
	cmd := exec.Command("sh", filepath.Join(root, "scripts", "s3-server.sh"), "run", dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return Server{}, nil, fmt.Errorf("starting the S3 server: %w", err)
	}
	// exited is closed when the server process ends; waitErr says how.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop = func() {
		// The script execs weed, so this is the server. Asked to stop, it
		// removes the sockets it keeps in /tmp.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logf.Close()
		os.RemoveAll(dir)
	}
	fail := func(err error) (Server, func(), error) {
		log, _ := os.ReadFile(logf.Name())
		stop()
		return Server{}, nil, fmt.Errorf("%w\n%s", err, log)
	}
	// The script writes the URL once the binary is there (a first build
	// takes minutes) and right before it starts the server.
	urlFile := filepath.Join(dir, "url")
	deadline := time.Now().Add(15 * time.Minute)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var raw []byte
	for {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			raw = b
			break
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("no URL in %s", urlFile))
		}
		select {
		case <-exited:
			return fail(fmt.Errorf("exited early: %v", waitErr))
		case <-tick.C:
		}
	}
	srv, err = Parse(strings.TrimSpace(string(raw)))
	if err != nil {
		return fail(err)
	}
	if err := WaitReady(srv, exited, 2*time.Minute); err != nil {
		return fail(err)
	}
	return srv, stop, nil
}

// WaitReady polls the server until it lists buckets, the process exits or
// the time is up.
func WaitReady(srv Server, exited <-chan struct{}, within time.Duration) error {
	c, err := minio.New(srv.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""),
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(within)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, last = c.ListBuckets(ctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("exited before answering")
		case <-tick.C:
		}
	}
	return fmt.Errorf("not answering on %s within %s: %v", srv.Endpoint, within, last)
}

// repoRoot walks up from the working directory to the folder of go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
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
