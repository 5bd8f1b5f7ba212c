package registry

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/requirement"
)

// The repository index: what the Hex repository front (repo/) signs and
// serves for one repository — its package names, every package's versions,
// and one package's releases with their requirements and retirements. The
// repository comes from Repository (which checks the viewer may read it);
// reads run as the context's viewer, like the rest of the read model.
// Versions are in SemVer ascending order (version_key ascending), the order
// of the Hex registry payloads.

// IndexNames is every package of repository repoID with its update time,
// by name (only Name and UpdatedAt are read).
func (s *Service) IndexNames(ctx context.Context, repoID int) ([]*Package, error) {
	ps, err := s.DB.Pkg.Query().
		Where(pkg.RepositoryID(repoID)).
		Order(ent.Asc(pkg.FieldName)).
		Select(pkg.FieldName, pkg.FieldUpdatedAt).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list packages: %w", err)
	}
	return ps, nil
}

// IndexVersions is every package of repository repoID by name, each with
// its releases (Edges.Releases: Version only, SemVer ascending) and their
// retirements (Edges.Retirement). Three statements, whatever the size.
func (s *Service) IndexVersions(ctx context.Context, repoID int) ([]*Package, error) {
	ps, err := s.DB.Pkg.Query().
		Where(pkg.RepositoryID(repoID)).
		Order(ent.Asc(pkg.FieldName)).
		Select(pkg.FieldName).
		WithReleases(func(q *ent.ReleaseQuery) {
			q.Select(release.FieldVersion, release.FieldPackageID).
				Order(oldestOrder.ent()...).
				WithRetirement()
		}).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	return ps, nil
}

// IndexPackage is every release of package name in repository repoID,
// SemVer ascending, each with its requirements (Edges.Requirements, in the
// order they were published) and retirement (Edges.Retirement). A package
// with no release the viewer may see is apperr.NotFound: a package is
// deleted with its last release. Three indexed statements.
func (s *Service) IndexPackage(ctx context.Context, repoID int, name string) ([]*Release, error) {
	// The package's id first: a correlated EXISTS on the package would make
	// SQLite scan every release.
	pid, err := s.DB.Pkg.Query().Where(pkg.RepositoryID(repoID), pkg.Name(name)).OnlyID(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "no package %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("load package %s: %w", name, err)
	}
	rels, err := s.DB.Release.Query().
		Where(release.PackageID(pid)).
		Order(oldestOrder.ent()...).
		WithRequirements(func(q *ent.RequirementQuery) { q.Order(ent.Asc(requirement.FieldID)) }).
		WithRetirement().
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load releases of %s: %w", name, err)
	}
	if len(rels) == 0 {
		return nil, apperr.New(apperr.NotFound, "no package %s", name)
	}
	return rels, nil
}
