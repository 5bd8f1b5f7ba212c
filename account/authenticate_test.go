package account

import (
	"testing"
	"time"

	"github.com/depot-registry/depot/billing"
)

// The viewer cache keeps "no organization entitled" until the next write
// (see principal). That is exact only while time alone never turns an
// organization entitled: for every subscription state, not entitled at one
// instant means not entitled at every later one.
func TestTimeNeverEntitles(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var instants []time.Time
	for h := -24 * 40; h <= 24*40; h += 6 {
		instants = append(instants, t0.Add(time.Duration(h)*time.Hour))
	}
	for _, status := range []billing.Status{billing.StatusIncomplete, billing.StatusTrialing, billing.StatusActive, billing.StatusPastDue, billing.StatusCanceled} {
		for _, cancel := range []bool{false, true} {
			for _, failed := range []time.Time{{}, t0.Add(-10 * 24 * time.Hour), t0} {
				s := billing.Subscription{Status: status, CancelAtPeriodEnd: cancel, CurrentPeriodStart: t0.Add(-30 * 24 * time.Hour),
					CurrentPeriodEnd: t0, FirstFailureAt: failed}
				lapsed := false
				for _, now := range instants {
					ok := billing.Entitled(s, now)
					if lapsed && ok {
						t.Fatalf("%+v: not entitled earlier, entitled again at %v with no change", s, now)
					}
					lapsed = lapsed || !ok
				}
			}
		}
	}
}
