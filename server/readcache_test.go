package server_test

import (
	"bytes"
	"context"
	"net/http"
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
// database as `depot admin` would — the very next read on each cached
// instance, anonymous or with an API key, answers exactly what the uncached
// one does, and a second read is then served from the cache (one statement
// after authentication: the generation).
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
	secret, _ := createKey(t, aliceA, "api:read")
	keyed := map[string]*servertest.Client{"A": keyClient(a, secret), "B": keyClient(b, secret)}

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
			key := keyed[name]
			if first := key.Do(pageQuery, vars).MustOK(t); !bytes.Equal(first.Data, want.Data) {
				t.Fatalf("after %s, instance %s answered the key\n%s\nthe database says\n%s", step, name, first.Data, want.Data)
			}
			again = key.Do(pageQuery, vars).MustOK(t)
			if !bytes.Equal(again.Data, want.Data) || again.Statements != 1 {
				t.Fatalf("after %s, instance %s's repeated keyed read: %d statements (want 1, a cache hit), answer\n%s", step, name, again.Statements, again.Data)
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

// A selection touching a field that depends on who asks (the viewer, an
// email, a right) runs every time for a signed-in viewer, with a session or
// a key, and errors are never kept.
func TestReadCacheNeverKeepsViewerAnswers(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	bob := env.SignUp("bob")
	alice.Publish(pkgtest.Tarball(t, "mine", "1.0.0"), nil).MustOK(t)
	aliceKey := alice.WithKey("api:read")
	cases := []struct {
		q     string
		who   *servertest.Client
		wants string // in the answer
	}{
		{`{ viewer { username } package(name: "nothing-here") { name } }`, alice, `"alice"`},
		{`{ viewer { username } package(name: "nothing-here") { name } }`, aliceKey, `"alice"`},
		{`{ package(name: "mine") { viewerCanPublish } }`, alice, `true`},
		{`{ package(name: "mine") { viewerCanPublish } }`, bob, `false`},
		{`{ user(username: "alice") { email } }`, aliceKey, `"alice@`},
		{`{ user(username: "alice") { email } }`, bob, `null`},
		{`query Q { ...F } fragment F on Query { package(name: "mine") { owners { account { ... on User { email } } } } }`, alice, `"alice@`},
	}
	for _, c := range cases {
		for i := range 2 { // the second read would be a hit if the first was kept
			r := c.who.Do(c.q, nil).MustOK(t)
			if !bytes.Contains(r.Data, []byte(c.wants)) {
				t.Fatalf("%s as %s (read %d): %s, want %s in it", c.q, c.who.Username, i+1, r.Data, c.wants)
			}
		}
		hits := readCacheHits(t, env)
		c.who.Do(c.q, nil).MustOK(t)
		if readCacheHits(t, env) != hits {
			t.Fatalf("%s as %s: answered from the read cache", c.q, c.who.Username)
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

// readCacheHits is the server's depot_read_cache_hits_total.
func readCacheHits(t *testing.T, env *servertest.Env) float64 {
	t.Helper()
	return metricValue(t, env, "depot_read_cache_hits_total")
}

// A member's cached private answer is served to readers with the same
// visibility only: never to an outsider, to a key whose scopes do not open
// the repository, or after the access ended (a revoked key, a removed
// member, a lapsed subscription), on either of two instances. And a
// subscription or a private write is in the very next keyed read.
func TestReadCacheKeepsPrivateAnswersWithTheirReaders(t *testing.T) {
	url := testdb.URL(t)
	a := servertest.NewOnDatabase(t, url)
	b := servertest.NewOnDatabase(t, url)
	ada := a.SignUp("ada")
	rita := a.SignUp("rita")
	oscar := a.SignUp("oscar")
	ada.Do(createOrgDoc, map[string]any{"n": "hush"}).MustOK(t)
	ada.Do(addMemberDoc, map[string]any{"o": "hush", "u": "rita", "r": "READ"}).MustOK(t)
	const q = `query($r: String) { package(name: "secretpkg", repository: $r) { name versions(first: 5) { version } } }`
	vars := map[string]any{"r": "hush"}
	key := func(c *servertest.Client, scope string) (string, map[string]*servertest.Client) {
		secret, id := createKey(t, c, scope)
		return id, map[string]*servertest.Client{"A": keyClient(a, secret), "B": keyClient(b, secret)}
	}
	// Before the subscription, members read like outsiders (their viewers,
	// cached with "nothing entitled", must not outlive the subscription).
	_, adaRepo := key(ada, "repository:hush")
	for _, c := range []*servertest.Client{adaRepo["A"], adaRepo["B"], rita} {
		c.Do(q, vars).MustOK(t)
	}
	ada.Do(`mutation { updateBillingProfile(input: {organization: "hush", email: "b@example.org", name: "Hush Ltd", country: "US", company: true}) { billingProfile { country } } }`, nil).MustOK(t)
	ada.Do(`mutation { startSubscription(input: {organization: "hush", plan: MONTHLY, seats: 5}) { billing { status } } }`, nil).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "openpkg", "1.0.0"), nil).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "secretpkg", "7.7.7"), map[string]any{"r": "hush"}).MustOK(t)

	// Every field of q is the same for readers of the same visibility, so
	// the answers are cached for signed-in readers too.
	readID, adaRead := key(ada, "api:read")
	_, adaPkg := key(ada, "package:openpkg")
	_, adaDocs := key(ada, "docs:hush")
	_, oscarRead := key(oscar, "api:read")
	ritaB := b.Anonymous()
	ritaB.Do(`mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { user { id } } }`,
		map[string]any{"l": "rita", "p": servertest.Password("rita")}).MustOK(t)

	sees := func(c *servertest.Client, version string) bool {
		t.Helper()
		r := c.Do(q, vars)
		if r.Status == http.StatusUnauthorized {
			return false
		}
		return bytes.Contains(r.Raw, []byte(`"`+version+`"`))
	}
	// Members read twice on each instance: the second answer is the cached one.
	members := map[string]*servertest.Client{"ada's api:read key on A": adaRead["A"], "ada's api:read key on B": adaRead["B"],
		"ada's repository key on A": adaRepo["A"], "ada's repository key on B": adaRepo["B"], "rita's session on A": rita, "rita's session on B": ritaB}
	for name, c := range members {
		if !sees(c, "7.7.7") || !sees(c, "7.7.7") {
			t.Fatalf("%s does not see the private package", name)
		}
	}
	hits := readCacheHits(t, a)
	sees(adaRead["A"], "7.7.7")
	if readCacheHits(t, a) != hits+1 {
		t.Fatal("a member's repeated private read was not answered from the read cache")
	}
	outsiders := map[string]*servertest.Client{"anonymous on A": a.Anonymous(), "anonymous on B": b.Anonymous(), "oscar's session": oscar,
		"oscar's api:read key on A": oscarRead["A"], "oscar's api:read key on B": oscarRead["B"],
		"ada's package key on A": adaPkg["A"], "ada's package key on B": adaPkg["B"], "ada's docs key on A": adaDocs["A"], "ada's docs key on B": adaDocs["B"]}
	for name, c := range outsiders {
		for range 2 {
			if sees(c, "7.7.7") {
				t.Fatalf("%s was served the private package", name)
			}
		}
	}

	// A private write through B is in the next keyed read on A.
	ada.Do(`mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { user { id } } }`,
		map[string]any{"l": "ada", "p": servertest.Password("ada")}).MustOK(t)
	adaB := b.Anonymous()
	adaB.Do(`mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { user { id } } }`,
		map[string]any{"l": "ada", "p": servertest.Password("ada")}).MustOK(t)
	adaB.Publish(pkgtest.Tarball(t, "secretpkg", "7.8.0"), map[string]any{"r": "hush"}).MustOK(t)
	for name, c := range map[string]*servertest.Client{"A": adaRepo["A"], "B": adaRepo["B"]} {
		if !sees(c, "7.8.0") {
			t.Fatalf("ada's repository key on %s does not see the release just published on B", name)
		}
	}

	// A key revoked on A stops working on B at once.
	adaRead["B"].Do(q, vars).MustOK(t)
	ada.Do(revokeKeyDoc, map[string]any{"id": readID}).MustOK(t)
	if r := adaRead["B"].Do(q, vars); r.Status != http.StatusUnauthorized {
		t.Fatalf("a revoked key on the other instance: status %d: %s", r.Status, r.Raw)
	}
	// A member removed on B reads like an outsider on A at once.
	adaB.Do(removeMemberDoc, map[string]any{"o": "hush", "u": "rita"}).MustOK(t)
	for name, c := range map[string]*servertest.Client{"A": rita, "B": ritaB} {
		if sees(c, "7.7.7") {
			t.Fatalf("rita, no longer a member, was served the private package on %s", name)
		}
	}
	// A subscription cancelled at the period's end lapses with no write
	// when the period ends: from then on the organization's own admin no
	// longer reads its private repository, cached answers or not.
	ada.Do(`mutation { cancelSubscription(input: {organization: "hush"}) { billing { cancelAtPeriodEnd } } }`, nil).MustOK(t)
	for name, c := range map[string]*servertest.Client{"A": adaRepo["A"], "B": adaRepo["B"]} {
		if !sees(c, "7.7.7") || !sees(c, "7.7.7") {
			t.Fatalf("ada's repository key on %s lost the private package before the period ended", name)
		}
	}
	for _, env := range []*servertest.Env{a, b} {
		env.Clock.Advance(400 * 24 * time.Hour)
	}
	for name, c := range map[string]*servertest.Client{"A": adaRepo["A"], "B": adaRepo["B"]} {
		if sees(c, "7.7.7") {
			t.Fatalf("ada's repository key on %s was served the private package after the subscription lapsed", name)
		}
	}
}
