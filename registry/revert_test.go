package registry_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/viewer"
)

func TestRevertWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		private            bool
		first, version, at time.Duration
		want               apperr.Code
	}{
		{"59 minutes after the version", false, -48 * time.Hour, 0, 59 * time.Minute, ""},
		{"61 minutes after the version", false, -48 * time.Hour, 0, 61 * time.Minute, apperr.WindowClosed},
		{"old version within 24 hours of the package's first release", false, 0, 0, 23*time.Hour + 59*time.Minute, ""},
		{"24 hours and a minute after the package's first release", false, 0, 0, 24*time.Hour + time.Minute, apperr.WindowClosed},
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
			rel := fx.publish(ctx, repo, pkgSpec{name: name, version: "1.0.0"})
			fx.clock.set(tt.at)
			before := fx.counts()
			p, deleted, err := fx.svc.Revert(ctx, repo, name, "1.0.0")
			wantCode(t, err, tt.want)
			if tt.want != "" {
				if after := fx.counts(); after != before {
					t.Errorf("refused revert changed rows: %+v → %+v", before, after)
				}
				return
			}
			if deleted || p == nil || p.LatestVersion != "0.1.0" {
				t.Fatalf("package after revert = %+v, deleted %v; want latest 0.1.0", p, deleted)
			}
			if ok, _ := fx.blobs.Exists(context.Background(), rel.BlobKey); ok {
				t.Error("reverted tarball still stored")
			}
			evs := fx.eventsFor(releaseevent.KindREVERTED, name)
			if len(evs) != 1 || evs[0].Version != "1.0.0" {
				t.Errorf("REVERTED events = %+v", evs)
			}
			if after := fx.counts(); after.releases != before.releases-1 || after.audit != before.audit+1 || after.events != before.events+1 {
				t.Errorf("releases %d → %d, audit +%d, events +%d", before.releases, after.releases, after.audit-before.audit, after.events-before.events)
			}
		})
	}
}

func TestRevertableUntil(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	acme := fx.org("acme")
	ctx := as(alice, fx.member(acme, alice, viewer.RoleWrite))
	fx.clock.set(-48 * time.Hour)
	fx.publish(ctx, "", pkgSpec{name: "foo", version: "0.1.0"})
	fx.clock.set(0)
	rel := fx.publish(ctx, "", pkgSpec{name: "foo", version: "1.0.0"})
	priv := fx.publish(ctx, "acme", pkgSpec{name: "bar", version: "1.0.0"})
	p, _ := fx.svc.Package(ctx, "", "foo")
	pp, _ := fx.svc.Package(ctx, "acme", "bar")
	fx.clock.set(30 * time.Minute)
	if got := fx.svc.RevertableUntil(rel, p); got == nil || !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("revertable until %v, want %v", got, t0.Add(time.Hour))
	}
	if got := fx.svc.RevertableUntil(priv, pp); got != nil {
		t.Errorf("private: %v, want nil", got)
	}
	fx.clock.set(61 * time.Minute)
	if got := fx.svc.RevertableUntil(rel, p); got != nil {
		t.Errorf("after the window: %v, want nil", got)
	}
}

func TestRevertLastVersionDeletesPackage(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice, bob := fx.user("alice"), fx.user("bob")
	rel := fx.publish(as(alice), "", pkgSpec{name: "foo", version: "1.0.0"})
	if _, err := fx.svc.AddOwner(as(alice), "", "foo", "bob", packageowner.LevelMAINTAINER); err != nil {
		t.Fatal(err)
	}
	commits := fx.commits
	p, deleted, err := fx.svc.Revert(as(bob), "", "foo", "1.0.0")
	if err != nil || !deleted || p != nil {
		t.Fatalf("revert: %v, deleted %v, pkg %v", err, deleted, p)
	}
	if _, err := fx.svc.Package(as(alice), "", "foo"); !isCode(err, apperr.NotFound) {
		t.Errorf("package still found: %v", err)
	}
	if n := fx.db.PackageOwner.Query().CountX(fx.sys()); n != 0 {
		t.Errorf("owners left: %d", n)
	}
	if len(fx.events(releaseevent.KindREVERTED)) != 1 || len(fx.events(releaseevent.KindPACKAGE_DELETED)) != 1 {
		t.Error("want one REVERTED and one PACKAGE_DELETED event")
	}
	if ok, _ := fx.blobs.Exists(context.Background(), rel.BlobKey); ok {
		t.Error("blob still stored")
	}
	if fx.commits != commits+1 {
		t.Errorf("AfterCommit calls %d → %d", commits, fx.commits)
	}
	// The name is free again (unlike an administrator's removal).
	fx.publish(as(bob), "", pkgSpec{name: "foo", version: "1.0.0"})
}

func TestRevertRefusedWhileDependedOn(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice, bob := fx.user("alice"), fx.user("bob")
	fx.publish(as(alice), "", pkgSpec{name: "base", version: "1.0.0"})
	fx.publish(as(bob), "", pkgSpec{name: "user_one", version: "1.0.0", deps: []hextar.Requirement{{Name: "base", Requirement: "~> 1.0"}}})
	before := fx.counts()
	_, _, err := fx.svc.Revert(as(alice), "", "base", "1.0.0")
	wantCode(t, err, apperr.Conflict)
	if !strings.Contains(err.Error(), "user_one") {
		t.Errorf("message does not name the dependent: %v", err)
	}
	if after := fx.counts(); after != before {
		t.Errorf("refused revert changed rows: %+v → %+v", before, after)
	}
	// A version that is not the last can go.
	fx.publish(as(alice), "", pkgSpec{name: "base", version: "1.1.0"})
	if _, deleted, err := fx.svc.Revert(as(alice), "", "base", "1.1.0"); err != nil || deleted {
		t.Errorf("revert non-last version: %v, deleted %v", err, deleted)
	}
	_, _, err = fx.svc.Revert(as(alice), "", "base", "9.9.9")
	wantCode(t, err, apperr.NotFound)
}
