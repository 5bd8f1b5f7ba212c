package service_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/service"
	"github.com/depot-registry/depot/billing/service/servicetest"
	"github.com/depot-registry/depot/ent/membership"
)

// A commit that ends an organization's private access is announced once,
// after it committed (open subscriptions of its members re-read their
// viewer at once); changes that keep access announce nothing.
func TestLapseIsAnnounced(t *testing.T) {
	f := servicetest.New(t, at(2025, 3, 10))
	org := f.Org(t, "acme", membership.RoleADMIN)
	ctx := org.As(0)
	var (
		mu     sync.Mutex
		lapsed []int
	)
	f.Service.OnLapse = func(_ context.Context, orgID int) {
		mu.Lock()
		defer mu.Unlock()
		// Called after commit: the lapse is already visible.
		if entitled(t, f, orgID) {
			t.Errorf("OnLapse(%d) while the organization is still entitled", orgID)
		}
		lapsed = append(lapsed, orgID)
	}
	calls := func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(lapsed)
	}
	profile(t, f, ctx, "acme", service.ProfileInput{Email: "ap@acme.example", Name: "Jane", Country: "US"})
	if _, err := f.Service.Start(ctx, "acme", billing.Monthly, 1); err != nil {
		t.Fatalf("Start: %v", err)
	}
	f.Clock.Set(at(2025, 3, 20))
	if _, err := f.Service.Cancel(ctx, "acme"); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	tick(t, f, at(2025, 4, 10).Add(-time.Second))
	if got := calls(); len(got) != 0 {
		t.Fatalf("announced %v while access remains", got)
	}
	tick(t, f, at(2025, 4, 10))
	tick(t, f, at(2025, 4, 11))
	if got := calls(); !slices.Equal(got, []int{org.ID}) {
		t.Fatalf("announced %v, want the lapse of %d once", got, org.ID)
	}
}
