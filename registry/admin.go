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

// AdminRemove takes a version, or a whole package when version is "", out
// of the repository for legal or security reasons (seed: "we reserve the
// right to remove any package ... at any time"). It is for `depot admin
// remove`, which runs as the system viewer. Unlike Revert there is no
// window and no dependents check: the operator has decided, and dependents
// are left with a requirement on a package that is gone. The name or version
// is reserved so it can never be published again. It reports whether the
// package was deleted.
func (s *Service) AdminRemove(ctx context.Context, repoName, name, version, reason string) (bool, error) {
	v := viewer.FromContext(ctx)
	if !v.IsSystem() {
		return false, apperr.New(apperr.Forbidden, "only the depot admin command can remove packages")
	}
	r, err := s.resolveRepo(ctx, s.DB.Repository, repoName)
	if err != nil {
		return false, err
	}
	var out removal
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		p, owners, err := lockPackage(ctx, tx, r, name)
		if err != nil {
			return err
		}
		var rels []*ent.Release
		if version == "" {
			if rels, err = tx.Release.Query().Where(release.PackageID(p.ID)).All(ctx); err != nil {
				return fmt.Errorf("load releases: %w", err)
			}
		} else {
			rel, err := findRelease(ctx, tx, p, version)
			if err != nil {
				return err
			}
			rels = []*ent.Release{rel}
		}
		if err := reserve(ctx, tx, r, name, version, reason); err != nil {
			return err
		}
		if len(rels) > 0 {
			if out, err = removeReleases(ctx, tx, s.now(), r, p, rels); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{
			Action: "package.admin_remove", OrganizationID: orgForAudit(r, owners), Package: name,
			Params: map[string]any{"repository": r.Name, "version": version, "reason": reason, "package_deleted": out.deleted},
		})
	})
	if err != nil {
		return false, err
	}
	s.dropBlobs(ctx, out.blobs)
	s.committed(ctx)
	return out.deleted, nil
}
