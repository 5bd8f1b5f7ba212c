package service

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/subscription"
)

// CheckSeat refuses one more member of organization orgID when its
// subscription's seats are all taken (billing.LimitsMembers,
// billing.CanAddMember). It runs in the caller's transaction, which holds
// the organization's lock, so two additions cannot both take the last seat.
func CheckSeat(ctx context.Context, tx *ent.Tx, orgID int) error {
	sub, err := tx.Subscription.Query().Where(subscription.OrganizationID(orgID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load subscription: %w", err)
	}
	if !billing.LimitsMembers(billing.Status(sub.Status)) {
		return nil
	}
	n, err := members(ctx, tx.Client(), orgID)
	if err != nil {
		return err
	}
	if err := billing.CanAddMember(sub.Seats, n); err != nil {
		return &apperr.Error{Code: apperr.SeatsExhausted, Err: err,
			Message: fmt.Sprintf("all %d seats are taken; buy another seat before adding a member", sub.Seats)}
	}
	return nil
}
