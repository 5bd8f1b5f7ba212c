package service

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/subscription"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// Tick moves every subscription to the clock's time: it renews periods
// (invoice and charge in advance on the billing day), runs due retries of
// failed charges, cancels for non-payment 15 days after the first failure,
// ends subscriptions cancelled at period end and drops INCOMPLETE ones that
// were never paid. The server calls it every few minutes; tests call it
// after moving the clock.
//
// It is idempotent: the state machine only acts on stored state that is due,
// so a second Tick at the same instant finds nothing to do and writes
// nothing. Each organization is handled in its own transaction with its
// subscription row locked, so two servers ticking at once do not both act;
// one organization's failure (say, the processor is unreachable) is
// reported and does not stop the others, which the next Tick retries.
func (s *Service) Tick(ctx context.Context) error {
	ctx = viewer.System(ctx)
	now := s.Clock.Now().UTC()
	ids, err := s.DB.Subscription.Query().Where(
		subscription.StatusNEQ(subscription.StatusCANCELED),
		subscription.Or(
			subscription.CurrentPeriodEndLTE(now),
			subscription.StatusIn(subscription.StatusPAST_DUE, subscription.StatusINCOMPLETE),
		),
	).IDs(ctx)
	if err != nil {
		return fmt.Errorf("find due subscriptions: %w", err)
	}
	var errs []error
	for _, id := range ids {
		if err := s.tickOne(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("subscription %d: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) tickOne(ctx context.Context, id int) error {
	return store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		row, err := tx.Subscription.Query().Where(subscription.ID(id)).Where(store.ForUpdate).
			WithOrganization().Only(ctx)
		if err != nil {
			return fmt.Errorf("lock subscription: %w", err)
		}
		a := &account{org: row.Edges.Organization, sub: row}
		if a.profile, err = a.org.QueryBillingProfile().Only(ctx); err != nil {
			return fmt.Errorf("load billing profile: %w", err)
		}
		r, err := s.newRun(ctx, tx, a)
		if err != nil {
			return err
		}
		st, acts := billing.Advance(r.st, r.now)
		if len(acts) == 0 && st == r.st {
			return nil
		}
		r.st = st
		if err := r.exec(ctx, acts); err != nil {
			return err
		}
		if err := r.save(ctx); err != nil {
			return err
		}
		kinds := make([]string, 0, len(acts))
		for _, act := range acts {
			if !slices.Contains(kinds, string(act.Kind)) {
				kinds = append(kinds, string(act.Kind))
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "billing.tick", OrganizationID: a.org.ID,
			Params: map[string]any{"actions": kinds, "status": string(r.st.Status)}})
	})
}
