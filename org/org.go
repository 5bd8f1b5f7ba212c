// Package org is organizations and their members: creation, membership and
// roles (admin > write > read), with the rule that an organization always
// keeps at least one admin, and seats as the upper bound of members when the
// organization pays for private packages.
package org

import (
	"context"
	"strings"
	"time"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	billingsvc "github.com/depot-registry/depot/billing/service"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/names"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// Service holds the organization use cases.
type Service struct {
	DB  *ent.Client
	Now func() time.Time
	// OnRevoke, when set, is called after a member's removal committed
	// (open subscriptions of that user then re-read their viewer at once).
	OnRevoke func(ctx context.Context, userID int)
}

// CreateInput describes a new organization.
type CreateInput struct {
	Name, DisplayName, BillingEmail string
}

// Create makes an organization with its private repository; the caller
// becomes its only admin.
func (s *Service) Create(ctx context.Context, in CreateInput) (*ent.Organization, error) {
	v := viewer.FromContext(ctx)
	if err := requireWriter(v); err != nil {
		return nil, err
	}
	if err := names.Organization(in.Name); err != nil {
		return nil, err
	}
	var o *ent.Organization
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		if err := account.ClaimName(ctx, tx, in.Name); err != nil {
			return err
		}
		creator, err := tx.User.Get(ctx, v.UserID)
		if err != nil {
			return err
		}
		if o, err = tx.Organization.Create().SetName(in.Name).SetDisplayName(strings.TrimSpace(in.DisplayName)).Save(ctx); err != nil {
			return err
		}
		if err := tx.Repository.Create().SetName(in.Name).SetOrganizationID(o.ID).Exec(ctx); err != nil {
			return err
		}
		if err := tx.Membership.Create().SetOrganizationID(o.ID).SetUserID(v.UserID).SetRole(membership.RoleADMIN).Exec(ctx); err != nil {
			return err
		}
		email := strings.TrimSpace(in.BillingEmail)
		if email == "" {
			email = creator.Email
		}
		if err := tx.BillingProfile.Create().SetOrganizationID(o.ID).SetEmail(email).SetCountry("").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "organization.create", OrganizationID: o.ID, Params: map[string]any{"name": in.Name}})
	})
	if err != nil {
		return nil, err
	}
	// A new organization has no subscription: not entitled to private packages yet.
	v.SetOrg(viewer.Org{ID: o.ID, Name: o.Name, Role: viewer.RoleAdmin, Entitled: false})
	// Entities from a committed transaction must be unwrapped, or the
	// payload's edges would be loaded through the finished transaction.
	return o.Unwrap(), nil
}

func requireWriter(v *viewer.Viewer) error {
	if v.Anonymous() {
		return apperr.SignInRequired()
	}
	if !v.Scopes.AllowsWrite() {
		return apperr.New(apperr.Forbidden, "this API key may not change organizations (needs api:write)")
	}
	if v.WriteNeedsCode() {
		return apperr.CodeRequired()
	}
	return nil
}

// lockOrg loads the organization by name with the viewer's role in it, and
// locks it so concurrent membership changes serialize (the "last admin" rule
// must hold under races).
func lockOrg(ctx context.Context, tx *ent.Tx, v *viewer.Viewer, name string) (*ent.Organization, viewer.Role, error) {
	o, err := tx.Organization.Query().Where(organization.Name(name)).Where(store.ForUpdate).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, viewer.RoleNone, apperr.New(apperr.NotFound, "no organization named %q", name)
	}
	if err != nil {
		return nil, viewer.RoleNone, err
	}
	role, err := roleOf(ctx, tx, o.ID, v.UserID)
	return o, role, err
}

// lockAdmin is lockOrg for operations only admins may do.
func lockAdmin(ctx context.Context, tx *ent.Tx, v *viewer.Viewer, name string) (*ent.Organization, error) {
	o, role, err := lockOrg(ctx, tx, v, name)
	if err != nil {
		return nil, err
	}
	if role != viewer.RoleAdmin {
		return nil, forbiddenMembers(name)
	}
	if o.RequireTwoFactor && !v.TwoFactor {
		return nil, needsTwoFactor(name)
	}
	return o, nil
}

func needsTwoFactor(name string) error {
	return apperr.New(apperr.Forbidden, "organization %s requires two-factor authentication: turn it on to administer the organization", name)
}

func forbiddenMembers(name string) error {
	return apperr.New(apperr.Forbidden, "only admins of %s can manage its members", name)
}

func roleOf(ctx context.Context, tx *ent.Tx, orgID, userID int) (viewer.Role, error) {
	m, err := tx.Membership.Query().Where(membership.OrganizationID(orgID), membership.UserID(userID)).Only(ctx)
	if ent.IsNotFound(err) {
		return viewer.RoleNone, nil
	}
	if err != nil {
		return viewer.RoleNone, err
	}
	return viewer.ParseRole(string(m.Role)), nil
}

func findUser(ctx context.Context, tx *ent.Tx, username string) (*ent.User, error) {
	u, err := tx.User.Query().Where(user.Username(username)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "no user named %q", username)
	}
	return u, err
}

// findMember loads a member of o and their membership.
func findMember(ctx context.Context, tx *ent.Tx, o *ent.Organization, username string) (*ent.User, *ent.Membership, error) {
	u, err := findUser(ctx, tx, username)
	if err != nil {
		return nil, nil, err
	}
	m, err := tx.Membership.Query().Where(membership.OrganizationID(o.ID), membership.UserID(u.ID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, apperr.New(apperr.NotFound, "%s is not a member of %s", username, o.Name)
	}
	return u, m, err
}

// AddMember adds a user with a role. When the organization has a paid
// subscription, members cannot outnumber seats: SEATS_EXHAUSTED asks the
// admin to buy a seat first.
func (s *Service) AddMember(ctx context.Context, orgName, username string, role membership.Role) (*ent.Membership, error) {
	v := viewer.FromContext(ctx)
	if err := requireWriter(v); err != nil {
		return nil, err
	}
	var m *ent.Membership
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		o, err := lockAdmin(ctx, tx, v, orgName)
		if err != nil {
			return err
		}
		u, err := findUser(ctx, tx, username)
		if err != nil {
			return err
		}
		if r, err := roleOf(ctx, tx, o.ID, u.ID); err != nil {
			return err
		} else if r != viewer.RoleNone {
			return apperr.New(apperr.Conflict, "%s is already a member of %s", username, orgName)
		}
		if err := billingsvc.CheckSeat(ctx, tx, o.ID); err != nil {
			return err
		}
		if m, err = tx.Membership.Create().SetOrganizationID(o.ID).SetUserID(u.ID).SetRole(role).Save(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "organization.add_member", OrganizationID: o.ID, SubjectUserID: u.ID,
			Params: map[string]any{"username": username, "role": string(role)}})
	})
	if err != nil {
		return nil, err
	}
	return m.Unwrap(), nil
}

// RemoveMember removes a member. Admins remove anyone; any member may
// remove themself (leave). The last admin can do neither.
func (s *Service) RemoveMember(ctx context.Context, orgName, username string) (*ent.Organization, error) {
	v := viewer.FromContext(ctx)
	if err := requireWriter(v); err != nil {
		return nil, err
	}
	var (
		o       *ent.Organization
		removed int
	)
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var (
			role viewer.Role
			err  error
		)
		if o, role, err = lockOrg(ctx, tx, v, orgName); err != nil {
			return err
		}
		if role != viewer.RoleAdmin && !(username == v.Username && role != viewer.RoleNone) {
			return forbiddenMembers(orgName)
		}
		if role == viewer.RoleAdmin && username != v.Username && o.RequireTwoFactor && !v.TwoFactor {
			return needsTwoFactor(orgName)
		}
		u, m, err := findMember(ctx, tx, o, username)
		if err != nil {
			return err
		}
		removed = u.ID
		if m.Role == membership.RoleADMIN {
			if err := notLastAdmin(ctx, tx, o.ID); err != nil {
				return err
			}
		}
		if err := tx.Membership.DeleteOne(m).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "organization.remove_member", OrganizationID: o.ID, SubjectUserID: u.ID,
			Params: map[string]any{"username": username}})
	})
	if err != nil {
		return nil, err
	}
	if s.OnRevoke != nil {
		s.OnRevoke(ctx, removed)
	}
	if username == v.Username {
		v.DropOrg(o.ID)
	}
	return o.Unwrap(), nil
}

func notLastAdmin(ctx context.Context, tx *ent.Tx, orgID int) error {
	n, err := tx.Membership.Query().Where(membership.OrganizationID(orgID), membership.RoleEQ(membership.RoleADMIN)).Count(ctx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return apperr.New(apperr.Conflict, "an organization must keep at least one admin; make someone else admin first")
	}
	return nil
}

// SetRole changes a member's role; the last admin cannot be demoted.
func (s *Service) SetRole(ctx context.Context, orgName, username string, role membership.Role) (*ent.Membership, error) {
	v := viewer.FromContext(ctx)
	if err := requireWriter(v); err != nil {
		return nil, err
	}
	var m *ent.Membership
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		o, err := lockAdmin(ctx, tx, v, orgName)
		if err != nil {
			return err
		}
		var u *ent.User
		if u, m, err = findMember(ctx, tx, o, username); err != nil {
			return err
		}
		if m.Role == membership.RoleADMIN && role != membership.RoleADMIN {
			if err := notLastAdmin(ctx, tx, o.ID); err != nil {
				return err
			}
		}
		if m, err = tx.Membership.UpdateOne(m).SetRole(role).Save(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "organization.set_role", OrganizationID: o.ID, SubjectUserID: u.ID,
			Params: map[string]any{"username": username, "role": string(role)}})
	})
	if err != nil {
		return nil, err
	}
	if username == v.Username {
		if cur, ok := v.Org(m.OrganizationID); ok {
			cur.Role = viewer.ParseRole(string(role))
			v.SetOrg(cur)
		}
	}
	return m.Unwrap(), nil
}

// MembersVisible reports whether v may see the members of organization
// orgID: its members may, nobody else, and a member's key only when it
// reads account data (viewer.Viewer.ReadRoleIn).
func MembersVisible(v *viewer.Viewer, orgID int) bool {
	if v.IsSystem() {
		return true
	}
	return v.ReadRoleIn(orgID) != viewer.RoleNone
}

// MembershipVisible reports whether v may see that user userID belongs to
// organization orgID: the user themself (viewer.Viewer.ReadsAccountOf) and
// those who see the organization's members.
func MembershipVisible(v *viewer.Viewer, userID, orgID int) bool {
	return v.ReadsAccountOf(userID) || MembersVisible(v, orgID)
}

// ViewerRole is v's role in organization orgID as v may read it: RoleNone
// for outsiders and for keys that do not read account data.
func ViewerRole(v *viewer.Viewer, orgID int) viewer.Role {
	return v.ReadRoleIn(orgID)
}

// SetRequireTwoFactor makes the organization require two-factor
// authentication of its members (or stop requiring it). Members without
// it keep reading the organization's packages but cannot publish or
// administer until they turn it on (account caps their role at read);
// they can still be added. An admin without two-factor authentication
// cannot turn the requirement on: it would lock them out.
func (s *Service) SetRequireTwoFactor(ctx context.Context, orgName string, require bool) (*ent.Organization, error) {
	v := viewer.FromContext(ctx)
	if err := requireWriter(v); err != nil {
		return nil, err
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	if v.SensitiveNeedsCode(now) {
		return nil, apperr.CodeRequired()
	}
	if require && !v.TwoFactor {
		return nil, apperr.Invalid("requireTwoFactor", "turn on two-factor authentication for your own account first")
	}
	var o *ent.Organization
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var err error
		if o, err = lockAdmin(ctx, tx, v, orgName); err != nil {
			return err
		}
		if o.RequireTwoFactor == require {
			return nil
		}
		if o, err = tx.Organization.UpdateOne(o).SetRequireTwoFactor(require).Save(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "organization.require_two_factor", OrganizationID: o.ID,
			Params: map[string]any{"require": require}})
	})
	if err != nil {
		return nil, err
	}
	return o.Unwrap(), nil
}
