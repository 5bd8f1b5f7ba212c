package registry_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/viewer"
)

// TestAuthorizationMatrix runs every mutation as every kind of caller on a
// public package owned by a user (FULL), a maintainer and organization acme
// (FULL), and checks the error code of each cell. Keys belong to the full
// owner, so only their scope limits them.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	const (
		ok   = apperr.Code("")
		unau = apperr.Unauthenticated
		forb = apperr.Forbidden
	)
	mutations := []string{"Publish", "Revert", "Retire", "Unretire", "AddOwner", "RemoveOwner", "Transfer"}
	actors := []struct {
		name string
		want [7]apperr.Code
	}{
		{"anonymous", [7]apperr.Code{unau, unau, unau, unau, unau, unau, unau}},
		{"other user", [7]apperr.Code{forb, forb, forb, forb, forb, forb, forb}},
		{"maintainer", [7]apperr.Code{ok, ok, ok, ok, forb, forb, forb}},
		{"full owner", [7]apperr.Code{ok, ok, ok, ok, ok, ok, ok}},
		{"org read", [7]apperr.Code{forb, forb, forb, forb, forb, forb, forb}},
		{"org write", [7]apperr.Code{ok, ok, ok, ok, forb, forb, forb}},
		{"org admin", [7]apperr.Code{ok, ok, ok, ok, ok, ok, ok}},
		{"key api:read", [7]apperr.Code{forb, forb, forb, forb, forb, forb, forb}},
		{"key package:other", [7]apperr.Code{forb, forb, forb, forb, forb, forb, forb}},
		{"key package:this", [7]apperr.Code{ok, ok, ok, ok, ok, ok, ok}},
	}

	fx := newFixture(t)
	full, maint, other := fx.user("full"), fx.user("maint"), fx.user("other")
	reader, writer, admin := fx.user("reader"), fx.user("writer"), fx.user("admin")
	fx.user("target")
	fx.user("newbie")
	acme := fx.org("acme")
	orgR, orgW, orgA := fx.member(acme, reader, viewer.RoleRead), fx.member(acme, writer, viewer.RoleWrite), fx.member(acme, admin, viewer.RoleAdmin)

	ctxFor := func(actor, pkgName string) context.Context {
		switch actor {
		case "anonymous":
			return anonymous()
		case "other user":
			return as(other)
		case "maintainer":
			return as(maint)
		case "full owner":
			return as(full)
		case "org read":
			return as(reader, orgR)
		case "org write":
			return as(writer, orgW)
		case "org admin":
			return as(admin, orgA)
		case "key api:read":
			return withKey(full, []viewer.Scope{"api:read"})
		case "key package:other":
			return withKey(full, []viewer.Scope{"package:something_else"})
		case "key package:this":
			return withKey(full, []viewer.Scope{viewer.Scope("package:" + pkgName)})
		}
		panic(actor)
	}
	run := func(ctx context.Context, mutation, name string) error {
		var err error
		switch mutation {
		case "Publish":
			_, _, err = fx.svc.Publish(ctx, registry.PublishInput{Tarball: bytes.NewReader(tarball(t, pkgSpec{name: name, version: "2.0.0"}))})
		case "Revert":
			_, _, err = fx.svc.Revert(ctx, "", name, "1.1.0")
		case "Retire":
			_, err = fx.svc.Retire(ctx, "", name, "1.1.0", retirement.ReasonDEPRECATED, "use bar")
		case "Unretire":
			_, err = fx.svc.Unretire(ctx, "", name, "1.0.0")
		case "AddOwner":
			_, err = fx.svc.AddOwner(ctx, "", name, "newbie", packageowner.LevelMAINTAINER)
		case "RemoveOwner":
			_, err = fx.svc.RemoveOwner(ctx, "", name, "maint")
		case "Transfer":
			_, err = fx.svc.Transfer(ctx, "", name, "target")
		}
		return err
	}

	for ai, actor := range actors {
		for mi, mutation := range mutations {
			name := fmt.Sprintf("pkg_%d_%d", ai, mi)
			t.Run(actor.name+"/"+mutation, func(t *testing.T) {
				// A fresh package per cell: full owner, maintainer, and
				// acme as a FULL owner; 1.0.0 retired; 1.1.0 in its window.
				fx.clock.set(0)
				setup := as(full)
				fx.publish(setup, "", pkgSpec{name: name, version: "1.0.0"})
				fx.publish(setup, "", pkgSpec{name: name, version: "1.1.0"})
				// acme's consent to owning the package is taken for
				// granted here (system context): the full owner is no
				// admin of acme.
				for _, o := range []struct {
					ctx   context.Context
					who   string
					level packageowner.Level
				}{{setup, "maint", packageowner.LevelMAINTAINER}, {fx.sys(), "acme", packageowner.LevelFULL}} {
					if _, err := fx.svc.AddOwner(o.ctx, "", name, o.who, o.level); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := fx.svc.Retire(setup, "", name, "1.0.0", retirement.ReasonOTHER, ""); err != nil {
					t.Fatal(err)
				}
				fx.clock.set(time.Minute)

				before := fx.counts()
				err := run(ctxFor(actor.name, name), mutation, name)
				want := actor.want[mi]
				if got := codeOf(err); got != want {
					t.Fatalf("code %q (%v), want %q", got, err, want)
				}
				after := fx.counts()
				if want != ok && after != before {
					t.Errorf("refused %s wrote rows: %+v → %+v", mutation, before, after)
				}
				if want == ok && after.audit != before.audit+1 {
					t.Errorf("%s wrote %d audit rows, want 1", mutation, after.audit-before.audit)
				}
			})
		}
	}
}
