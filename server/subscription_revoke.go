package server

import (
	"context"

	"github.com/depot-registry/depot/events"
)

// wireRevocations announces on the event bus, across instances, every change
// that narrows what a viewer may read: a revoked API key, a removed member,
// a lapsed subscription. Open subscriptions of the affected viewers re-read
// them at once instead of at their next periodic refresh.
func (s *Server) wireRevocations() {
	revoke := func(ctx context.Context, r events.Revocation) {
		if err := s.Bus.Revoke(context.WithoutCancel(ctx), r); err != nil {
			// The periodic refresh still applies it, seconds later.
			s.Log.WarnContext(ctx, "announce revocation", "err", err)
		}
	}
	userGone := func(ctx context.Context, userID int) { revoke(ctx, events.Revocation{UserID: userID}) }
	s.Accounts.OnRevoke = userGone
	s.Orgs.OnRevoke = userGone
	s.Billing.OnLapse = func(ctx context.Context, orgID int) { revoke(ctx, events.Revocation{OrgID: orgID}) }
}
