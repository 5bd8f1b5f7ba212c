package server_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// pageQuery reads everything the writes below change: versions, latest,
// retirements, owners (users and organizations), description, revert
// window and download count.
const pageQuery = `query Page($name: String!) {
  package(name: $name) {
    name description downloads
    latestRelease { version }
    owners { level account { __typename ... on User { username } ... on Organization { name } } }
    versions(first: 10) { version retirement { reason message } revertableUntil }
  }
  packages(first: 5, orderBy: {field: NAME, direction: ASC}) { edges { node { name } } }
}`

// Two instances with read caches and a third without one share a database.
// After every kind of write — through either instance, or straight into the
// database as `depot admin` would — the very next anonymous read on each
// cached instance answers exactly what the uncached one does, and a second
// read is then served from the cache (one statement: the generation).
func TestReadCacheIsNeverStaleOnAnyInstance(t *testing.T) {
	url := testdb.URL(t)
	a := servertest.NewOnDatabase(t, url)
	b := servertest.NewOnDatabase(t, url)
	plain := servertest.NewOnDatabase(t, url, func(c *server.Config) { c.ReadCacheMB = 0 })
	aliceA := a.SignUp("alice")
	aliceB := b.Anonymous()
	aliceB.Do(`mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { user { id } } }`,
		map[string]any{"l": "alice", "p": servertest.Password("alice")}).MustOK(t)
	a.SignUp("bob")
	aliceA.Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	aliceA.Publish(pkgtest.Tarball(t, "cachy", "1.0.0"), nil).MustOK(t)
	vars := map[string]any{"name": "cachy"}

	// check reads the page on both cached instances twice and compares each
	// answer with the uncached instance's.
	check := func(step string) {
		t.Helper()
		want := plain.Anonymous().Do(pageQuery, vars).MustOK(t)
		for name, env := range map[string]*servertest.Env{"A": a, "B": b} {
			first := env.Anonymous().Do(pageQuery, vars).MustOK(t)
			if !bytes.Equal(first.Data, want.Data) {
				t.Fatalf("after %s, instance %s answered\n%s\nthe database says\n%s", step, name, first.Data, want.Data)
			}
			again := env.Anonymous().Do(pageQuery, vars).MustOK(t)
			if !bytes.Equal(again.Data, want.Data) || again.Statements != 1 {
				t.Fatalf("after %s, instance %s's repeated read: %d statements (want 1, a cache hit), answer\n%s", step, name, again.Statements, again.Data)
			}
		}
	}
	check("the first publish")

	steps := []struct {
		name string
		c    *servertest.Client
		q    string
	}{
		{"a retire on B", aliceB, `mutation { retireRelease(input: {package: "cachy", version: "1.0.0", reason: SECURITY, message: "CVE-1"}) { releases { version } } }`},
		{"an unretire on A", aliceA, `mutation { unretireRelease(input: {package: "cachy", version: "1.0.0"}) { releases { version } } }`},
		{"an owner added on B", aliceB, `mutation { addPackageOwner(input: {package: "cachy", owner: "bob", level: MAINTAINER}) { package { name } } }`},
		{"an owner removed on A", aliceA, `mutation { removePackageOwner(input: {package: "cachy", owner: "bob"}) { package { name } } }`},
		{"a transfer on B", aliceB, `mutation { transferPackage(input: {package: "cachy", to: "acme"}) { package { name } } }`},
	}
	for _, s := range steps {
		s.c.Do(s.q, nil).MustOK(t)
		check(s.name)
	}
	aliceA.Publish(pkgtest.Tarball(t, "cachy", "1.1.0"), nil).MustOK(t)
	check("a publish on A")
	aliceB.Do(`mutation { revertRelease(input: {package: "cachy", version: "1.1.0"}) { packageDeleted } }`, nil).MustOK(t)
	check("a revert on B")
	aliceB.Publish(pkgtest.Tarball(t, "aardvark", "0.1.0"), nil).MustOK(t)
	check("another package published on B (the list changes)")

	// A write from outside both servers (a second process on the database).
	other := testdb.OpenURL(t, url)
	if err := other.Pkg.Update().Where(pkg.Name("cachy")).SetDescription("changed by an admin tool").Exec(sys()); err != nil {
		t.Fatal(err)
	}
	check("a write by another process")
}

// What changes without a write bounds a cached answer's life: a revert
// window closing (revertableUntil turns null at once), and download counts
// (flushed as counters, shown at most the cache's max age late).
func TestReadCacheExpiresWithTime(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	alice.Publish(pkgtest.Tarball(t, "timely", "1.0.0"), nil).MustOK(t)
	vars := map[string]any{"name": "timely"}
	type page struct {
		Package struct {
			Downloads int
			Versions  []struct{ RevertableUntil *time.Time }
		}
	}
	read := func() (page, int) {
		var p page
		r := env.Anonymous().Do(pageQuery, vars).MustOK(t)
		r.Decode(t, &p)
		return p, r.Statements
	}
	p, _ := read()
	if p.Package.Versions[0].RevertableUntil == nil {
		t.Fatal("a fresh release must show its revert window")
	}
	until := *p.Package.Versions[0].RevertableUntil
	if _, n := read(); n != 1 {
		t.Fatalf("repeated read cost %d statements, want 1 (cached)", n)
	}
	env.Clock.Set(until.Add(time.Second))
	if p, _ := read(); p.Package.Versions[0].RevertableUntil != nil {
		t.Fatalf("after the window closed the answer still shows it open until %v", p.Package.Versions[0].RevertableUntil)
	}

	resp := env.Anonymous().Get("/repo/tarballs/timely-1.0.0.tar", nil)
	resp.Body.Close()
	// The handler counts the download after the body is sent: flush until
	// the count is in the database.
	for deadline := time.Now().Add(5 * time.Second); ; {
		if err := env.Server.Registry.FlushDownloads(context.Background()); err != nil {
			t.Fatal(err)
		}
		p, err := env.Server.DB.Pkg.Query().Where(pkg.Name("timely")).Only(sys())
		if err != nil {
			t.Fatal(err)
		}
		if p.Downloads == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the download was never counted (%d)", p.Downloads)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if p, n := read(); p.Package.Downloads != 0 || n != 1 {
		t.Fatalf("right after a counter flush: %d downloads in %d statements; want the cached 0 in 1", p.Package.Downloads, n)
	}
	env.Clock.Advance(env.Server.Config.ReadCacheMaxAge)
	if p, _ := read(); p.Package.Downloads != 1 {
		t.Fatalf("after the max age: %d downloads, want 1", p.Package.Downloads)
	}
}

// Only anonymous queries are cached: a signed-in viewer's answer depends on
// who asks, and errors are never kept.
func TestReadCacheOnlyForAnonymousAnswers(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	q := `{ viewer { username } package(name: "nothing-here") { name } }`
	for range 2 {
		var v struct{ Viewer *struct{ Username string } }
		r := alice.Do(q, nil).MustOK(t)
		r.Decode(t, &v)
		if v.Viewer == nil || v.Viewer.Username != "alice" || r.Statements == 1 {
			t.Fatalf("signed-in read: %s in %d statements", r.Data, r.Statements)
		}
	}
	// Partial answers (data with an error) run every time.
	alice.Publish(pkgtest.Tarball(t, "partial", "1.0.0"), nil).MustOK(t)
	partial := `{ package(name: "partial") { name } node(id: "garbage") { id } }`
	for range 2 {
		r := env.Anonymous().Do(partial, nil)
		if len(r.Errors) == 0 || !bytes.Contains(r.Data, []byte(`"partial"`)) || r.Statements < 2 {
			t.Fatalf("anonymous partial answer: %s in %d statements", r.Raw, r.Statements)
		}
	}
}
