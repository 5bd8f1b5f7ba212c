// Package docshosttest sets up the docs service over a throwaway database
// and an in-memory blob store, for the tests of the service (docshost) and
// of its HTTP front (docsweb).
package docshosttest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob/memory"
	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// Entry is one tar entry of a test docs tarball.
type Entry struct {
	Name string
	Body string
	Typ  byte // 0: regular file
	Link string
}

// Tar is a gzipped docs tarball of entries, in their order.
func Tar(t testing.TB, entries ...Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Mode: 0o644, Typeflag: e.Typ, Linkname: e.Link, ModTime: time.Unix(0, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.Body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Simple is a valid docs tarball whose index says which version.
func Simple(t testing.TB, label string) []byte {
	return Tar(t,
		Entry{Name: "index.html", Body: "<h1>" + label + "</h1>"},
		Entry{Name: "guides/", Typ: tar.TypeDir},
		Entry{Name: "guides/index.html", Body: "guide " + label},
		Entry{Name: "dist/app.js", Body: "console.log(document.cookie)"},
		Entry{Name: "dist/app.css", Body: "body{}"},
		Entry{Name: "Kernel.html", Body: "upper"},
		Entry{Name: "search.json", Body: "{}"},
	)
}

// Env is a registry and a docs service over one database and blob store,
// with the clock stood still.
type Env struct {
	T     *testing.T
	DB    *store.DB
	Blobs *memory.Store
	Reg   *registry.Service
	Docs  *docshost.Service
	// Commits counts the docs service's after-commit calls.
	Commits int
}

// New opens a throwaway database (SQLite, or PostgreSQL when the test
// environment names one) and builds the services over it.
func New(t *testing.T) *Env {
	t.Helper()
	db := testdb.Open(t)
	blobs := memory.New()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := &Env{T: t, DB: db, Blobs: blobs}
	e.Reg = &registry.Service{DB: db.Client, Blobs: blobs, Now: clock, PublicRepository: testdb.PublicRepository}
	e.Docs = &docshost.Service{DB: db.Client, Blobs: blobs, Registry: e.Reg, Now: clock,
		AfterCommit: func(context.Context) { e.Commits++ }}
	return e
}

// Sys is the system viewer's context.
func Sys() context.Context { return viewer.System(context.Background()) }

// As is u's context, a member of orgs.
func As(u *ent.User, orgs ...viewer.Org) context.Context {
	return viewer.NewContext(context.Background(), &viewer.Viewer{UserID: u.ID, Username: u.Username, Orgs: orgs})
}

// User creates a user.
func (e *Env) User(name string) *ent.User {
	e.T.Helper()
	u, err := e.DB.User.Create().SetUsername(name).SetEmail(name + "@example.com").SetPasswordHash("x").Save(Sys())
	if err != nil {
		e.T.Fatal(err)
	}
	return u
}

// Org creates an entitled organization with its repository, u its admin.
func (e *Env) Org(name string, u *ent.User) viewer.Org {
	e.T.Helper()
	o, err := e.DB.Organization.Create().SetName(name).Save(Sys())
	if err != nil {
		e.T.Fatal(err)
	}
	if err := e.DB.Repository.Create().SetName(name).SetOrganizationID(o.ID).Exec(Sys()); err != nil {
		e.T.Fatal(err)
	}
	if err := e.DB.Membership.Create().SetOrganizationID(o.ID).SetUserID(u.ID).SetRole(membership.RoleADMIN).Exec(Sys()); err != nil {
		e.T.Fatal(err)
	}
	return viewer.Org{ID: o.ID, Name: name, Role: viewer.RoleAdmin, Entitled: true}
}

// Publish publishes a one-module release of name in repo ("" public).
func (e *Env) Publish(ctx context.Context, repo, name, version string) *ent.Release {
	e.T.Helper()
	tb, _, _, err := hextar.Create(hextar.Metadata{
		Name: name, Version: version, App: name, Description: "d", Licenses: []string{"MIT"}, BuildTools: []string{"rebar3"},
	}, []hextar.File{{Name: "src/" + name + ".erl", Data: []byte("-module(" + name + ").\n")}})
	if err != nil {
		e.T.Fatal(err)
	}
	rel, _, err := e.Reg.Publish(ctx, registry.PublishInput{Tarball: bytes.NewReader(tb), Repository: repo})
	if err != nil {
		e.T.Fatalf("publish %s %s: %v", name, version, err)
	}
	return rel
}

// BlobCount is how many blobs the store holds.
func (e *Env) BlobCount() int {
	e.T.Helper()
	n := 0
	for _, err := range e.Blobs.List(context.Background()) {
		if err != nil {
			e.T.Fatal(err)
		}
		n++
	}
	return n
}
