package mirror_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/mirror"
)

// fakeUpstream serves one signed package ("jason") with ETags and records
// every request.
type fakeUpstream struct {
	mu       sync.Mutex
	requests []*http.Request
	body     []byte
	etag     string
	tarball  []byte
}

func newFake(t *testing.T) (*fakeUpstream, *mirror.Service, *time.Time) {
	t.Helper()
	key, err := hexrepo.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeUpstream{tarball: []byte("pretend tarball bytes"), etag: `"v1"`}
	outer := sha256.Sum256(f.tarball)
	inner := sha256.Sum256([]byte("inner"))
	f.body, err = hexrepo.EncodePackageSigned(hexrepo.Package{Name: "jason", Repository: "hexpm", Releases: []hexrepo.Release{
		{Version: "1.4.0", InnerChecksum: inner[:], OuterChecksum: outer[:]},
	}}, key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r)
		f.mu.Unlock()
		switch r.URL.Path {
		case "/packages/jason":
			w.Header().Set("ETag", f.etag)
			if r.Header.Get("If-None-Match") == f.etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			_, _ = w.Write(f.body)
		case "/tarballs/jason-1.4.0.tar":
			_, _ = w.Write(f.tarball)
		default:
			http.Error(w, "no", http.StatusForbidden) // repo.hex.pm's answer for a missing object
		}
	}))
	t.Cleanup(srv.Close)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	m := &mirror.Service{
		Upstreams:  []mirror.Upstream{{Name: "hexpm", URL: srv.URL, Key: &key.PublicKey}},
		Dir:        t.TempDir(),
		MaxAge:     10 * time.Minute,
		AllowLocal: map[string]bool{"jason_local": true},
		Now:        func() time.Time { return now },
	}
	return f, m, &now
}

func (f *fakeUpstream) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// A cached package is served without asking the upstream until MaxAge,
// then revalidated with its ETag; a missing package is remembered too.
func TestCacheAndRevalidate(t *testing.T) {
	f, m, now := newFake(t)
	ctx := context.Background()
	for range 3 {
		p, err := m.Package(ctx, "jason")
		if err != nil || p.Repository != "hexpm" || len(p.Releases) != 1 {
			t.Fatalf("package: %+v %v", p, err)
		}
	}
	if n := f.count(); n != 1 {
		t.Fatalf("%d upstream requests for three fresh reads, want 1", n)
	}
	*now = now.Add(11 * time.Minute)
	if _, err := m.Package(ctx, "jason"); err != nil {
		t.Fatal(err)
	}
	if got := f.requests[1].Header.Get("If-None-Match"); got != `"v1"` || m.Stats.Revalidations.Load() != 1 {
		t.Errorf("revalidation sent If-None-Match %q, counted %d", got, m.Stats.Revalidations.Load())
	}

	for range 2 {
		if _, err := m.Package(ctx, "nope"); !errors.Is(err, mirror.ErrNotFound) {
			t.Fatalf("missing package: %v", err)
		}
	}
	if n := f.count(); n != 3 {
		t.Errorf("%d upstream requests, want 3 (a missing name is asked once per MaxAge)", n)
	}

	// Tarballs: fetched once, verified, then from the cache.
	for range 2 {
		body, size, outer, err := m.Tarball(ctx, "jason", "1.4.0")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(body)
		body.Close()
		if string(b) != string(f.tarball) || size != int64(len(b)) || outer == "" {
			t.Fatalf("tarball %q %d %q", b, size, outer)
		}
	}
	if n := f.count(); n != 4 {
		t.Errorf("%d upstream requests after two tarball reads, want 4", n)
	}
	if _, _, _, err := m.Tarball(ctx, "jason", "9.0.0"); !errors.Is(err, mirror.ErrNotFound) {
		t.Errorf("unknown version: %v", err)
	}
	if _, err := m.Package(ctx, "../etc"); !errors.Is(err, mirror.ErrNotFound) {
		t.Errorf("invalid name reached the upstream: %v", err)
	}
}

// Guard: an upstream name is a CONFLICT unless allowed; an unknown name
// passes; an allow-list limits what the upstream serves (and guards).
func TestGuard(t *testing.T) {
	_, m, _ := newFake(t)
	ctx := context.Background()
	if err := m.Guard(ctx, "jason"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("upstream name: %v, want CONFLICT", err)
	}
	if err := m.Guard(ctx, "brand_new"); err != nil {
		t.Errorf("unknown name: %v", err)
	}
	m.AllowLocal["jason"] = true
	if err := m.Guard(ctx, "jason"); err != nil {
		t.Errorf("allowed name: %v", err)
	}
	_, m2, _ := newFake(t)
	m2.Upstreams[0].Allow = map[string]bool{"plug": true}
	if _, err := m2.Package(ctx, "jason"); !errors.Is(err, mirror.ErrNotFound) {
		t.Errorf("a name outside the allow-list was mirrored: %v", err)
	}
	if err := m2.Guard(ctx, "jason"); err != nil {
		t.Errorf("a name outside the allow-list is not upstream's: %v", err)
	}
}
