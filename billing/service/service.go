// Package service carries out Depot's billing use cases against the
// database: billing profiles, starting and changing subscriptions, invoices
// and their payment, and the clock-driven runner (Tick) that renews periods,
// retries failed charges and ends subscriptions.
//
// The rules themselves live in the pure billing package; this package loads
// rows, feeds them to those rules as plain values, carries out the actions
// they return (invoice, charge, mail) and stores the result, all in one
// transaction per use case together with the audit entry. The database is
// the source of truth; the payment processor is told what to do through
// billing.Processor with idempotency keys derived from our rows (invoice
// number and attempt count, subscription row and state version), so a
// transaction that is rolled back after a processor call and then retried
// sends the same key and gets the processor's first answer back instead of
// charging twice.
package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/invoice"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/ent/subscription"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// Service holds the billing use cases. All fields are required.
type Service struct {
	DB        *ent.Client
	Processor billing.Processor
	Clock     billing.Clock
	Prices    billing.Prices
	Seller    billing.Seller
	// OnLapse, when set, is called after a commit that ended an
	// organization's private access (open subscriptions then re-read
	// their viewer at once).
	OnLapse func(ctx context.Context, orgID int)
}

// account is one organization's billing rows, loaded inside a use case.
type account struct {
	org     *ent.Organization
	profile *ent.BillingProfile
	sub     *ent.Subscription // nil when the organization never subscribed
}

// authorize finds the organization and checks that the viewer is one of its
// admins (write: and may change things). Non-members get NOT_FOUND, worded
// like a missing organization, so billing does not reveal which private
// organizations exist.
func authorize(ctx context.Context, c *ent.Client, orgName string, write bool) (*ent.Organization, error) {
	v := viewer.FromContext(ctx)
	if v.Anonymous() {
		return nil, apperr.SignInRequired()
	}
	q := c.Organization.Query().Where(organization.Name(orgName))
	if write {
		// Serializes billing changes of one organization (invoice sequence,
		// subscription state) on PostgreSQL.
		q = q.Where(store.ForUpdate)
	}
	o, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "no organization named %q", orgName)
	}
	if err != nil {
		return nil, fmt.Errorf("load organization %s: %w", orgName, err)
	}
	if v.IsSystem() || (Visible(v, o.ID) && (!write || v.Scopes.AllowsWrite())) {
		return o, nil
	}
	switch v.RoleIn(o.ID) {
	case viewer.RoleNone:
		return nil, apperr.New(apperr.NotFound, "no organization named %q", orgName)
	case viewer.RoleAdmin:
	default:
		return nil, apperr.New(apperr.Forbidden, "only admins of %s can see and change its billing", orgName)
	}
	if !v.ReadsAccount() {
		return nil, apperr.New(apperr.Forbidden, "this API key may not read billing (needs api:read)")
	}
	if write && !v.Scopes.AllowsWrite() {
		return nil, apperr.New(apperr.Forbidden, "this API key may not change billing (needs api:write)")
	}
	return o, nil
}

// load authorizes and loads the organization's billing rows.
func load(ctx context.Context, c *ent.Client, orgName string, write bool) (*account, error) {
	o, err := authorize(ctx, c, orgName, write)
	if err != nil {
		return nil, err
	}
	a := &account{org: o}
	if a.profile, err = o.QueryBillingProfile().Only(ctx); err != nil {
		return nil, fmt.Errorf("load billing profile of %s: %w", orgName, err)
	}
	a.sub, err = c.Subscription.Query().Where(subscription.OrganizationID(o.ID)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, fmt.Errorf("load subscription of %s: %w", orgName, err)
	}
	return a, nil
}

// mutate runs one admin use case in a transaction: fn changes the run's
// state and carries out actions; mutate then stores the subscription state
// and the audit entry, and commits.
func (s *Service) mutate(ctx context.Context, orgName, action string, fn func(ctx context.Context, r *run) (map[string]any, error)) (*run, error) {
	var r *run
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		a, err := load(ctx, tx.Client(), orgName, true)
		if err != nil {
			return err
		}
		// Billing changes are sensitive: a fresh two-factor code (sudo mode).
		if viewer.FromContext(ctx).SensitiveNeedsCode(s.Clock.Now()) {
			return apperr.CodeRequired()
		}
		if r, err = s.newRun(ctx, tx, a); err != nil {
			return err
		}
		params, err := fn(ctx, r)
		if err != nil {
			return err
		}
		if err := r.save(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, OrganizationID: a.org.ID, Params: params})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// domainErr turns a billing rule's error into the domain error the fronts
// map to a code. A seat count below the members is bad input of the seat
// count here (SEATS_EXHAUSTED is for adding a member).
func domainErr(err error, field string) error {
	code := billing.Code(err)
	if code == "" {
		return err
	}
	c := apperr.Code(code)
	if errors.Is(err, billing.ErrSeatsExhausted) {
		c = apperr.BadInput
	}
	return &apperr.Error{Code: c, Message: err.Error(), Field: field, Err: err}
}

func members(ctx context.Context, c *ent.Client, orgID int) (int, error) {
	n, err := c.Membership.Query().Where(membership.OrganizationID(orgID)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}

// openInvoice is the invoice being collected: the oldest open one (the
// first invoice while INCOMPLETE, the dunned one while PAST_DUE, the unpaid
// one after a cancellation for non-payment). Deriving it from the invoices
// keeps it from disagreeing with them.
func openInvoice(ctx context.Context, c *ent.Client, orgID int) (*ent.Invoice, error) {
	inv, err := c.Invoice.Query().
		Where(invoice.OrganizationID(orgID), invoice.StatusEQ(invoice.StatusOPEN)).
		Order(ent.Asc(invoice.FieldSeq)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find open invoice: %w", err)
	}
	return inv, nil
}

func invoiceID(inv *ent.Invoice) string { return strconv.Itoa(inv.ID) }

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func ptr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// Visible reports whether v may see organization orgID's billing: its
// admins only, and an admin's key only when it reads account data
// (viewer.Viewer.ReadRoleIn). Reads for anyone else answer FORBIDDEN or
// NOT_FOUND; GraphQL asks this first so that a list of organizations costs
// no billing query per organization for other viewers.
func Visible(v *viewer.Viewer, orgID int) bool {
	return v.IsSystem() || v.ReadRoleIn(orgID) == viewer.RoleAdmin
}
