package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/downloadday"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/ent/requirement"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/viewer"
)

// removal is what deleting releases left to do after commit.
type removal struct {
	blobs   []string // tarball and docs blobs to delete if unreferenced
	deleted bool     // the package went with its last release
}

// removeReleases deletes releases of p with their requirements and
// retirements (explicitly, not by relying on ON DELETE CASCADE, so both
// databases behave the same), writes a REVERTED event for each, and deletes
// the package with its owners when no release is left.
func removeReleases(ctx context.Context, tx *ent.Tx, now time.Time, r repo, p *ent.Pkg, rels []*ent.Release) (removal, error) {
	sys := viewer.System(ctx)
	var out removal
	ids := make([]int, 0, len(rels))
	for _, rel := range rels {
		ids = append(ids, rel.ID)
		out.blobs = append(out.blobs, rel.BlobKey)
		if rel.DocsBlobKey != nil {
			out.blobs = append(out.blobs, *rel.DocsBlobKey)
		}
	}
	if _, err := tx.Requirement.Delete().Where(requirement.ReleaseIDIn(ids...)).Exec(sys); err != nil {
		return out, fmt.Errorf("delete requirements: %w", err)
	}
	if _, err := tx.Retirement.Delete().Where(retirement.ReleaseIDIn(ids...)).Exec(sys); err != nil {
		return out, fmt.Errorf("delete retirements: %w", err)
	}
	if _, err := tx.Release.Delete().Where(release.IDIn(ids...)).Exec(sys); err != nil {
		return out, fmt.Errorf("delete releases: %w", err)
	}
	for _, rel := range rels {
		if err := writeEvent(ctx, tx, now, r, p, event{Kind: releaseevent.KindREVERTED, Version: rel.Version, ReleaseID: rel.ID}); err != nil {
			return out, err
		}
	}
	left, err := tx.Release.Query().Where(release.PackageID(p.ID)).Exist(sys)
	if err != nil {
		return out, fmt.Errorf("count releases: %w", err)
	}
	if left {
		_, err := refreshPackage(ctx, tx, p, now)
		return out, err
	}
	if _, err := tx.PackageOwner.Delete().Where(packageowner.PackageID(p.ID)).Exec(sys); err != nil {
		return out, fmt.Errorf("delete owners: %w", err)
	}
	// The days of its releases went with the package's total.
	if _, err := tx.DownloadDay.Delete().Where(downloadday.PackageID(p.ID)).Exec(sys); err != nil {
		return out, fmt.Errorf("delete download days: %w", err)
	}
	if err := tx.Pkg.DeleteOne(p).Exec(sys); err != nil {
		return out, fmt.Errorf("delete package %s: %w", p.Name, err)
	}
	out.deleted = true
	return out, writeEvent(ctx, tx, now, r, p, event{Kind: releaseevent.KindPACKAGE_DELETED})
}

// refuseIfDepended stops the deletion of a package other packages need
// (SPEC §4: "refused while another package depends on it").
func refuseIfDepended(ctx context.Context, tx *ent.Tx, p *ent.Pkg) error {
	visible, hidden, err := dependents(ctx, tx, p)
	if err != nil {
		return err
	}
	if len(visible)+hidden == 0 {
		return nil
	}
	who := strings.Join(visible, ", ")
	switch {
	case who == "":
		who = fmt.Sprintf("%d private package(s)", hidden)
	case hidden > 0:
		who += fmt.Sprintf(" and %d private package(s)", hidden)
	}
	return apperr.New(apperr.Conflict, "reverting the last release would delete %s, but other packages depend on it: %s", p.Name, who)
}

func (s *Service) dropBlobs(ctx context.Context, keys []string) {
	for _, k := range keys {
		s.dropBlob(ctx, k)
	}
}
