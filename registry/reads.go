package registry

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
)

// Reads run as the viewer in ctx: the privacy interceptors make private
// packages of other organizations absent, so "not found" and "not yours"
// look the same from outside.

const maxList = 500

func clampLimit(limit int) int {
	if limit <= 0 || limit > maxList {
		return maxList
	}
	return limit
}

// Package returns a package by repository ("" = public) and name.
func (s *Service) Package(ctx context.Context, repoName, name string) (*ent.Pkg, error) {
	r, err := s.resolveRepo(ctx, s.DB.Repository, repoName)
	if err != nil {
		return nil, err
	}
	p, err := s.DB.Pkg.Query().Where(pkg.RepositoryID(r.ID), pkg.Name(name)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, notFoundPackage(r, name)
	}
	if err != nil {
		return nil, fmt.Errorf("load package %s: %w", name, err)
	}
	return p, nil
}

// Release returns one release by repository, package name and version.
func (s *Service) Release(ctx context.Context, repoName, name, version string) (*ent.Release, error) {
	r, err := s.resolveRepo(ctx, s.DB.Repository, repoName)
	if err != nil {
		return nil, err
	}
	// Two indexed lookups: a correlated EXISTS on the package would make
	// SQLite scan every release.
	pid, err := s.DB.Pkg.Query().Where(pkg.RepositoryID(r.ID), pkg.Name(name)).OnlyID(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "no release %s %s", name, version)
	}
	if err != nil {
		return nil, fmt.Errorf("load package %s: %w", name, err)
	}
	rel, err := s.DB.Release.Query().Where(release.PackageID(pid), release.Version(version)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "no release %s %s", name, version)
	}
	if err != nil {
		return nil, fmt.Errorf("load release %s %s: %w", name, version, err)
	}
	return rel, nil
}

// Versions lists a package's releases newest first in SemVer precedence,
// sorted by the database on version_key. limit <= 0 means up to 500.
func (s *Service) Versions(ctx context.Context, pkgID, limit int) ([]*ent.Release, error) {
	rels, err := s.DB.Release.Query().
		Where(release.PackageID(pkgID)).
		Order(newestOrder.ent()...).
		Limit(clampLimit(limit)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	return rels, nil
}

// LatestRelease is the package's highest stable release, else its highest
// pre-release; nil when it has none visible.
func (s *Service) LatestRelease(ctx context.Context, pkgID int) (*ent.Release, error) {
	return latestRelease(ctx, s.DB.Release, pkgID)
}

// Dependents lists the packages (visible to the viewer) with a release that
// depends on pkgID, by name. limit <= 0 means up to 500. It is
// DependentsOf for one package.
func (s *Service) Dependents(ctx context.Context, pkgID, limit int) ([]*ent.Pkg, error) {
	m, err := s.DependentsOf(ctx, []int{pkgID}, limit)
	return m[pkgID], err
}
