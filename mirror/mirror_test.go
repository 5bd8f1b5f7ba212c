package mirror_test

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/memory"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/internal/testdb"
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
	url      string
	key      *rsa.PublicKey
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
	f.url, f.key = srv.URL, &key.PublicKey
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	return f, f.service(testdb.Open(t).Client, memory.New(), &now), &now
}

// service is one instance's mirror of f over a cache (database and blob
// store), which several instances may share.
func (f *fakeUpstream) service(db *ent.Client, blobs blob.Store, now *time.Time) *mirror.Service {
	return &mirror.Service{
		Upstreams:  []mirror.Upstream{{Name: "hexpm", URL: f.url, Key: f.key}},
		DB:         db,
		Blobs:      blobs,
		MaxAge:     10 * time.Minute,
		AllowLocal: map[string]bool{"jason_local": true},
		Now:        func() time.Time { return *now },
	}
}

func (f *fakeUpstream) countPath(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.URL.Path == path {
			n++
		}
	}
	return n
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

// Two instances over one database and blob store share the cache: what
// one fetched the other serves without asking the upstream, a
// revalidation by one keeps the package fresh for both, and a name the
// upstream lacks is asked once for all.
func TestCacheSharedByInstances(t *testing.T) {
	f, _, now := newFake(t)
	db, blobs := testdb.Open(t).Client, memory.New()
	a, b := f.service(db, blobs, now), f.service(db, blobs, now)
	ctx := context.Background()
	read := func(m *mirror.Service) string {
		t.Helper()
		body, _, _, err := m.Tarball(ctx, "jason", "1.4.0")
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	if got := read(a); got != string(f.tarball) {
		t.Fatalf("first instance's tarball %q", got)
	}
	if got := read(b); got != string(f.tarball) {
		t.Fatalf("second instance's tarball %q", got)
	}
	if n, m := f.countPath("/packages/jason"), f.countPath("/tarballs/jason-1.4.0.tar"); n != 1 || m != 1 {
		t.Fatalf("upstream asked %d times for the package and %d for the tarball, want once each", n, m)
	}
	if h, m := b.Stats.Hits.Load(), b.Stats.Misses.Load(); h != 2 || m != 0 {
		t.Errorf("second instance: %d hits, %d misses, want 2 and 0", h, m)
	}

	*now = now.Add(11 * time.Minute)
	if _, err := b.Package(ctx, "jason"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Package(ctx, "jason"); err != nil {
		t.Fatal(err)
	}
	if n := f.countPath("/packages/jason"); n != 2 || b.Stats.Revalidations.Load() != 1 || a.Stats.Revalidations.Load() != 0 {
		t.Errorf("%d package requests, revalidations %d and %d: want one revalidation by the second instance serving both",
			n, b.Stats.Revalidations.Load(), a.Stats.Revalidations.Load())
	}

	for _, m := range []*mirror.Service{a, b} {
		if _, err := m.Package(ctx, "nope"); !errors.Is(err, mirror.ErrNotFound) {
			t.Fatalf("missing package: %v", err)
		}
	}
	if n := f.countPath("/packages/nope"); n != 1 {
		t.Errorf("a missing name was asked %d times, want once for both instances", n)
	}
	cached, err := b.Cached(ctx)
	if err != nil || len(cached) != 1 || cached[0].Name != "jason" || !cached[0].FetchedAt.Equal(*now) {
		t.Errorf("Cached = %+v, %v; want jason fetched at %v", cached, err, *now)
	}
}

// A row that no longer verifies is never served: it is fetched again
// from scratch (no If-None-Match) and replaced by the upstream's payload.
func TestDamagedRowRefetched(t *testing.T) {
	f, m, _ := newFake(t)
	ctx := context.Background()
	if _, err := m.Package(ctx, "jason"); err != nil {
		t.Fatal(err)
	}
	if err := m.DB.MirroredPackage.Update().SetPayload([]byte("garbage")).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if p, err := m.Package(ctx, "jason"); err != nil || len(p.Releases) != 1 {
		t.Fatalf("package after damage: %+v %v", p, err)
	}
	if n := f.count(); n != 2 || f.requests[1].Header.Get("If-None-Match") != "" {
		t.Errorf("%d requests (second with If-None-Match %q), want a plain refetch", n, f.requests[1].Header.Get("If-None-Match"))
	}
	row, err := m.DB.MirroredPackage.Query().Only(ctx)
	if err != nil || string(row.Payload) != string(f.body) {
		t.Errorf("row not repaired: %v", err)
	}
}

// A payload signed with another key, and a tarball whose bytes do not
// match the signed checksum, are refused and leave no row and no blob.
func TestRefusedAnswersStoreNothing(t *testing.T) {
	ctx := context.Background()
	stored := func(t *testing.T, m *mirror.Service) (pkgs, tars, blobs int) {
		t.Helper()
		pkgs = m.DB.MirroredPackage.Query().CountX(ctx)
		tars = m.DB.MirroredTarball.Query().CountX(ctx)
		for _, err := range m.Blobs.(blob.Lister).List(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			blobs++
		}
		return pkgs, tars, blobs
	}
	t.Run("bad signature", func(t *testing.T) {
		f, m, _ := newFake(t)
		other, err := hexrepo.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		m.Upstreams[0].Key = &other.PublicKey
		if _, err := m.Package(ctx, "jason"); !errors.Is(err, mirror.ErrUnavailable) {
			t.Fatalf("badly signed package: %v, want ErrUnavailable", err)
		}
		if _, _, _, err := m.Tarball(ctx, "jason", "1.4.0"); !errors.Is(err, mirror.ErrUnavailable) {
			t.Fatalf("tarball of a badly signed package: %v", err)
		}
		if p, tb, b := stored(t, m); p+tb+b != 0 || f.countPath("/tarballs/jason-1.4.0.tar") != 0 {
			t.Errorf("stored %d packages, %d tarball rows, %d blobs after a refused payload", p, tb, b)
		}
	})
	t.Run("changed tarball", func(t *testing.T) {
		f, m, _ := newFake(t)
		f.tarball = []byte("other bytes upstream")
		if _, _, _, err := m.Tarball(ctx, "jason", "1.4.0"); !errors.Is(err, mirror.ErrUnavailable) {
			t.Fatalf("changed tarball: %v, want ErrUnavailable", err)
		}
		if p, tb, b := stored(t, m); p != 1 || tb+b != 0 {
			t.Errorf("stored %d packages, %d tarball rows, %d blobs; want only the package", p, tb, b)
		}
		if n := m.Stats.UpstreamErrors.Load(); n != 1 {
			t.Errorf("upstream errors %d, want 1", n)
		}
	})
}
