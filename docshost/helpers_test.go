package docshost_test

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

// entry is one tar entry of a test docs tarball.
type entry struct {
	name string
	body string
	typ  byte // 0: regular file
	link string
}

func docsTar(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typ, Linkname: e.link, ModTime: time.Unix(0, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
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

// simpleDocs is a valid docs tarball whose index says which version.
func simpleDocs(t testing.TB, label string) []byte {
	return docsTar(t,
		entry{name: "index.html", body: "<h1>" + label + "</h1>"},
		entry{name: "guides/", typ: tar.TypeDir},
		entry{name: "guides/index.html", body: "guide " + label},
		entry{name: "dist/app.js", body: "console.log(document.cookie)"},
		entry{name: "dist/app.css", body: "body{}"},
		entry{name: "Kernel.html", body: "upper"},
		entry{name: "search.json", body: "{}"},
	)
}

type docsEnv struct {
	t       *testing.T
	db      *store.DB
	blobs   *memory.Store
	reg     *registry.Service
	docs    *docshost.Service
	commits int
}

func newDocsEnv(t *testing.T) *docsEnv {
	t.Helper()
	db := testdb.Open(t)
	blobs := memory.New()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := &docsEnv{t: t, db: db, blobs: blobs}
	e.reg = &registry.Service{DB: db.Client, Blobs: blobs, Now: clock, PublicRepository: testdb.PublicRepository}
	e.docs = &docshost.Service{DB: db.Client, Blobs: blobs, Registry: e.reg, Now: clock,
		AfterCommit: func(context.Context) { e.commits++ }}
	return e
}

func sys() context.Context { return viewer.System(context.Background()) }

func (e *docsEnv) user(name string) *ent.User {
	e.t.Helper()
	u, err := e.db.User.Create().SetUsername(name).SetEmail(name + "@example.com").SetPasswordHash("x").Save(sys())
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *docsEnv) org(name string, u *ent.User) viewer.Org {
	e.t.Helper()
	o, err := e.db.Organization.Create().SetName(name).Save(sys())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.Repository.Create().SetName(name).SetOrganizationID(o.ID).Exec(sys()); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.Membership.Create().SetOrganizationID(o.ID).SetUserID(u.ID).SetRole(membership.RoleADMIN).Exec(sys()); err != nil {
		e.t.Fatal(err)
	}
	return viewer.Org{ID: o.ID, Name: name, Role: viewer.RoleAdmin, Entitled: true}
}

func as(u *ent.User, orgs ...viewer.Org) context.Context {
	return viewer.NewContext(context.Background(), &viewer.Viewer{UserID: u.ID, Username: u.Username, Orgs: orgs})
}

func (e *docsEnv) publish(ctx context.Context, repo, name, version string) *ent.Release {
	e.t.Helper()
	tb, _, _, err := hextar.Create(hextar.Metadata{
		Name: name, Version: version, App: name, Description: "d", Licenses: []string{"MIT"}, BuildTools: []string{"rebar3"},
	}, []hextar.File{{Name: "src/" + name + ".erl", Data: []byte("-module(" + name + ").\n")}})
	if err != nil {
		e.t.Fatal(err)
	}
	rel, _, err := e.reg.Publish(ctx, registry.PublishInput{Tarball: bytes.NewReader(tb), Repository: repo})
	if err != nil {
		e.t.Fatalf("publish %s %s: %v", name, version, err)
	}
	return rel
}

// read is the file name of the docs of one release as the service finds
// and reads them ("" with a NOT_FOUND error when there are none).
func (e *docsEnv) read(ctx context.Context, repo, pkg, version, name string) (string, error) {
	e.t.Helper()
	d, err := e.docs.Find(ctx, repo, pkg, version)
	if err != nil {
		return "", err
	}
	data, _, err := e.docs.File(ctx, d, name)
	return string(data), err
}

func (e *docsEnv) blobCount() int {
	e.t.Helper()
	n := 0
	for _, err := range e.blobs.List(context.Background()) {
		if err != nil {
			e.t.Fatal(err)
		}
		n++
	}
	return n
}
