package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/predicate"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/viewer"
)

// latestRelease is the highest stable release of a package, else its
// highest pre-release (nil when it has none), straight from the version_key
// index.
func latestRelease(ctx context.Context, c *ent.ReleaseClient, pkgID int) (*ent.Release, error) {
	return Latest(ctx, c, release.PackageID(pkgID))
}

// Latest applies the one "latest" rule of Depot — the highest stable
// version, else the highest pre-release, by SemVer precedence — to the
// releases matching where (a package's releases; those with docs, for
// /docs/PKG/). It returns nil when none matches.
func Latest(ctx context.Context, c *ent.ReleaseClient, where ...predicate.Release) (*ent.Release, error) {
	for _, stableOnly := range []bool{true, false} {
		q := c.Query().Where(where...)
		if stableOnly {
			q = q.Where(release.Prerelease(false))
		}
		rel, err := q.Order(ent.Desc(release.FieldVersionKey)).First(ctx)
		if ent.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("latest release: %w", err)
		}
		return rel, nil
	}
	return nil, nil
}

// refreshPackage keeps the package's denormalized summary (latest version,
// its description, update time) true after its releases changed.
func refreshPackage(ctx context.Context, tx *ent.Tx, p *ent.Pkg, now time.Time) (*ent.Pkg, error) {
	sys := viewer.System(ctx)
	latest, err := latestRelease(sys, tx.Release, p.ID)
	if err != nil {
		return nil, err
	}
	u := tx.Pkg.UpdateOne(p).SetUpdatedAt(now)
	if latest != nil {
		u.SetLatestVersion(latest.Version).SetDescription(latest.Description)
	}
	updated, err := u.Save(sys)
	if err != nil {
		return nil, fmt.Errorf("update package %s: %w", p.Name, err)
	}
	return updated, nil
}
