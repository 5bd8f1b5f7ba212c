package registry

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/requirement"
	"github.com/depot-registry/depot/hexrepo"
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

// HexRelease renders a stored release (with its requirements and
// retirement loaded) as a release of a Hex registry payload. A
// requirement's repository is "" when it is the payload's own repository
// (any of self: an exported repository may be renamed), else its name, the
// public repository's being public.
func HexRelease(rel *Release, public string, self ...string) (hexrepo.Release, error) {
	inner, err := hex.DecodeString(rel.InnerChecksum)
	if err != nil {
		return hexrepo.Release{}, fmt.Errorf("release %s: inner checksum: %w", rel.Version, err)
	}
	outer, err := hex.DecodeString(rel.OuterChecksum)
	if err != nil {
		return hexrepo.Release{}, fmt.Errorf("release %s: outer checksum: %w", rel.Version, err)
	}
	out := hexrepo.Release{Version: rel.Version, InnerChecksum: inner, OuterChecksum: outer}
	for _, req := range rel.Edges.Requirements {
		repo := cmp.Or(req.Repository, public)
		if slices.Contains(self, repo) {
			repo = ""
		}
		out.Dependencies = append(out.Dependencies, hexrepo.Dependency{
			Package: req.Name, Requirement: req.Requirement, Optional: req.Optional, App: req.App, Repository: repo,
		})
	}
	if ret := rel.Edges.Retirement; ret != nil {
		reason, err := hexrepo.ParseRetirementReason(strings.ToLower(string(ret.Reason)))
		if err != nil {
			return hexrepo.Release{}, fmt.Errorf("release %s: %w", rel.Version, err)
		}
		out.Retired = &hexrepo.Retirement{Reason: reason, Message: ret.Message}
	}
	return out, nil
}
