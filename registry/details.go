package registry

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/repository"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/viewer"
)

// ParseOwnerLevel reads an owner level as protocols spell it ("full",
// "maintainer", any case). "" is the default, FULL, as in the Hex API.
func ParseOwnerLevel(s string) (packageowner.Level, error) {
	if s == "" {
		return packageowner.LevelFULL, nil
	}
	l := packageowner.Level(strings.ToUpper(s))
	if err := packageowner.LevelValidator(l); err != nil {
		return "", apperr.Invalid("level", "unknown owner level %q (want full or maintainer)", s)
	}
	return l, nil
}

// ParseRetireReason reads a retirement reason as protocols spell it
// ("security", "deprecated", any case). Retire itself refuses an unknown one.
func ParseRetireReason(s string) retirement.Reason {
	return retirement.Reason(strings.ToUpper(s))
}

// PackageDetail loads what a full package view shows: its repository, its
// owners (user or organization) and its releases newest first, each with
// its retirement. It reads as the viewer, like every read here.
func (s *Service) PackageDetail(ctx context.Context, p *ent.Pkg) (*ent.Pkg, error) {
	out, err := s.DB.Pkg.Query().Where(pkg.ID(p.ID)).
		WithRepository().
		WithOwners(func(q *ent.PackageOwnerQuery) {
			q.WithUser().WithOrganization().Order(ent.Asc(packageowner.FieldID))
		}).
		WithReleases(func(q *ent.ReleaseQuery) {
			q.WithRetirement().Order(newestOrder.ent()...).Limit(maxList)
		}).
		Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("load package %s: %w", p.Name, err)
	}
	return out, nil
}

// ReleaseDetail loads what a full release view shows: its package and
// repository, requirements, retirement and publisher.
func (s *Service) ReleaseDetail(ctx context.Context, rel *ent.Release) (*ent.Release, error) {
	out, err := s.DB.Release.Query().Where(release.ID(rel.ID)).
		WithPackage(func(q *ent.PkgQuery) { q.WithRepository() }).
		WithRequirements().
		WithRetirement().
		WithPublisher().
		Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("load release %s: %w", rel.Version, err)
	}
	return out, nil
}

// Repositories lists the repositories the viewer may read, by name: the
// public one, then each organization's whose private packages the viewer
// sees (viewer.PrivateOrgIDs, which counts membership, subscription and key
// scopes).
func (s *Service) Repositories(ctx context.Context) ([]*ent.Repository, error) {
	v := viewer.FromContext(ctx)
	pred := repository.OrganizationIDIsNil()
	if ids := v.PrivateOrgIDs(); len(ids) > 0 {
		pred = repository.Or(pred, repository.OrganizationIDIn(ids...))
	}
	rs, err := s.DB.Repository.Query().Where(pred).Order(ent.Asc(repository.FieldName)).All(viewer.System(ctx))
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	// The public repository first, as hexpm lists it; the rest by name.
	slices.SortStableFunc(rs, func(a, b *ent.Repository) int {
		return cmp.Compare(boolRank(a.OrganizationID != nil), boolRank(b.OrganizationID != nil))
	})
	return rs, nil
}

// Repository returns one repository the viewer may read; any other is
// NOT_FOUND, so private repositories do not reveal themselves.
func (s *Service) Repository(ctx context.Context, name string) (*ent.Repository, error) {
	r, err := s.resolveRepo(ctx, s.DB.Repository, name)
	if err != nil {
		return nil, err
	}
	if r.private() && !viewer.FromContext(ctx).CanReadPrivate(r.OrgID) {
		return nil, apperr.New(apperr.NotFound, "no repository named %q", name)
	}
	return s.DB.Repository.Get(viewer.System(ctx), r.ID)
}

// DocsRepository returns the repository name addresses for reading its
// documentation: the public one, or a private one whose docs the viewer
// reads (viewer.CanReadPrivateDocs); any other is NOT_FOUND.
func (s *Service) DocsRepository(ctx context.Context, name string) (*ent.Repository, error) {
	r, err := s.resolveRepo(ctx, s.DB.Repository, name)
	if err != nil {
		return nil, err
	}
	if r.private() && !viewer.FromContext(ctx).CanReadPrivateDocs(r.OrgID, r.Name) {
		return nil, apperr.New(apperr.NotFound, "no repository named %q", name)
	}
	return s.DB.Repository.Get(viewer.System(ctx), r.ID)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The entities the reads return, under the domain's names, for fronts that
// render them without depending on the persistence layer's packages.
type (
	Package    = ent.Pkg
	Release    = ent.Release
	Owner      = ent.PackageOwner
	Retirement = ent.Retirement
	Repo       = ent.Repository
)

// OffsetCursor is the Search cursor that skips the first n results, for
// fronts that page by number.
func OffsetCursor(n int) string { return encodeCursor(n) }

// WithRepositories loads the Repository edge of each package in one query.
func (s *Service) WithRepositories(ctx context.Context, ps []*ent.Pkg) error {
	ids := make([]int, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.RepositoryID)
	}
	rs, err := s.DB.Repository.Query().Where(repository.IDIn(ids...)).All(viewer.System(ctx))
	if err != nil {
		return fmt.Errorf("load repositories: %w", err)
	}
	byID := make(map[int]*ent.Repository, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
	}
	for _, p := range ps {
		p.Edges.Repository = byID[p.RepositoryID]
	}
	return nil
}

// OwnedPackages lists, by name, the packages user userID owns directly (an
// owner row naming the user), as the viewer may see them, each with its
// repository.
func (s *Service) OwnedPackages(ctx context.Context, userID int) ([]*ent.Pkg, error) {
	ps, err := s.DB.Pkg.Query().
		Where(pkg.HasOwnersWith(packageowner.UserID(userID))).
		WithRepository().
		Order(ent.Asc(pkg.FieldName)).
		Limit(maxList).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list packages of user %d: %w", userID, err)
	}
	return ps, nil
}
