package service

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent/subscription"
)

// Entitled reports, with one query, which of the organizations may use
// their private packages and documentation now (billing.Entitled: active or
// trialing, past due within the grace period, cancelled-at-period-end until
// the period ends). An organization that never subscribed is not entitled:
// private packages are the paid feature; public packages through an
// organization stay free. Nothing is deleted when access lapses.
func (s *Service) Entitled(ctx context.Context, orgIDs []int) (map[int]bool, error) {
	out := make(map[int]bool, len(orgIDs))
	if len(orgIDs) == 0 {
		return out, nil
	}
	rows, err := s.DB.Subscription.Query().Where(subscription.OrganizationIDIn(orgIDs...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load subscriptions: %w", err)
	}
	now := s.Clock.Now()
	for _, id := range orgIDs {
		out[id] = false
	}
	for _, row := range rows {
		out[row.OrganizationID] = billing.Entitled(stateOf(row, nil), now)
	}
	return out, nil
}
