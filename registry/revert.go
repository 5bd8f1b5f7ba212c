package registry

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// Revert unpublishes one version inside its window (private packages: any
// time), removing the release, its tarball and its docs. Reverting the last
// version deletes the package and its owners (seed), unless another
// package depends on it. It returns the package, or nil and true when it
// was deleted.
func (s *Service) Revert(ctx context.Context, repoName, name, version string) (*ent.Pkg, bool, error) {
	v := viewer.FromContext(ctx)
	if err := requireSignIn(v); err != nil {
		return nil, false, err
	}
	r, err := s.resolveRepo(ctx, s.DB.Repository, repoName)
	if err != nil {
		return nil, false, err
	}
	var (
		p   *ent.Pkg
		out removal
	)
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var owners []*ent.PackageOwner
		var err error
		if p, owners, err = lockPackage(ctx, tx, r, name); err != nil {
			return err
		}
		if err := authorize(v, r, name, owners, needPublish); err != nil {
			return err
		}
		rel, err := findRelease(ctx, tx, p, version)
		if err != nil {
			return err
		}
		if err := s.checkWindow("reverted", rel, p); err != nil {
			return err
		}
		others, err := tx.Release.Query().Where(release.PackageID(p.ID), release.IDNEQ(rel.ID)).Exist(viewer.System(ctx))
		if err != nil {
			return fmt.Errorf("count releases: %w", err)
		}
		if !others {
			if err := refuseIfDepended(ctx, tx, p); err != nil {
				return err
			}
		}
		now := s.now()
		if out, err = removeReleases(ctx, tx, now, r, p, []*ent.Release{rel}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{
			Action: "release.revert", OrganizationID: orgForAudit(r, owners), Package: name,
			Params: map[string]any{"repository": r.Name, "version": rel.Version, "package_deleted": out.deleted},
		})
	})
	if err != nil {
		return nil, false, err
	}
	s.dropBlobs(ctx, out.blobs)
	s.committed(ctx)
	if out.deleted {
		return nil, true, nil
	}
	p, err = s.DB.Pkg.Get(ctx, p.ID)
	if err != nil {
		return nil, false, fmt.Errorf("reload package: %w", err)
	}
	return p, false, nil
}

func findRelease(ctx context.Context, tx *ent.Tx, p *ent.Pkg, version string) (*ent.Release, error) {
	rel, err := tx.Release.Query().Where(release.PackageID(p.ID), release.Version(version)).Only(viewer.System(ctx))
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "%s has no version %q", p.Name, version)
	}
	if err != nil {
		return nil, fmt.Errorf("load release %s %s: %w", p.Name, version, err)
	}
	return rel, nil
}
