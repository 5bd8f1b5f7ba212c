package org

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/viewer"
)

// Get returns the organization called name. Its existence is public (the
// name is taken either way), so an unknown name is NOT_FOUND; what protocols
// show beyond the name is for its members, decided by MembersVisible.
func (s *Service) Get(ctx context.Context, name string) (*ent.Organization, error) {
	o, err := s.DB.Organization.Query().Where(organization.Name(name)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "no organization named %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("load organization %s: %w", name, err)
	}
	return o, nil
}

// Members lists the members of organization name with their users, by
// username. Only those MembersVisible allows may list them: anyone else is
// FORBIDDEN.
func (s *Service) Members(ctx context.Context, name string) ([]*ent.Membership, error) {
	o, err := s.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	if !MembersVisible(viewer.FromContext(ctx), o.ID) {
		return nil, apperr.New(apperr.Forbidden, "only members of %s can see its members", name)
	}
	ms, err := s.DB.Membership.Query().Where(membership.OrganizationID(o.ID)).WithUser().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list members of %s: %w", name, err)
	}
	return ms, nil
}

// The entities org reads return, under the domain's names.
type (
	Organization = ent.Organization
	Membership   = ent.Membership
)
