package repo_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/repo"
	"github.com/depot-registry/depot/viewer"
)

// fakeRedirector presigns blob.memory's blobs with a made-up URL.
type fakeRedirector struct {
	blob.Store
	fail bool
}

func (f fakeRedirector) Presign(_ context.Context, key string, ttl time.Duration, _ url.Values) (*url.URL, error) {
	if f.fail {
		return nil, context.DeadlineExceeded
	}
	return url.Parse("http://store.invalid/" + key + "?ttl=" + ttl.String())
}

func (f fakeRedirector) ETag(context.Context, string) (string, error) { return `"store-etag"`, nil }

// In redirect mode a full GET is a 302 that no cache keeps and that counts
// the download; conditional requests with Depot's or the store's ETag get
// 304s; HEAD and a store that cannot presign fall back to answering here.
func TestTarballRedirect(t *testing.T) {
	e, published := setup(t)
	const path = "/tarballs/foo-1.0.0.tar"
	key := blob.KeyOf(published["/foo-1.0.0"])
	checksum := key // the outer checksum is the SHA-256 of the tarball
	downloads := func() int64 {
		t.Helper()
		if err := e.svc.FlushDownloads(context.Background()); err != nil {
			t.Fatal(err)
		}
		rel, err := e.svc.Release(viewer.NewContext(context.Background(), e.member), "", "foo", "1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		return rel.Downloads
	}
	tests := []struct {
		name       string
		method     string
		fail       bool
		header     http.Header
		wantStatus int
		wantCount  int64
	}{
		{"GET redirects", http.MethodGet, false, nil, http.StatusFound, 1},
		{"Depot's ETag", http.MethodGet, false, http.Header{"If-None-Match": {`"` + checksum + `"`}}, http.StatusNotModified, 0},
		{"the store's ETag", http.MethodGet, false, http.Header{"If-None-Match": {`"store-etag"`}}, http.StatusNotModified, 0},
		{"another ETag", http.MethodGet, false, http.Header{"If-None-Match": {`"other"`}}, http.StatusFound, 1},
		{"HEAD is answered here", http.MethodHead, false, nil, http.StatusOK, 0},
		{"presign fails: streamed", http.MethodGet, true, nil, http.StatusOK, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.handler = repo.TarballHandler(e.svc, fakeRedirector{Store: e.svc.Blobs, fail: tt.fail}, repo.RedirectFor(10*time.Minute))
			before := downloads()
			rec := e.get(tt.method, path, nil, tt.header)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := downloads() - before; got != tt.wantCount {
				t.Errorf("downloads counted: %d, want %d", got, tt.wantCount)
			}
			if rec.Code == http.StatusFound {
				if loc := rec.Header().Get("Location"); loc != "http://store.invalid/"+key+"?ttl=10m0s" {
					t.Errorf("Location %q", loc)
				}
				if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control %q, want no-store", cc)
				}
			}
		})
	}
}
