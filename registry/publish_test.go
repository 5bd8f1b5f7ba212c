package registry_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/ent/requirement"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/semver"
	"github.com/depot-registry/depot/viewer"
)

func TestPublishFirstRelease(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	tb := tarball(t, pkgSpec{name: "plug_extra", version: "1.0.0", description: "Extras for plug"})
	rel, replaced, err := fx.svc.Publish(as(alice), registry.PublishInput{Tarball: bytes.NewReader(tb)})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(tb)
	checks := []struct {
		what      string
		got, want any
	}{
		{"replaced", replaced, false},
		{"version", rel.Version, "1.0.0"},
		{"outer checksum", rel.OuterChecksum, hex.EncodeToString(sum[:])},
		{"blob key", rel.BlobKey, hex.EncodeToString(sum[:])},
		{"size", rel.Size, int64(len(tb))},
		{"first published", rel.FirstPublishedAt.UTC(), t0},
		{"publisher", *rel.PublisherID, alice.ID},
		{"version key", hex.EncodeToString(rel.VersionKey), hex.EncodeToString(registry.VersionKey(semver.MustParse("1.0.0")))},
		{"licenses", rel.Licenses[0], "Apache-2.0"},
		{"private", rel.PrivateOrgID == nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	p, err := fx.svc.Package(anonymous(), "", "plug_extra")
	if err != nil {
		t.Fatal(err)
	}
	if p.LatestVersion != "1.0.0" || p.Description != "Extras for plug" || !p.FirstPublishedAt.Equal(t0) {
		t.Errorf("package = %+v", p)
	}
	owners, err := fx.db.PackageOwner.Query().Where(packageowner.PackageID(p.ID)).All(fx.sys())
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != 1 || owners[0].UserID == nil || *owners[0].UserID != alice.ID || owners[0].Level != packageowner.LevelFULL {
		t.Errorf("owners = %+v, want alice FULL", owners)
	}
	evs := fx.events(releaseevent.KindPUBLISHED)
	if len(evs) != 1 || evs[0].Version != "1.0.0" || evs[0].PackageName != "plug_extra" || *evs[0].ActorID != alice.ID || evs[0].Repository != "depot" {
		t.Errorf("events = %+v", evs)
	}
	if n := fx.audits("release.publish"); n != 1 {
		t.Errorf("audit rows = %d, want 1", n)
	}
	if fx.commits != 1 {
		t.Errorf("AfterCommit called %d times, want 1", fx.commits)
	}
	if ok, _ := fx.blobs.Exists(context.Background(), rel.BlobKey); !ok {
		t.Error("tarball blob missing")
	}
}

func TestPublishOwnerChoice(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	acme := fx.org("acme")
	other := fx.org("other")
	writer := fx.member(acme, alice, viewer.RoleWrite)
	reader := fx.member(other, alice, viewer.RoleRead)
	tests := []struct {
		name, pkg, owner string
		want             apperr.Code
		wantOrg          int
	}{
		{"organization with write role owns it, for free", "acme_lib", "acme", "", acme.ID},
		{"read role is not enough", "other_lib", "other", apperr.Forbidden, 0},
		{"not a member", "nope_lib", "nonexistent", apperr.Forbidden, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fx.counts()
			_, _, err := fx.svc.Publish(as(alice, writer, reader), registry.PublishInput{
				Tarball: bytes.NewReader(tarball(t, pkgSpec{name: tt.pkg, version: "1.0.0"})), Owner: tt.owner,
			})
			wantCode(t, err, tt.want)
			if tt.want != "" {
				if after := fx.counts(); after != before {
					t.Errorf("refused publish changed rows: %+v → %+v", before, after)
				}
				return
			}
			o, err := fx.db.PackageOwner.Query().Where(packageowner.HasPackageWith(pkg.Name(tt.pkg))).Only(fx.sys())
			if err != nil {
				t.Fatal(err)
			}
			if o.OrganizationID == nil || *o.OrganizationID != tt.wantOrg || o.Level != packageowner.LevelFULL || o.UserID != nil {
				t.Errorf("owner = %+v, want organization %d FULL", o, tt.wantOrg)
			}
			// Its public: anyone sees it.
			if _, err := fx.svc.Package(anonymous(), "", tt.pkg); err != nil {
				t.Errorf("public org package not visible: %v", err)
			}
		})
	}
}

func TestPublishPrivate(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice, bob, carol, dave := fx.user("alice"), fx.user("bob"), fx.user("carol"), fx.user("dave")
	acme := fx.org("acme")
	aliceW := fx.member(acme, alice, viewer.RoleWrite)
	bobR := fx.member(acme, bob, viewer.RoleRead)
	carolLapsed := fx.member(acme, carol, viewer.RoleWrite)
	carolLapsed.Entitled = false
	fx.publish(as(alice), "", pkgSpec{name: "public_dep", version: "1.0.0"})

	tests := []struct {
		name string
		ctx  context.Context
		want apperr.Code
	}{
		{"reader cannot publish", as(bob, bobR), apperr.Forbidden},
		{"non-member cannot publish", as(dave), apperr.Forbidden},
		{"lapsed organization needs a subscription", as(carol, carolLapsed), apperr.PaymentRequired},
		{"key for another repository", withKey(alice, []viewer.Scope{"repository:other"}, aliceW), apperr.Forbidden},
		{"writer of an entitled organization publishes", as(alice, aliceW), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fx.counts()
			spec := pkgSpec{name: "secret", version: "1.0.0", licenses: []string{}, deps: []hextar.Requirement{
				{Name: "public_dep", Requirement: "~> 1.0", Repository: "hexpm"},
			}}
			_, _, err := fx.svc.Publish(tt.ctx, registry.PublishInput{Tarball: bytes.NewReader(tarball(t, spec)), Repository: "acme"})
			wantCode(t, err, tt.want)
			if tt.want != "" {
				if after := fx.counts(); after != before {
					t.Errorf("refused publish changed rows: %+v → %+v", before, after)
				}
			}
		})
	}

	// Every private row carries the organization, so the privacy filter
	// hides all of them.
	ctx := fx.sys()
	p := fx.db.Pkg.Query().Where(pkg.Name("secret")).OnlyX(ctx)
	rel := fx.db.Release.Query().Where(release.PackageID(p.ID)).OnlyX(ctx)
	req := fx.db.Requirement.Query().Where(requirement.ReleaseID(rel.ID)).OnlyX(ctx)
	own := fx.db.PackageOwner.Query().Where(packageowner.PackageID(p.ID)).OnlyX(ctx)
	ev := fx.db.ReleaseEvent.Query().Where(releaseevent.PackageName("secret")).OnlyX(ctx)
	for what, id := range map[string]*int{"package": p.PrivateOrgID, "release": rel.PrivateOrgID, "requirement": req.PrivateOrgID, "owner": own.PrivateOrgID, "event": ev.PrivateOrgID} {
		if id == nil || *id != acme.ID {
			t.Errorf("%s private_org_id = %v, want %d", what, id, acme.ID)
		}
	}
	if own.OrganizationID == nil || *own.OrganizationID != acme.ID {
		t.Errorf("private package owner = %+v, want the organization", own)
	}
	if req.Repository != "" || req.DependencyID == nil {
		t.Errorf("requirement = %+v, want public dependency resolved", req)
	}

	// Invisible to non-members: absent, not forbidden.
	visibility := []struct {
		name    string
		ctx     context.Context
		visible bool
	}{
		{"member", as(bob, bobR), true},
		{"non-member", as(dave), false},
		{"anonymous", anonymous(), false},
		{"member of a lapsed organization", as(carol, carolLapsed), false},
		{"member with a key for one public package", withKey(bob, []viewer.Scope{"package:x"}, bobR), false},
	}
	for _, tt := range visibility {
		t.Run("visibility/"+tt.name, func(t *testing.T) {
			_, err := fx.svc.Package(tt.ctx, "acme", "secret")
			_, relErr := fx.svc.Release(tt.ctx, "acme", "secret", "1.0.0")
			res, sErr := fx.svc.Search(tt.ctx, registry.SearchInput{Term: "secret", Count: true})
			if sErr != nil {
				t.Fatal(sErr)
			}
			if tt.visible {
				if err != nil || relErr != nil || res.Total != 1 {
					t.Errorf("member cannot see: %v, %v, total %d", err, relErr, res.Total)
				}
				return
			}
			wantCode(t, err, apperr.NotFound)
			wantCode(t, relErr, apperr.NotFound)
			if res.Total != 0 || len(res.Packages) != 0 {
				t.Errorf("search shows the private package to a non-member: %+v", res)
			}
			// Mutations see nothing either.
			_, _, rErr := fx.svc.Revert(tt.ctx, "acme", "secret", "1.0.0")
			if tt.ctx != anonymous() {
				wantCode(t, rErr, apperr.NotFound)
			}
		})
	}
}

func TestPublishExistingVersionNeedsReplace(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	fx.publish(as(alice), "", pkgSpec{name: "foo", version: "1.0.0"})
	before := fx.counts()
	_, _, err := fx.svc.Publish(as(alice), registry.PublishInput{Tarball: bytes.NewReader(tarball(t, pkgSpec{name: "foo", version: "1.0.0", content: "v2"}))})
	wantCode(t, err, apperr.Conflict)
	if after := fx.counts(); after != before {
		t.Errorf("refused publish changed rows: %+v → %+v", before, after)
	}
	if fx.blobCount() != 1 {
		t.Errorf("blobs = %d, want only the first tarball's", fx.blobCount())
	}
}

// TestReplaceWindow stands on both sides of each window edge.
func TestReplaceWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		private bool
		// the package's first release at t0+first; 1.0.0 at t0+version;
		// the replace at t0+at.
		first, version, at time.Duration
		want               apperr.Code
	}{
		{"59 minutes after the version", false, -48 * time.Hour, 0, 59 * time.Minute, ""},
		{"61 minutes after the version", false, -48 * time.Hour, 0, 61 * time.Minute, apperr.WindowClosed},
		{"old version within 24 hours of the package's first release", false, 0, 0, 23 * time.Hour, ""},
		{"25 hours after the package's first release", false, 0, 0, 25 * time.Hour, apperr.WindowClosed},
		{"private package a year later", true, 0, 0, 365 * 24 * time.Hour, ""},
	}
	// One database for all cases (a fresh one costs seconds on
	// PostgreSQL); each case has its own package.
	fx := newFixture(t)
	alice := fx.user("alice")
	acme := fx.org("acme")
	member := fx.member(acme, alice, viewer.RoleWrite)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, repo := as(alice), ""
			if tt.private {
				ctx, repo = as(alice, member), "acme"
			}
			name := fmt.Sprintf("foo%d", i)
			fx.clock.set(tt.first)
			fx.publish(ctx, repo, pkgSpec{name: name, version: "0.1.0"})
			fx.clock.set(tt.version)
			old := fx.publish(ctx, repo, pkgSpec{name: name, version: "1.0.0", deps: nil})
			fx.clock.set(tt.at)
			before := fx.counts()
			rel, replaced, err := fx.svc.Publish(ctx, registry.PublishInput{
				Tarball:    bytes.NewReader(tarball(t, pkgSpec{name: name, version: "1.0.0", content: "fixed", description: "now fixed"})),
				Repository: repo, Replace: true,
			})
			wantCode(t, err, tt.want)
			if tt.want != "" {
				if after := fx.counts(); after != before {
					t.Errorf("refused replace changed rows: %+v → %+v", before, after)
				}
				if !isCode(err, apperr.WindowClosed) || !bytes.Contains([]byte(err.Error()), []byte(t0.Add(tt.version).Format(time.RFC3339))) {
					t.Errorf("message lacks the publish time: %v", err)
				}
				return
			}
			if !replaced || rel.ID != old.ID {
				t.Fatalf("replaced = %v, id %d (was %d)", replaced, rel.ID, old.ID)
			}
			if !rel.FirstPublishedAt.Equal(old.FirstPublishedAt) || !rel.UpdatedAt.Equal(t0.Add(tt.at)) {
				t.Errorf("first published %v (want %v), updated %v (want %v)", rel.FirstPublishedAt, old.FirstPublishedAt, rel.UpdatedAt, t0.Add(tt.at))
			}
			if rel.OuterChecksum == old.OuterChecksum {
				t.Error("checksum unchanged by replace")
			}
			if ok, _ := fx.blobs.Exists(context.Background(), old.BlobKey); ok {
				t.Error("old tarball blob still stored")
			}
			if ok, _ := fx.blobs.Exists(context.Background(), rel.BlobKey); !ok {
				t.Error("new tarball blob missing")
			}
			if n := len(fx.eventsFor(releaseevent.KindREPLACED, name)); n != 1 {
				t.Errorf("REPLACED events = %d, want 1", n)
			}
			if after := fx.counts(); after.audit != before.audit+1 || after.events != before.events+1 {
				t.Errorf("audit +%d, events +%d; want 1 each", after.audit-before.audit, after.events-before.events)
			}
		})
	}
}

func TestReplaceSwapsRequirements(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	ctx := as(alice)
	fx.publish(ctx, "", pkgSpec{name: "dep_a", version: "1.0.0"})
	fx.publish(ctx, "", pkgSpec{name: "dep_b", version: "1.0.0"})
	rel := fx.publish(ctx, "", pkgSpec{name: "app", version: "1.0.0", deps: []hextar.Requirement{{Name: "dep_a", Requirement: "~> 1.0"}}})
	_, _, err := fx.svc.Publish(ctx, registry.PublishInput{Replace: true, Tarball: bytes.NewReader(tarball(t, pkgSpec{
		name: "app", version: "1.0.0", deps: []hextar.Requirement{{Name: "dep_b", Requirement: ">= 0.0.0", Optional: true}},
	}))})
	if err != nil {
		t.Fatal(err)
	}
	reqs := fx.db.Requirement.Query().Where(requirement.ReleaseID(rel.ID)).AllX(fx.sys())
	if len(reqs) != 1 || reqs[0].Name != "dep_b" || !reqs[0].Optional || reqs[0].Requirement != ">= 0.0.0" {
		t.Errorf("requirements after replace = %+v, want only dep_b", reqs)
	}
}

func TestLatestVersionFollowsPrecedence(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	ctx := as(alice)
	steps := []struct{ version, wantLatest string }{
		{"1.0.0-rc.1", "1.0.0-rc.1"}, // only pre-releases: the highest one
		{"0.9.0", "0.9.0"},           // any stable wins over pre-releases
		{"1.10.0", "1.10.0"},
		{"1.2.0", "1.10.0"}, // numeric, not text, order
		{"2.0.0-alpha", "1.10.0"},
	}
	for _, s := range steps {
		fx.publish(ctx, "", pkgSpec{name: "foo", version: s.version, description: "as of " + s.version})
		p, err := fx.svc.Package(ctx, "", "foo")
		if err != nil {
			t.Fatal(err)
		}
		if p.LatestVersion != s.wantLatest || p.Description != "as of "+s.wantLatest {
			t.Errorf("after %s: latest %s (%q), want %s", s.version, p.LatestVersion, p.Description, s.wantLatest)
		}
	}
	p, _ := fx.svc.Package(ctx, "", "foo")
	rels, err := fx.svc.Versions(ctx, p.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rels {
		got = append(got, r.Version)
	}
	want := []string{"2.0.0-alpha", "1.10.0", "1.2.0", "1.0.0-rc.1", "0.9.0"}
	if len(got) != len(want) {
		t.Fatalf("versions = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("versions = %v, want %v", got, want)
		}
	}
	if two, _ := fx.svc.Versions(ctx, p.ID, 2); len(two) != 2 {
		t.Errorf("limit 2 gave %d", len(two))
	}
}

func TestPublishBadInput(t *testing.T) {
	t.Parallel()
	huge := bytes.Repeat([]byte{0}, 17<<20)
	tests := []struct {
		name    string
		tarball func(t testing.TB) []byte
		want    apperr.Code
		field   string
	}{
		{"not a tar", func(t testing.TB) []byte { return []byte("hello, this is not a tarball at all, not even close......") }, apperr.BadInput, "tarball"},
		{"truncated", func(t testing.TB) []byte {
			b := tarball(t, pkgSpec{name: "foo", version: "1.0.0"})
			return b[:len(b)/2]
		}, apperr.BadInput, "tarball"},
		{"wrong inner checksum", func(t testing.TB) []byte { return rawPkg{checksum: stringsRepeat("A", 64)}.build(t) }, apperr.BadInput, "tarball"},
		{"VERSION 2", func(t testing.TB) []byte { return rawPkg{version: "2"}.build(t) }, apperr.BadInput, "tarball"},
		{"missing metadata", func(t testing.TB) []byte { return rawPkg{noMeta: true}.build(t) }, apperr.BadInput, "tarball"},
		{"invalid SemVer", func(t testing.TB) []byte { return rawPkg{meta: metaText("foo", "1.0")}.build(t) }, apperr.BadInput, ""},
		{"build metadata", func(t testing.TB) []byte { return rawPkg{meta: metaText("foo", "1.0.0+build.5")}.build(t) }, apperr.BadInput, ""},
		{"bad name", func(t testing.TB) []byte { return rawPkg{meta: metaText("Foo", "1.0.0")}.build(t) }, apperr.BadInput, ""},
		{"reserved name", func(t testing.TB) []byte { return tarball(t, pkgSpec{name: "elixir", version: "1.0.0"}) }, apperr.BadInput, "name"},
		{"no license on a public package", func(t testing.TB) []byte {
			return tarball(t, pkgSpec{name: "foo", version: "1.0.0", licenses: []string{}})
		}, apperr.BadInput, "licenses"},
		{"unknown dependency", func(t testing.TB) []byte {
			return tarball(t, pkgSpec{name: "foo", version: "1.0.0", deps: []hextar.Requirement{{Name: "nowhere", Requirement: "~> 1.0"}}})
		}, apperr.BadInput, "requirements"},
		{"dependency in a foreign repository", func(t testing.TB) []byte {
			return tarball(t, pkgSpec{name: "foo", version: "1.0.0", deps: []hextar.Requirement{{Name: "known", Requirement: "~> 1.0", Repository: "acme"}}})
		}, apperr.BadInput, "requirements"},
		{"path traversal", func(t testing.TB) []byte {
			return rawPkg{contents: gzipped(t, tarOf(t, tarEntry{name: "../../etc/passwd", data: []byte("x")}))}.build(t)
		}, apperr.BadInput, "tarball"},
		{"symlink", func(t testing.TB) []byte {
			return rawPkg{contents: gzipped(t, tarOf(t, tarEntry{name: "lib/link", typ: '2', link: "/etc/passwd"}))}.build(t)
		}, apperr.BadInput, "tarball"},
		{"oversize", func(t testing.TB) []byte { return huge }, apperr.BadInput, "tarball"},
	}
	fx := newFixture(t)
	alice := fx.user("alice")
	fx.publish(as(alice), "", pkgSpec{name: "known", version: "1.0.0"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, blobs := fx.counts(), fx.blobCount()
			_, _, err := fx.svc.Publish(as(alice), registry.PublishInput{Tarball: bytes.NewReader(tt.tarball(t))})
			wantCode(t, err, tt.want)
			var ae *apperr.Error
			if tt.field != "" && (!errorsAs(err, &ae) || ae.Field != tt.field) {
				t.Errorf("error field = %q, want %q (%v)", fieldOf(err), tt.field, err)
			}
			if err.Error() == "" {
				t.Error("empty message")
			}
			if after := fx.counts(); after != before {
				t.Errorf("refused publish changed rows: %+v → %+v", before, after)
			}
			if n := fx.blobCount(); n != blobs {
				t.Errorf("blobs %d → %d: a refused upload left a blob", blobs, n)
			}
		})
	}
}

func TestPublishNeedsOwnerRights(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice, mallory := fx.user("alice"), fx.user("mallory")
	fx.publish(as(alice), "", pkgSpec{name: "foo", version: "1.0.0"})
	before, blobs := fx.counts(), fx.blobCount()
	_, _, err := fx.svc.Publish(as(mallory), registry.PublishInput{Tarball: bytes.NewReader(tarball(t, pkgSpec{name: "foo", version: "1.0.1"}))})
	wantCode(t, err, apperr.Forbidden)
	if after := fx.counts(); after != before || fx.blobCount() != blobs {
		t.Errorf("refused publish changed state: %+v → %+v, blobs %d → %d", before, after, blobs, fx.blobCount())
	}
	_, _, err = fx.svc.Publish(anonymous(), registry.PublishInput{Tarball: bytes.NewReader(tarball(t, pkgSpec{name: "bar", version: "1.0.0"}))})
	wantCode(t, err, apperr.Unauthenticated)
}

// TestConcurrentPublish races two publishes of the same new version, for a
// new package (the unique name index decides) and for an existing one (the
// row lock and the unique version index decide).
func TestConcurrentPublish(t *testing.T) {
	t.Parallel()
	for _, existing := range []bool{false, true} {
		name := map[bool]string{false: "new package", true: "existing package"}[existing]
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t)
			alice := fx.user("alice")
			if existing {
				fx.publish(as(alice), "", pkgSpec{name: "racy", version: "0.1.0"})
			}
			before := fx.counts()
			tb := tarball(t, pkgSpec{name: "racy", version: "1.0.0"})
			var wg sync.WaitGroup
			errs := make([]error, 2)
			start := make(chan struct{})
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, _, errs[i] = fx.svc.Publish(as(alice), registry.PublishInput{Tarball: io.NopCloser(bytes.NewReader(tb))})
				}()
			}
			close(start)
			wg.Wait()
			ok, conflicts := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case isCode(err, apperr.Conflict):
					conflicts++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			if ok != 1 || conflicts != 1 {
				t.Fatalf("successes %d, conflicts %d (errors %v); want 1 and 1", ok, conflicts, errs)
			}
			after := fx.counts()
			if after.releases != before.releases+1 || after.events != before.events+1 {
				t.Errorf("releases %d → %d, events %d → %d; want one more of each", before.releases, after.releases, before.events, after.events)
			}
			n := fx.db.Release.Query().Where(release.Version("1.0.0")).CountX(fx.sys())
			if n != 1 {
				t.Errorf("release rows for 1.0.0 = %d", n)
			}
			// The loser must not have deleted the winner's blob.
			sum := sha256.Sum256(tb)
			if ok, _ := fx.blobs.Exists(context.Background(), hex.EncodeToString(sum[:])); !ok {
				t.Error("winning tarball's blob is gone")
			}
		})
	}
}

func TestDependencies(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	acme := fx.org("acme")
	w := fx.member(acme, alice, viewer.RoleWrite)
	ctx := as(alice, w)
	fx.publish(ctx, "", pkgSpec{name: "pub", version: "1.0.0"})
	fx.publish(ctx, "acme", pkgSpec{name: "inner", version: "1.0.0"})
	tests := []struct {
		name, repo string
		dep        hextar.Requirement
		want       apperr.Code
	}{
		{"public on public", "", hextar.Requirement{Name: "pub", Requirement: "~> 1.0"}, ""},
		{"public on private", "", hextar.Requirement{Name: "inner", Requirement: "~> 1.0", Repository: "acme"}, apperr.BadInput},
		{"public on a name only private has", "", hextar.Requirement{Name: "inner", Requirement: "~> 1.0"}, apperr.BadInput},
		{"private on same repository", "acme", hextar.Requirement{Name: "inner", Requirement: "~> 1.0"}, ""},
		{"private on public", "acme", hextar.Requirement{Name: "pub", Requirement: "~> 1.0", Repository: "hexpm"}, ""},
		{"bad requirement", "", hextar.Requirement{Name: "pub", Requirement: "~> banana"}, apperr.BadInput},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := pkgSpec{name: "user" + string(rune('a'+i)), version: "1.0.0", deps: []hextar.Requirement{tt.dep}}
			tb, _, _, err := hextar.Create(hextar.Metadata{Name: spec.name, Version: "1.0.0", Licenses: []string{"MIT"}, Requirements: spec.deps}, []hextar.File{{Name: "a", Data: []byte("a")}})
			if err != nil {
				if tt.want == apperr.BadInput {
					return // hextar itself refuses it: fine
				}
				t.Fatal(err)
			}
			rel, _, err := fx.svc.Publish(ctx, registry.PublishInput{Tarball: bytes.NewReader(tb), Repository: tt.repo})
			wantCode(t, err, tt.want)
			if err == nil {
				req := fx.db.Requirement.Query().Where(requirement.ReleaseID(rel.ID)).OnlyX(fx.sys())
				if req.DependencyID == nil {
					t.Error("dependency not resolved")
				}
			}
		})
	}
}

func TestAdminRemoveReserves(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	ctx := as(alice)
	fx.publish(ctx, "", pkgSpec{name: "foo", version: "1.0.0"})
	fx.publish(ctx, "", pkgSpec{name: "foo", version: "1.1.0"})

	_, err := fx.svc.AdminRemove(ctx, "", "foo", "1.1.0", "malware")
	wantCode(t, err, apperr.Forbidden)

	fx.clock.set(400 * 24 * time.Hour) // no window applies to administrators
	deleted, err := fx.svc.AdminRemove(fx.sys(), "", "foo", "1.1.0", "malware")
	if err != nil || deleted {
		t.Fatalf("remove version: deleted %v, %v", deleted, err)
	}
	_, _, err = fx.svc.Publish(ctx, registry.PublishInput{Tarball: bytes.NewReader(tarball(t, pkgSpec{name: "foo", version: "1.1.0"}))})
	wantCode(t, err, apperr.BadInput)
	fx.publish(ctx, "", pkgSpec{name: "foo", version: "1.2.0"}) // other versions are fine

	deleted, err = fx.svc.AdminRemove(fx.sys(), "", "foo", "", "legal")
	if err != nil || !deleted {
		t.Fatalf("remove package: deleted %v, %v", deleted, err)
	}
	_, _, err = fx.svc.Publish(ctx, registry.PublishInput{Tarball: bytes.NewReader(tarball(t, pkgSpec{name: "foo", version: "9.0.0"}))})
	wantCode(t, err, apperr.BadInput)
	if _, err := fx.svc.Package(ctx, "", "foo"); !isCode(err, apperr.NotFound) {
		t.Errorf("package still there: %v", err)
	}
	if fx.audits("package.admin_remove") != 2 || len(fx.events(releaseevent.KindPACKAGE_DELETED)) != 1 || len(fx.events(releaseevent.KindREVERTED)) != 3 {
		t.Errorf("audit/events after removal: %d audits, %d deleted, %d reverted", fx.audits("package.admin_remove"), len(fx.events(releaseevent.KindPACKAGE_DELETED)), len(fx.events(releaseevent.KindREVERTED)))
	}
	if fx.blobCount() != 0 {
		t.Errorf("blobs left: %d", fx.blobCount())
	}
}
