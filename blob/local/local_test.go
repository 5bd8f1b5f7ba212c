package local_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/blobtest"
	"github.com/depot-registry/depot/blob/local"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newStore(t, t.TempDir()) })
}

func newStore(t *testing.T, dir string) *local.Store {
	t.Helper()
	s, err := local.New(dir)
	if err != nil {
		t.Fatalf("New(%s): %v", dir, err)
	}
	return s
}

func TestFanOutLayout(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	ref, err := s.Put(context.Background(), bytes.NewReader([]byte("layout")))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	want := filepath.Join(dir, ref.Key[:2], ref.Key[2:4], ref.Key)
	got, err := os.ReadFile(want)
	if err != nil {
		t.Fatalf("blob not at %s: %v", want, err)
	}
	if string(got) != "layout" {
		t.Errorf("%s holds %q, want %q", want, got, "layout")
	}
}

// TestTempFilesRemoved checks the disk itself, below what the conformance
// suite can see through the Store interface.
func TestTempFilesRemoved(t *testing.T) {
	boom := errors.New("client went away")
	tests := []struct {
		name string
		ctx  func() context.Context
		r    io.Reader
	}{
		{"failing reader", context.Background, io.MultiReader(bytes.NewReader(make([]byte, 100_000)), &errReader{boom})},
		{"successful put", context.Background, bytes.NewReader([]byte("ok"))},
		{"duplicate put", context.Background, bytes.NewReader([]byte("ok"))},
		{"cancelled", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, bytes.NewReader([]byte("never"))},
	}
	dir := t.TempDir()
	s := newStore(t, dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _ = s.Put(tt.ctx(), tt.r) // outcomes are covered by the conformance suite
			entries, err := os.ReadDir(filepath.Join(dir, ".tmp"))
			if err != nil {
				t.Fatalf("read temp folder: %v", err)
			}
			for _, e := range entries {
				t.Errorf("temp file left behind: %s", e.Name())
			}
		})
	}
}

// TestSweepTempsRemovesOnlyStale: New leaves temp files alone (the server
// sweeps them, counting), and SweepTemps removes only those older than the
// cutoff.
func TestSweepTempsRemovesOnlyStale(t *testing.T) {
	dir := t.TempDir()
	newStore(t, dir)
	tmp := filepath.Join(dir, ".tmp")
	stale := filepath.Join(tmp, "put-crashed")
	fresh := filepath.Join(tmp, "put-in-progress")
	other := filepath.Join(tmp, "not-ours")
	for _, p := range []string{stale, fresh, other} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, p := range []string{stale, other} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	s := newStore(t, dir)
	if _, err := os.Stat(stale); err != nil {
		t.Fatalf("New removed a temp file: %v", err)
	}
	n, err := s.SweepTemps(context.Background(), time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("SweepTemps = %d, %v, want 1, nil", n, err)
	}
	tests := []struct {
		path string
		want bool
	}{
		{stale, false},
		{fresh, true}, // another process may still be writing it
		{other, true}, // not a name Put uses
	}
	for _, tt := range tests {
		_, err := os.Stat(tt.path)
		if got := err == nil; got != tt.want {
			t.Errorf("%s exists = %v, want %v (stat: %v)", filepath.Base(tt.path), got, tt.want, err)
		}
	}
}

// TestPutAgainRefreshesTime: storing known content again makes the blob
// young, so a sweep that listed it as old leaves it to the publish that
// just uploaded it.
func TestPutAgainRefreshesTime(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	ctx := context.Background()
	content := []byte("uploaded twice")
	ref, err := s.Put(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, ref.Key[:2], ref.Key[2:4], ref.Key), old, old); err != nil {
		t.Fatal(err)
	}
	cutoff := time.Now().Add(-time.Hour)
	if _, err := s.Put(ctx, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	for got, err := range s.List(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if got.ModTime.Before(cutoff) {
			t.Fatalf("after a second Put, ModTime = %v, want after %v", got.ModTime, cutoff)
		}
	}
	deleted, err := s.DeleteOlder(ctx, ref.Key, cutoff)
	if err != nil || deleted {
		t.Fatalf("DeleteOlder = %v, %v, want false, nil", deleted, err)
	}
	if ok, _ := s.Exists(ctx, ref.Key); !ok {
		t.Fatal("the blob stored again was deleted")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, ".tmp"))
	for _, e := range entries {
		t.Errorf("left in the temp folder: %s", e.Name())
	}
}

func TestNewRefusesBadFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"", file} {
		if _, err := local.New(dir); err == nil {
			t.Errorf("New(%q) succeeded, want an error", dir)
		}
	}
}

// TestPutStreams checks that a 20 MiB Put allocates far less than 20 MiB,
// i.e. the content goes to disk as it arrives instead of into memory.
func TestPutStreams(t *testing.T) {
	s := newStore(t, t.TempDir())
	const size = 20 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := s.Put(context.Background(), io.LimitReader(zeros{}, size)); err != nil {
		t.Fatalf("Put: %v", err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/4 {
		t.Fatalf("Put of %d bytes allocated %d bytes; it should stream", size, alloc)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }
