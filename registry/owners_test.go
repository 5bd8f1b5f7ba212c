package registry_test

import (
	"fmt"
	"testing"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/viewer"
)

func TestOwners(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice, bob, carol := fx.user("alice"), fx.user("bob"), fx.user("carol")
	acme := fx.org("acme")
	aliceAdmin := fx.member(acme, alice, viewer.RoleAdmin)
	bobWrite := fx.member(acme, bob, viewer.RoleWrite)
	fx.publish(as(alice), "", pkgSpec{name: "foo", version: "1.0.0"})
	fx.publish(as(alice, aliceAdmin), "acme", pkgSpec{name: "secret", version: "1.0.0"})

	steps := []struct {
		name string
		run  func() error
		want apperr.Code
	}{
		{"add a maintainer", func() error {
			_, err := fx.svc.AddOwner(as(alice), "", "foo", "bob", packageowner.LevelMAINTAINER)
			return err
		}, ""},
		{"maintainers cannot add owners", func() error {
			_, err := fx.svc.AddOwner(as(bob), "", "foo", "carol", packageowner.LevelMAINTAINER)
			return err
		}, apperr.Forbidden},
		{"unknown account", func() error {
			_, err := fx.svc.AddOwner(as(alice), "", "foo", "nobody", packageowner.LevelFULL)
			return err
		}, apperr.NotFound},
		{"bad level", func() error {
			_, err := fx.svc.AddOwner(as(alice), "", "foo", "bob", "GOD")
			return err
		}, apperr.BadInput},
		{"the last full owner cannot be removed", func() error {
			_, err := fx.svc.RemoveOwner(as(alice), "", "foo", "alice")
			return err
		}, apperr.Conflict},
		{"the last full owner cannot be demoted", func() error {
			_, err := fx.svc.AddOwner(as(alice), "", "foo", "alice", packageowner.LevelMAINTAINER)
			return err
		}, apperr.Conflict},
		{"removing a non-owner", func() error {
			_, err := fx.svc.RemoveOwner(as(alice), "", "foo", "carol")
			return err
		}, apperr.NotFound},
		{"promote bob to full", func() error {
			_, err := fx.svc.AddOwner(as(alice), "", "foo", "bob", packageowner.LevelFULL)
			return err
		}, ""},
		{"now alice can go", func() error {
			_, err := fx.svc.RemoveOwner(as(bob), "", "foo", "alice")
			return err
		}, ""},
		{"transfer to a nonexistent user", func() error {
			_, err := fx.svc.Transfer(as(bob), "", "foo", "ghost")
			return err
		}, apperr.NotFound},
		{"transfer to an organization needs admin there", func() error {
			_, err := fx.svc.Transfer(as(bob, bobWrite), "", "foo", "acme")
			return err
		}, apperr.Forbidden},
		{"private: another organization cannot own it", func() error {
			fx.org("globex")
			_, err := fx.svc.AddOwner(as(alice, aliceAdmin), "acme", "secret", "globex", packageowner.LevelFULL)
			return err
		}, apperr.BadInput},
		{"private: a non-member cannot own it", func() error {
			_, err := fx.svc.AddOwner(as(alice, aliceAdmin), "acme", "secret", "carol", packageowner.LevelMAINTAINER)
			return err
		}, apperr.BadInput},
		{"private: a member can", func() error {
			_, err := fx.svc.AddOwner(as(alice, aliceAdmin), "acme", "secret", "bob", packageowner.LevelMAINTAINER)
			return err
		}, ""},
		{"private: invisible to non-members", func() error {
			_, err := fx.svc.AddOwner(as(carol), "acme", "secret", "carol", packageowner.LevelFULL)
			return err
		}, apperr.NotFound},
	}
	for _, s := range steps {
		before := fx.counts()
		err := s.run()
		if codeOf(err) != s.want {
			t.Fatalf("%s: error %v, want code %q", s.name, err, s.want)
		}
		after := fx.counts()
		if s.want != "" && after != before {
			t.Errorf("%s: refused change wrote rows: %+v → %+v", s.name, before, after)
		}
		if s.want == "" && after.audit != before.audit+1 {
			t.Errorf("%s: audit rows %d → %d", s.name, before.audit, after.audit)
		}
	}
}

func TestTransfer(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice, bob, carol := fx.user("alice"), fx.user("bob"), fx.user("carol")
	acme := fx.org("acme")
	bobAdmin := fx.member(acme, bob, viewer.RoleAdmin)
	p := fx.publish(as(alice), "", pkgSpec{name: "foo", version: "1.0.0"})
	mustOK := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustOK(fx.svc.AddOwner(as(alice), "", "foo", "bob", packageowner.LevelFULL))
	mustOK(fx.svc.AddOwner(as(alice), "", "foo", "carol", packageowner.LevelMAINTAINER))

	// Bob, full owner and acme admin, hands the package to acme.
	commits := fx.commits
	mustOK(fx.svc.Transfer(as(bob, bobAdmin), "", "foo", "acme"))
	owners := fx.db.PackageOwner.Query().Where(packageowner.PackageID(p.PackageID)).AllX(fx.sys())
	if len(owners) != 1 || owners[0].OrganizationID == nil || *owners[0].OrganizationID != acme.ID || owners[0].Level != packageowner.LevelFULL {
		t.Fatalf("owners after transfer = %+v, want only acme FULL", owners)
	}
	evs := fx.events(releaseevent.KindTRANSFERRED)
	if len(evs) != 1 || evs[0].PreviousOwner != "alice,bob" || evs[0].NewOwner != "acme" {
		t.Errorf("TRANSFERRED events = %+v", evs)
	}
	if fx.commits != commits+1 {
		t.Error("AfterCommit not called after the transfer")
	}
	// Alice lost every right; acme's admin manages it now.
	_, err := fx.svc.Transfer(as(alice), "", "foo", "alice")
	wantCode(t, err, apperr.Forbidden)
	mustOK(fx.svc.Transfer(as(bob, bobAdmin), "", "foo", "carol"))
	canPublish, full, err := fx.svc.Permissions(as(carol), mustPkg(t, fx, "foo"))
	if err != nil || !canPublish || !full {
		t.Errorf("carol's permissions = %v %v %v", canPublish, full, err)
	}
	canPublish, full, _ = fx.svc.Permissions(as(bob, bobAdmin), mustPkg(t, fx, "foo"))
	if canPublish || full {
		t.Errorf("bob keeps rights after the transfer away from acme: %v %v", canPublish, full)
	}
}

// Making an organization an owner needs admin rights in it, like a
// transfer: otherwise adding it as FULL owner and then removing oneself
// would hand it a package it never accepted.
func TestAddOrganizationOwnerNeedsAdmin(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice, bob, carol := fx.user("alice"), fx.user("bob"), fx.user("carol")
	acme := fx.org("acme")
	bobAdmin := fx.member(acme, bob, viewer.RoleAdmin)
	carolWrite := fx.member(acme, carol, viewer.RoleWrite)
	rel := fx.publish(as(alice), "", pkgSpec{name: "foo", version: "1.0.0"})
	for _, u := range []string{"bob", "carol"} {
		if _, err := fx.svc.AddOwner(as(alice), "", "foo", u, packageowner.LevelFULL); err != nil {
			t.Fatal(err)
		}
	}
	owners := func() string {
		t.Helper()
		os, err := fx.db.PackageOwner.Query().Where(packageowner.PackageID(rel.PackageID)).
			Order(ent.Asc(packageowner.FieldID)).All(fx.sys())
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, o := range os {
			out += fmt.Sprintf("%v/%v:%s ", deref(o.UserID), deref(o.OrganizationID), o.Level)
		}
		return out
	}
	steps := []struct {
		name string
		run  func() error
		want apperr.Code
	}{
		{"a non-member cannot add it as FULL owner", func() error {
			_, err := fx.svc.AddOwner(as(alice), "", "foo", "acme", packageowner.LevelFULL)
			return err
		}, apperr.Forbidden},
		{"nor as maintainer", func() error {
			_, err := fx.svc.AddOwner(as(alice), "", "foo", "acme", packageowner.LevelMAINTAINER)
			return err
		}, apperr.Forbidden},
		{"nor with a key scoped to the package", func() error {
			_, err := fx.svc.AddOwner(withKey(alice, []viewer.Scope{"package:foo"}), "", "foo", "acme", packageowner.LevelFULL)
			return err
		}, apperr.Forbidden},
		{"a member who is not an admin cannot", func() error {
			_, err := fx.svc.AddOwner(as(carol, carolWrite), "", "foo", "acme", packageowner.LevelFULL)
			return err
		}, apperr.Forbidden},
		{"an admin can add it as maintainer", func() error {
			_, err := fx.svc.AddOwner(as(bob, bobAdmin), "", "foo", "acme", packageowner.LevelMAINTAINER)
			return err
		}, ""},
		{"a non-member cannot raise it to FULL", func() error {
			_, err := fx.svc.AddOwner(as(alice), "", "foo", "acme", packageowner.LevelFULL)
			return err
		}, apperr.Forbidden},
		{"an admin can", func() error {
			_, err := fx.svc.AddOwner(as(bob, bobAdmin), "", "foo", "acme", packageowner.LevelFULL)
			return err
		}, ""},
		{"any full owner can lower it again", func() error {
			_, err := fx.svc.AddOwner(as(alice), "", "foo", "acme", packageowner.LevelMAINTAINER)
			return err
		}, ""},
	}
	for _, s := range steps {
		before, beforeOwners := fx.counts(), owners()
		err := s.run()
		if codeOf(err) != s.want {
			t.Fatalf("%s: error %v, want code %q", s.name, err, s.want)
		}
		after, afterOwners := fx.counts(), owners()
		if s.want != "" && (after != before || afterOwners != beforeOwners) {
			t.Errorf("%s: refused change wrote rows: %+v %s → %+v %s", s.name, before, beforeOwners, after, afterOwners)
		}
		if s.want == "" && (after.audit != before.audit+1 || afterOwners == beforeOwners) {
			t.Errorf("%s: audit rows %d → %d, owners %s → %s", s.name, before.audit, after.audit, beforeOwners, afterOwners)
		}
	}

	// The refused route to a transfer: alice cannot leave acme as the
	// package's only full owner without acme's admin.
	fx2 := newFixture(t)
	dave := fx2.user("dave")
	fx2.org("globex")
	fx2.publish(as(dave), "", pkgSpec{name: "bar", version: "1.0.0"})
	_, err := fx2.svc.AddOwner(as(dave), "", "bar", "globex", packageowner.LevelFULL)
	wantCode(t, err, apperr.Forbidden)
	_, err = fx2.svc.RemoveOwner(as(dave), "", "bar", "dave")
	wantCode(t, err, apperr.Conflict)
}

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		zero = *p
	}
	return zero
}
