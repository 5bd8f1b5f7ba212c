package registry_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/registry"
)

func importInput(t *testing.T, s pkgSpec, at time.Time) registry.ImportInput {
	t.Helper()
	tb := tarball(t, s)
	sum := sha256.Sum256(tb)
	return registry.ImportInput{
		Name: s.name, Version: s.version, OuterChecksum: hex.EncodeToString(sum[:]), PublishedAt: at,
		Tarball: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tb)), nil },
	}
}

// Import keeps the original publish time, so the windows count from it: a
// release first published two days ago is already immutable here, like at
// its source, while a retirement comes along.
func TestImportKeepsPublishTimeAndWindows(t *testing.T) {
	fx := newFixture(t)
	alice := fx.user("alice")
	old := t0.Add(-48 * time.Hour)
	in := importInput(t, pkgSpec{name: "imp", version: "1.0.0"}, old)
	in.Owner = "alice"
	in.Retirement = &registry.ImportRetirement{Reason: retirement.ReasonDEPRECATED, Message: "use 2.0"}
	rel, outcome, err := fx.svc.Import(fx.sys(), in)
	if err != nil || outcome != registry.Imported {
		t.Fatalf("import: %v %v", outcome, err)
	}
	if !rel.FirstPublishedAt.Equal(old) {
		t.Fatalf("first published %s, want %s", rel.FirstPublishedAt, old)
	}
	ret, err := fx.db.Retirement.Query().Only(fx.sys())
	if err != nil || ret.Reason != retirement.ReasonDEPRECATED || ret.Message != "use 2.0" || ret.ReleaseID != rel.ID {
		t.Fatalf("retirement %+v %v", ret, err)
	}
	// Its owner cannot replace it: the window closed 47 hours ago.
	_, _, err = fx.svc.Publish(as(alice), registry.PublishInput{Tarball: bytes.NewReader(tarball(t, pkgSpec{name: "imp", version: "1.0.0", content: "x"})), Replace: true})
	wantCode(t, err, apperr.WindowClosed)
	if n := fx.events("PUBLISHED"); len(n) != 1 {
		t.Fatalf("%d PUBLISHED events", len(n))
	}
}

// Import is the operator's alone; the same bytes again are skipped, other
// bytes for the version are a CONFLICT that changes nothing, and a tarball
// that is not what the registry signed is refused before anything is
// written.
func TestImportRules(t *testing.T) {
	fx := newFixture(t)
	alice := fx.user("alice")
	in := importInput(t, pkgSpec{name: "imp", version: "1.0.0"}, t0)
	in.Owner = "alice"
	_, _, err := fx.svc.Import(as(alice), in)
	wantCode(t, err, apperr.Forbidden)
	if _, _, err := fx.svc.Import(fx.sys(), in); err != nil {
		t.Fatal(err)
	}
	before := fx.counts()
	opened := false
	again := in
	again.Tarball = func() (io.ReadCloser, error) { opened = true; return in.Tarball() }
	if _, outcome, err := fx.svc.Import(fx.sys(), again); err != nil || outcome != registry.AlreadyPresent || opened {
		t.Fatalf("second import: %v %v, tarball read: %v", outcome, err, opened)
	}
	other := importInput(t, pkgSpec{name: "imp", version: "1.0.0", content: "other"}, t0)
	_, _, err = fx.svc.Import(fx.sys(), other)
	wantCode(t, err, apperr.Conflict)

	lying := importInput(t, pkgSpec{name: "imp", version: "1.1.0"}, t0)
	lying.OuterChecksum = other.OuterChecksum
	_, _, err = fx.svc.Import(fx.sys(), lying)
	wantCode(t, err, apperr.BadInput)
	noOwner := importInput(t, pkgSpec{name: "fresh", version: "1.0.0"}, t0)
	_, _, err = fx.svc.Import(fx.sys(), noOwner)
	wantCode(t, err, apperr.BadInput)
	if after := fx.counts(); after != before {
		t.Fatalf("refused imports wrote rows: %+v → %+v", before, after)
	}
}
