package server_test

import (
	"testing"

	"github.com/gorilla/websocket"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server/servertest"
)

// Two instances behind one load balancer share the database: a change
// committed on one is visible to the very next read on the other (no stale
// cache), and subscribers on either instance receive events committed on
// both, in cursor order.
func TestTwoInstancesShareReadsAndFeeds(t *testing.T) {
	url := testdb.URL(t)
	a := servertest.NewOnDatabase(t, url)
	b := servertest.NewOnDatabase(t, url)
	alice := a.SignUp("alice")
	feedA := dialFeed(t, a, "graphql-transport-ws", nil, nil, "")
	feedB := dialFeed(t, b, "graphql-transport-ws", nil, nil, "")
	untilSubscriptions(t, a, 1)
	untilSubscriptions(t, b, 1)

	// The same session works on both instances (sessions live in the database).
	aliceOnB := b.Anonymous()
	aliceOnB.Do(`mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { user { id } } }`,
		map[string]any{"l": "alice", "p": servertest.Password("alice")}).MustOK(t)

	alice.Publish(pkgtest.Tarball(t, "twin", "1.0.0"), nil).MustOK(t)
	var q struct {
		Package *struct{ LatestRelease struct{ Version string } }
	}
	b.Anonymous().Do(`{ package(name: "twin") { latestRelease { version } } }`, nil).MustOK(t).Decode(t, &q)
	if q.Package == nil || q.Package.LatestRelease.Version != "1.0.0" {
		t.Fatalf("instance B right after a publish on A: %+v", q.Package)
	}

	aliceOnB.Publish(pkgtest.Tarball(t, "twin", "1.1.0"), nil).MustOK(t)
	aliceOnB.Do(`mutation { retireRelease(input: {package: "twin", version: "1.0.0", reason: SECURITY, message: "CVE-1"}) { releases { version } } }`, nil).MustOK(t)
	var r struct {
		Release struct{ Retirement *struct{ Reason string } }
	}
	a.Anonymous().Do(`{ release(package: "twin", version: "1.0.0") { retirement { reason } } }`, nil).MustOK(t).Decode(t, &r)
	if r.Release.Retirement == nil || r.Release.Retirement.Reason != "SECURITY" {
		t.Fatalf("instance A right after a retire on B: %+v", r.Release)
	}

	for name, c := range map[string]*websocket.Conn{"A": feedA, "B": feedB} {
		e1, e2, e3 := next(t, c), next(t, c), next(t, c)
		if e1.Version != "1.0.0" || e2.Version != "1.1.0" || e3.Kind != "RETIRED" {
			t.Fatalf("feed on %s: %+v, %+v, %+v", name, e1, e2, e3)
		}
		if !(e1.Cursor < e2.Cursor || len(e1.Cursor) <= len(e2.Cursor)) {
			t.Fatalf("feed on %s out of cursor order", name)
		}
	}
}
