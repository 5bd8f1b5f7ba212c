package repo_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob/memory"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/repo"
	"github.com/depot-registry/depot/viewer"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var migrating sync.Mutex

type env struct {
	svc     *registry.Service
	handler http.Handler
	now     time.Time
	member  *viewer.Viewer
}

func setup(t *testing.T) (*env, map[string][]byte) {
	t.Helper()
	migrating.Lock() // Ent's migration mutates package-level state
	db := testdb.Open(t)
	migrating.Unlock()
	blobs := memory.New()
	e := &env{now: t0}
	e.svc = &registry.Service{DB: db.Client, Blobs: blobs, Now: func() time.Time { return e.now }, PublicRepository: testdb.PublicRepository}
	e.handler = repo.TarballHandler(e.svc, blobs)

	sys := viewer.System(context.Background())
	u := db.User.Create().SetUsername("alice").SetEmail("a@example.com").SetPasswordHash("x").SaveX(sys)
	o := db.Organization.Create().SetName("acme").SaveX(sys)
	db.Repository.Create().SetName("acme").SetOrganizationID(o.ID).ExecX(sys)
	db.Membership.Create().SetOrganizationID(o.ID).SetUserID(u.ID).SetRole(membership.RoleWRITE).ExecX(sys)
	e.member = &viewer.Viewer{UserID: u.ID, Username: "alice", Orgs: []viewer.Org{{ID: o.ID, Name: "acme", Role: viewer.RoleWrite, Entitled: true}}}
	ctx := viewer.NewContext(context.Background(), e.member)

	published := map[string][]byte{}
	for _, p := range []struct{ repo, name, version string }{
		{"", "foo", "1.0.0"},
		{"", "foo", "1.0.0-rc-1"},
		{"acme", "secret", "1.0.0"},
	} {
		tb, _, _, err := hextar.Create(hextar.Metadata{Name: p.name, Version: p.version, Licenses: []string{"MIT"}, Description: "d"},
			[]hextar.File{{Name: "lib/a.ex", Data: []byte(p.name + p.version)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Publish(ctx, registry.PublishInput{Tarball: bytes.NewReader(tb), Repository: p.repo}); err != nil {
			t.Fatal(err)
		}
		published[p.repo+"/"+p.name+"-"+p.version] = tb
	}
	return e, published
}

func (e *env) get(method, path string, v *viewer.Viewer, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	if v != nil {
		req = req.WithContext(viewer.NewContext(req.Context(), v))
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

func TestTarballRoundTrip(t *testing.T) {
	t.Parallel()
	e, published := setup(t)
	tests := []struct {
		path, key string
		viewer    *viewer.Viewer
		cache     string
	}{
		{"/tarballs/foo-1.0.0.tar", "/foo-1.0.0", nil, "public, max-age=60, must-revalidate"},
		{"/tarballs/foo-1.0.0-rc-1.tar", "/foo-1.0.0-rc-1", nil, "public, max-age=60, must-revalidate"},
		{"/repos/acme/tarballs/secret-1.0.0.tar", "acme/secret-1.0.0", e.member, "private, no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := e.get(http.MethodGet, tt.path, tt.viewer, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			body := rec.Body.Bytes()
			if !bytes.Equal(body, published[tt.key]) {
				t.Fatal("served bytes differ from the published tarball")
			}
			sum := sha256.Sum256(body)
			rel, err := e.svc.Release(viewer.NewContext(context.Background(), e.member), map[bool]string{true: "acme"}[tt.viewer != nil], nameOf(tt.key), versionOf(tt.key))
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(sum[:]) != rel.OuterChecksum {
				t.Errorf("SHA-256 of the body %x != outer checksum %s", sum, rel.OuterChecksum)
			}
			h := rec.Header()
			want := map[string]string{
				"ETag":           `"` + rel.OuterChecksum + `"`,
				"Cache-Control":  tt.cache,
				"Content-Length": itoa(len(body)),
				"Content-Type":   "application/octet-stream",
			}
			for k, v := range want {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
			// Revalidation answers 304 with no body and counts nothing.
			rec = e.get(http.MethodGet, tt.path, tt.viewer, http.Header{"If-None-Match": {`"nope", ` + h.Get("ETag")}})
			if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") == "" {
				t.Errorf("revalidation: status %d, %d bytes", rec.Code, rec.Body.Len())
			}
			rec = e.get(http.MethodHead, tt.path, tt.viewer, nil)
			if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != itoa(len(body)) {
				t.Errorf("HEAD: status %d, %d bytes, length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
			}
		})
	}
	// One GET each was a download; 304s and HEADs were not.
	if err := e.svc.FlushDownloads(context.Background()); err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Package(context.Background(), "", "foo")
	if err != nil {
		t.Fatal(err)
	}
	if p.Downloads != 2 {
		t.Errorf("downloads of foo = %d, want 2", p.Downloads)
	}
}

func TestTarballCacheAfterWindow(t *testing.T) {
	t.Parallel()
	e, _ := setup(t)
	e.now = t0.Add(25 * time.Hour)
	rec := e.get(http.MethodGet, "/tarballs/foo-1.0.0.tar", nil, nil)
	if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", got)
	}
}

func TestTarballNotFound(t *testing.T) {
	t.Parallel()
	e, _ := setup(t)
	outsider := &viewer.Viewer{UserID: 999, Username: "mallory"}
	lapsed := &viewer.Viewer{UserID: e.member.UserID, Orgs: []viewer.Org{{ID: e.member.Orgs[0].ID, Name: "acme", Role: viewer.RoleWrite}}}
	tests := []struct {
		name, method, path string
		viewer             *viewer.Viewer
		want               int
	}{
		{"private, anonymous", http.MethodGet, "/repos/acme/tarballs/secret-1.0.0.tar", nil, 404},
		{"private, non-member: same as missing", http.MethodGet, "/repos/acme/tarballs/secret-1.0.0.tar", outsider, 404},
		{"private, lapsed organization", http.MethodGet, "/repos/acme/tarballs/secret-1.0.0.tar", lapsed, 404},
		{"private package asked in the public repository", http.MethodGet, "/tarballs/secret-1.0.0.tar", e.member, 404},
		{"missing version", http.MethodGet, "/tarballs/foo-9.9.9.tar", nil, 404},
		{"missing package", http.MethodGet, "/tarballs/bar-1.0.0.tar", nil, 404},
		{"unknown repository", http.MethodGet, "/repos/nope/tarballs/foo-1.0.0.tar", nil, 404},
		{"no version", http.MethodGet, "/tarballs/foo.tar", nil, 404},
		{"not a tar", http.MethodGet, "/tarballs/foo-1.0.0.zip", nil, 404},
		{"nested path", http.MethodGet, "/tarballs/x/foo-1.0.0.tar", nil, 404},
		{"POST", http.MethodPost, "/tarballs/foo-1.0.0.tar", nil, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if rec := e.get(tt.method, tt.path, tt.viewer, nil); rec.Code != tt.want {
				t.Errorf("status %d, want %d", rec.Code, tt.want)
			}
		})
	}
}

func nameOf(key string) string {
	_, file := cut(key, "/")
	n, _ := cut(file, "-")
	return n
}

func versionOf(key string) string {
	_, file := cut(key, "/")
	_, v := cut(file, "-")
	return v
}

func cut(s, sep string) (string, string) {
	a, b, _ := strings.Cut(s, sep)
	return a, b
}

func itoa(n int) string { return strconv.Itoa(n) }
