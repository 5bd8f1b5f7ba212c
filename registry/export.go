package registry

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/requirement"
	"github.com/depot-registry/depot/viewer"
)

// RepositoryPackage is one package of a repository with everything an
// export writes: its releases in SemVer order (requirements and retirement
// loaded) and its owners.
type RepositoryPackage struct {
	Package  *ent.Pkg
	Releases []*ent.Release
	Owners   []*ent.PackageOwner // with User or Organization loaded
}

// RepositoryContents lists every package of organization org's repository
// ("" for the public one) for an export. It reads past the privacy filter
// and past entitlement: a lapsed organization's data is still there (seed:
// kept at least 90 days) and its admins may take it with them. Only the
// system viewer may call it; the export rules (who may export) decide
// before.
func (s *Service) RepositoryContents(ctx context.Context, org string) (*ent.Repository, []RepositoryPackage, error) {
	if !viewer.FromContext(ctx).IsSystem() {
		return nil, nil, apperr.New(apperr.Forbidden, "repository contents are read for exports only")
	}
	r, err := s.resolveRepo(ctx, s.DB.Repository, org)
	if err != nil {
		return nil, nil, err
	}
	row, err := s.DB.Repository.Get(ctx, r.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("load repository %s: %w", r.Name, err)
	}
	ps, err := s.DB.Pkg.Query().Where(pkg.RepositoryID(r.ID)).Order(ent.Asc(pkg.FieldName)).
		WithReleases(func(q *ent.ReleaseQuery) {
			q.Order(oldestOrder.ent()...).
				WithRequirements(func(q *ent.RequirementQuery) { q.Order(ent.Asc(requirement.FieldID)) }).
				WithRetirement()
		}).
		WithOwners(func(q *ent.PackageOwnerQuery) {
			q.Order(ent.Asc(packageowner.FieldID)).WithUser().WithOrganization()
		}).
		All(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load packages of %s: %w", r.Name, err)
	}
	out := make([]RepositoryPackage, 0, len(ps))
	for _, p := range ps {
		if len(p.Edges.Releases) == 0 {
			continue
		}
		out = append(out, RepositoryPackage{Package: p, Releases: p.Edges.Releases, Owners: p.Edges.Owners})
	}
	return row, out, nil
}
