package registry_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/blob/memory"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/auditlog"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// t0 is when every test's clock starts.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// set moves the clock to t0 + d.
func (c *clock) set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t0.Add(d)
}

type fixture struct {
	t       testing.TB
	db      *store.DB
	blobs   *memory.Store
	clock   *clock
	svc     *registry.Service
	commits int
	mu      sync.Mutex
}

// migrating serializes testdb.Open: Ent's schema migration mutates
// package-level table descriptors, so parallel tests must not migrate at
// the same time (the race detector catches it).
var migrating sync.Mutex

func openDB(t testing.TB) *store.DB {
	t.Helper()
	migrating.Lock()
	defer migrating.Unlock()
	return testdb.Open(t)
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	fx := &fixture{t: t, db: openDB(t), blobs: memory.New(), clock: &clock{now: t0}}
	fx.svc = &registry.Service{
		DB:               fx.db.Client,
		Blobs:            fx.blobs,
		Now:              fx.clock.Now,
		PublicRepository: testdb.PublicRepository,
		AfterCommit: func(context.Context) {
			fx.mu.Lock()
			fx.commits++
			fx.mu.Unlock()
		},
	}
	return fx
}

func (fx *fixture) sys() context.Context { return viewer.System(context.Background()) }

func (fx *fixture) user(name string) *ent.User {
	fx.t.Helper()
	u, err := fx.db.User.Create().SetUsername(name).SetEmail(name + "@example.com").SetPasswordHash("x").Save(fx.sys())
	if err != nil {
		fx.t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

func (fx *fixture) org(name string) *ent.Organization {
	fx.t.Helper()
	o, err := fx.db.Organization.Create().SetName(name).Save(fx.sys())
	if err != nil {
		fx.t.Fatalf("create org %s: %v", name, err)
	}
	if err := fx.db.Repository.Create().SetName(name).SetOrganizationID(o.ID).Exec(fx.sys()); err != nil {
		fx.t.Fatalf("create repository %s: %v", name, err)
	}
	return o
}

// member adds u to o with role in the database (rules that look at rows,
// like private owners, need it) and returns the viewer.Org for contexts.
func (fx *fixture) member(o *ent.Organization, u *ent.User, role viewer.Role) viewer.Org {
	fx.t.Helper()
	r := map[viewer.Role]membership.Role{viewer.RoleRead: membership.RoleREAD, viewer.RoleWrite: membership.RoleWRITE, viewer.RoleAdmin: membership.RoleADMIN}[role]
	if err := fx.db.Membership.Create().SetOrganizationID(o.ID).SetUserID(u.ID).SetRole(r).Exec(fx.sys()); err != nil {
		fx.t.Fatalf("add member: %v", err)
	}
	return viewer.Org{ID: o.ID, Name: o.Name, Role: role, Entitled: true}
}

// as is a browser-session context for u with the given memberships.
func as(u *ent.User, orgs ...viewer.Org) context.Context {
	return viewer.NewContext(context.Background(), &viewer.Viewer{UserID: u.ID, Username: u.Username, Orgs: orgs})
}

// withKey is an API-key context for u restricted to scopes.
func withKey(u *ent.User, scopes []viewer.Scope, orgs ...viewer.Org) context.Context {
	return viewer.NewContext(context.Background(), &viewer.Viewer{UserID: u.ID, Username: u.Username, KeyID: 1, Scopes: scopes, Orgs: orgs})
}

func anonymous() context.Context { return context.Background() }

// pkgSpec describes a test tarball.
type pkgSpec struct {
	name, version, description string
	licenses                   []string
	deps                       []hextar.Requirement
	content                    string // varies the bytes of a replace
}

func tarball(t testing.TB, s pkgSpec) []byte {
	t.Helper()
	if s.licenses == nil {
		s.licenses = []string{"Apache-2.0"}
	}
	if s.description == "" {
		s.description = "the " + s.name + " package"
	}
	meta := hextar.Metadata{
		Name: s.name, Version: s.version, App: s.name, Description: s.description,
		Licenses: s.licenses, Requirements: s.deps, BuildTools: []string{"mix"},
	}
	files := []hextar.File{
		{Name: "mix.exs", Data: []byte("defmodule M do end\n")},
		{Name: "lib/" + s.name + ".ex", Data: []byte("# " + s.content + "\n")},
	}
	tb, _, _, err := hextar.Create(meta, files)
	if err != nil {
		t.Fatalf("build tarball: %v", err)
	}
	return tb
}

// publish publishes spec into repository ("" public) and fails the test on error.
func (fx *fixture) publish(ctx context.Context, repo string, s pkgSpec) *ent.Release {
	fx.t.Helper()
	rel, _, err := fx.svc.Publish(ctx, registry.PublishInput{Tarball: bytes.NewReader(tarball(fx.t, s)), Repository: repo})
	if err != nil {
		fx.t.Fatalf("publish %s %s: %v", s.name, s.version, err)
	}
	return rel
}

func codeOf(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

func wantCode(t *testing.T, err error, want apperr.Code) {
	t.Helper()
	if got := codeOf(err); got != want {
		t.Fatalf("error = %v (code %q), want code %q", err, got, want)
	}
}

// counts of log rows, to check that refused changes write nothing.
type counts struct{ audit, events, releases, packages int }

func (fx *fixture) counts() counts {
	fx.t.Helper()
	ctx := fx.sys()
	var c counts
	var err error
	if c.audit, err = fx.db.AuditLog.Query().Count(ctx); err != nil {
		fx.t.Fatal(err)
	}
	if c.events, err = fx.db.ReleaseEvent.Query().Count(ctx); err != nil {
		fx.t.Fatal(err)
	}
	if c.releases, err = fx.db.Release.Query().Count(ctx); err != nil {
		fx.t.Fatal(err)
	}
	if c.packages, err = fx.db.Pkg.Query().Count(ctx); err != nil {
		fx.t.Fatal(err)
	}
	return c
}

func (fx *fixture) events(kind releaseevent.Kind) []*ent.ReleaseEvent {
	fx.t.Helper()
	evs, err := fx.db.ReleaseEvent.Query().Where(releaseevent.KindEQ(kind)).Order(ent.Asc(releaseevent.FieldID)).All(fx.sys())
	if err != nil {
		fx.t.Fatal(err)
	}
	return evs
}

func (fx *fixture) audits(action string) int {
	fx.t.Helper()
	n, err := fx.db.AuditLog.Query().Where(auditlog.Action(action)).Count(fx.sys())
	if err != nil {
		fx.t.Fatal(err)
	}
	return n
}

func (fx *fixture) blobCount() int {
	fx.t.Helper()
	n := 0
	for _, err := range fx.blobs.List(context.Background()) {
		if err != nil {
			fx.t.Fatal(err)
		}
		n++
	}
	return n
}

func isCode(err error, code apperr.Code) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Code == code
}

func errorsAs(err error, target **apperr.Error) bool { return errors.As(err, target) }

func fieldOf(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

func stringsRepeat(s string, n int) string { return strings.Repeat(s, n) }

func mustPkg(t *testing.T, fx *fixture, name string) *ent.Pkg {
	t.Helper()
	p, err := fx.svc.Package(fx.sys(), "", name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func (fx *fixture) eventsFor(kind releaseevent.Kind, pkgName string) []*ent.ReleaseEvent {
	fx.t.Helper()
	evs, err := fx.db.ReleaseEvent.Query().Where(releaseevent.KindEQ(kind), releaseevent.PackageName(pkgName)).All(fx.sys())
	if err != nil {
		fx.t.Fatal(err)
	}
	return evs
}
