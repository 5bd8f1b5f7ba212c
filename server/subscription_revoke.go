package server

import (
	"context"
	"log/slog"

	"github.com/depot-registry/depot/events"
)

// revocations announce on the event bus, across instances, every change
// that narrows what a viewer may read: a revoked API key, a removed member,
// a lapsed subscription. Open subscriptions of the affected viewers re-read
// them at once instead of at their next periodic refresh. The services
// that make such changes take these as their OnRevoke / OnLapse hooks.
type revocations struct {
	bus events.Bus
	log *slog.Logger
}

func (r revocations) announce(ctx context.Context, rev events.Revocation) {
	if err := r.bus.Revoke(context.WithoutCancel(ctx), rev); err != nil {
		// The periodic refresh still applies it, seconds later.
		r.log.WarnContext(ctx, "announce revocation", "err", err)
	}
}

// userGone is the hook of account and org: a user's keys, sessions or
// memberships changed.
func (r revocations) userGone(ctx context.Context, userID int) {
	r.announce(ctx, events.Revocation{UserID: userID})
}

// orgLapsed is billing's hook: an organization lost its private access.
func (r revocations) orgLapsed(ctx context.Context, orgID int) {
	r.announce(ctx, events.Revocation{OrgID: orgID})
}
