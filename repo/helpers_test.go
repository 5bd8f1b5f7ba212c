package repo_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob/memory"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/repo"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// One signing key for the whole test binary: generating 2048-bit keys is
// the slowest thing these tests would otherwise do.
var (
	keyOnce sync.Once
	theKeys *repo.Keys
	keyErr  error
)

func testKeys(t testing.TB) *repo.Keys {
	t.Helper()
	keyOnce.Do(func() {
		k, err := hexrepo.GenerateKey()
		if err != nil {
			keyErr = err
			return
		}
		theKeys, keyErr = repo.NewKeys(k)
	})
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	return theKeys
}

// repoEnv is a registry with a repository handler in front of it.
type repoEnv struct {
	t       *testing.T
	db      *store.DB
	svc     *registry.Service
	keys    *repo.Keys
	handler http.Handler
}

func newRepoEnv(t *testing.T) *repoEnv {
	t.Helper()
	db := testdb.Open(t)
	blobs := memory.New()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	svc := &registry.Service{DB: db.Client, Blobs: blobs, Now: func() time.Time { return now }, PublicRepository: testdb.PublicRepository}
	keys := testKeys(t)
	h := repo.NewHandler(svc, keys, repo.TarballHandler(svc, blobs))
	return &repoEnv{t: t, db: db, svc: svc, keys: keys, handler: h}
}

func sys() context.Context { return viewer.System(context.Background()) }

func (e *repoEnv) user(name string) *ent.User {
	e.t.Helper()
	u, err := e.db.User.Create().SetUsername(name).SetEmail(name + "@example.com").SetPasswordHash("x").Save(sys())
	if err != nil {
		e.t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

// org creates an organization with its private repository and makes u an
// admin; it returns the membership for viewers.
func (e *repoEnv) org(name string, u *ent.User) viewer.Org {
	e.t.Helper()
	o, err := e.db.Organization.Create().SetName(name).Save(sys())
	if err != nil {
		e.t.Fatalf("create org %s: %v", name, err)
	}
	if err := e.db.Repository.Create().SetName(name).SetOrganizationID(o.ID).Exec(sys()); err != nil {
		e.t.Fatalf("create repository %s: %v", name, err)
	}
	if err := e.db.Membership.Create().SetOrganizationID(o.ID).SetUserID(u.ID).SetRole(membership.RoleADMIN).Exec(sys()); err != nil {
		e.t.Fatalf("add member: %v", err)
	}
	return viewer.Org{ID: o.ID, Name: name, Role: viewer.RoleAdmin, Entitled: true}
}

func as(u *ent.User, orgs ...viewer.Org) *viewer.Viewer {
	return &viewer.Viewer{UserID: u.ID, Username: u.Username, Orgs: orgs}
}

// publish publishes name@version into repository ("" public) as v.
func (e *repoEnv) publish(v *viewer.Viewer, repository, name, version string, deps ...hextar.Requirement) *ent.Release {
	e.t.Helper()
	meta := hextar.Metadata{
		Name: name, Version: version, App: name, Description: "the " + name + " package",
		Licenses: []string{"MIT"}, Requirements: deps, BuildTools: []string{"rebar3"},
		Files: []string{"src/" + name + ".erl"},
	}
	files := []hextar.File{{Name: "src/" + name + ".erl", Data: []byte("-module(" + name + ").\n%% " + version + "\n")}}
	tb, _, _, err := hextar.Create(meta, files)
	if err != nil {
		e.t.Fatalf("build %s %s: %v", name, version, err)
	}
	ctx := viewer.NewContext(context.Background(), v)
	rel, _, err := e.svc.Publish(ctx, registry.PublishInput{Tarball: bytes.NewReader(tb), Repository: repository})
	if err != nil {
		e.t.Fatalf("publish %s %s: %v", name, version, err)
	}
	return rel
}

// response is one answer of the handler.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get requests path as v (nil: anonymous) with optional request headers
// given as name, value pairs.
func (e *repoEnv) get(v *viewer.Viewer, method, path string, headers ...string) response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if v != nil {
		req = req.WithContext(viewer.NewContext(req.Context(), v))
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}
