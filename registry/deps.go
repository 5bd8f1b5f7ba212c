package registry

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/requirement"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/viewer"
)

// dep is a requirement resolved to the package it names.
type dep struct {
	hextar.Requirement
	// Repository as stored: "" for the public repository, else the
	// organization's name.
	Repository string
	PackageID  int
}

// publicAliases are the names a tarball may use for the public repository:
// ours, and "hexpm", which mix writes for public dependencies of private
// packages.
func (s *Service) isPublicName(name string) bool {
	return name == s.publicName() || name == "hexpm"
}

// resolveDeps finds every dependency's package. A public package may only
// depend on public packages; a private one also on packages of its own
// repository. An unnamed repository means the package's own. Lookups run as
// the system: the publisher was already authorized for the repository.
func (s *Service) resolveDeps(ctx context.Context, tx *ent.Tx, r repo, reqs []hextar.Requirement) ([]dep, error) {
	sys := viewer.System(ctx)
	out := make([]dep, 0, len(reqs))
	for _, req := range reqs {
		target := r
		switch {
		case req.Repository == "" || req.Repository == r.Name:
		case s.isPublicName(req.Repository):
			target = repo{}
		default:
			return nil, apperr.Invalid("requirements", "dependency %s: repository %q is not allowed (depend on public packages or packages of the same private repository)", req.Name, req.Repository)
		}
		q := tx.Pkg.Query().Where(pkg.Name(req.Name))
		if target.private() {
			q = q.Where(pkg.RepositoryID(target.ID))
		} else {
			q = q.Where(pkg.PrivateOrgIDIsNil())
		}
		id, err := q.OnlyID(sys)
		if ent.IsNotFound(err) {
			return nil, apperr.Invalid("requirements", "unknown dependency %s", req.Name)
		}
		if err != nil {
			return nil, fmt.Errorf("resolve dependency %s: %w", req.Name, err)
		}
		d := dep{Requirement: req, PackageID: id}
		if target.private() {
			d.Repository = target.Name
		}
		if d.App == "" {
			d.App = req.Name
		}
		out = append(out, d)
	}
	return out, nil
}

// writeRequirements stores a release's dependencies.
func writeRequirements(ctx context.Context, tx *ent.Tx, r repo, releaseID int, deps []dep) error {
	if len(deps) == 0 {
		return nil
	}
	creates := make([]*ent.RequirementCreate, 0, len(deps))
	for _, d := range deps {
		creates = append(creates, tx.Requirement.Create().
			SetReleaseID(releaseID).
			SetName(d.Name).
			SetRepository(d.Repository).
			SetRequirement(d.Requirement.Requirement).
			SetApp(d.App).
			SetOptional(d.Optional).
			SetDependencyID(d.PackageID).
			SetNillablePrivateOrgID(r.privateOrgID()))
	}
	if err := tx.Requirement.CreateBulk(creates...).Exec(ctx); err != nil {
		return fmt.Errorf("store requirements: %w", err)
	}
	return nil
}

// dependents lists packages other than p whose releases depend on p, for
// the "refused while depended on" rule. Names of private dependents the
// viewer cannot see are not revealed, only counted.
func dependents(ctx context.Context, tx *ent.Tx, p *ent.Pkg) (visible []string, hidden int, err error) {
	q := func() *ent.PkgQuery {
		return tx.Pkg.Query().Where(
			pkg.IDNEQ(p.ID),
			pkg.HasReleasesWith(release.HasRequirementsWith(requirement.DependencyID(p.ID))),
		)
	}
	visible, err = q().Order(ent.Asc(pkg.FieldName)).Select(pkg.FieldName).Strings(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("find dependents: %w", err)
	}
	all, err := q().Count(viewer.System(ctx))
	if err != nil {
		return nil, 0, fmt.Errorf("count dependents: %w", err)
	}
	return visible, all - len(visible), nil
}
