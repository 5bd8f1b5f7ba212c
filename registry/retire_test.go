package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/ent/retirement"
)

func TestRetire(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	alice := fx.user("alice")
	ctx := as(alice)
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		fx.publish(ctx, "", pkgSpec{name: "foo", version: v})
	}
	fx.clock.set(400 * 24 * time.Hour) // retiring has no window

	tests := []struct {
		name, version string
		reason        retirement.Reason
		message       string
		want          apperr.Code
		wantRetired   int
	}{
		{"message too short", "1.0.0", retirement.ReasonSECURITY, "no", apperr.BadInput, 0},
		{"message too long", "1.0.0", retirement.ReasonSECURITY, strings.Repeat("x", 141), apperr.BadInput, 0},
		{"unknown reason", "1.0.0", "BORED", "", apperr.BadInput, 0},
		{"unknown version", "9.0.0", retirement.ReasonOTHER, "", apperr.NotFound, 0},
		{"one release with a message", "1.0.0", retirement.ReasonSECURITY, "CVE-2026-1", "", 1},
		{"140 characters", "1.1.0", retirement.ReasonDEPRECATED, strings.Repeat("é", 140), "", 1},
		{"every release", "", retirement.ReasonRENAMED, "", "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fx.counts()
			rels, err := fx.svc.Retire(ctx, "", "foo", tt.version, tt.reason, tt.message)
			wantCode(t, err, tt.want)
			after := fx.counts()
			if tt.want != "" {
				if after != before {
					t.Errorf("refused retire changed rows: %+v → %+v", before, after)
				}
				return
			}
			if len(rels) != tt.wantRetired || after.events != before.events+tt.wantRetired || after.audit != before.audit+1 {
				t.Errorf("retired %d, events +%d, audit +%d; want %d, %d, 1", len(rels), after.events-before.events, after.audit-before.audit, tt.wantRetired, tt.wantRetired)
			}
			for _, rel := range rels {
				r := fx.db.Retirement.Query().Where(retirement.ReleaseID(rel.ID)).OnlyX(fx.sys())
				if r.Reason != tt.reason || r.Message != tt.message {
					t.Errorf("retirement of %s = %s %q", rel.Version, r.Reason, r.Message)
				}
			}
		})
	}
	evs := fx.events(releaseevent.KindRETIRED)
	if last := evs[len(evs)-1]; last.RetirementReason != "RENAMED" {
		t.Errorf("last RETIRED event reason = %q", last.RetirementReason)
	}

	// Unretire.
	rels, err := fx.svc.Unretire(ctx, "", "foo", "1.0.0")
	if err != nil || len(rels) != 1 {
		t.Fatalf("unretire one: %v, %d", err, len(rels))
	}
	_, err = fx.svc.Unretire(ctx, "", "foo", "1.0.0")
	wantCode(t, err, apperr.Conflict)
	rels, err = fx.svc.Unretire(ctx, "", "foo", "")
	if err != nil || len(rels) != 2 {
		t.Fatalf("unretire all: %v, %d", err, len(rels))
	}
	if n := len(fx.events(releaseevent.KindUNRETIRED)); n != 3 {
		t.Errorf("UNRETIRED events = %d, want 3", n)
	}
	if n := fx.db.Retirement.Query().CountX(fx.sys()); n != 0 {
		t.Errorf("retirements left: %d", n)
	}
	_, err = fx.svc.Unretire(ctx, "", "foo", "")
	wantCode(t, err, apperr.Conflict)
}
