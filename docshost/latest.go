package docshost

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/predicate"
	"github.com/depot-registry/depot/ent/release"
)

// latestWithDocs is the release /docs/PKG/ shows: the highest stable
// version with docs, else the highest pre-release with docs (SemVer
// precedence, through the version_key index); nil when none has docs.
func latestWithDocs(ctx context.Context, db *ent.Client, inPkg predicate.Release) (*ent.Release, error) {
	for _, stableOnly := range []bool{true, false} {
		q := db.Release.Query().Where(inPkg, release.DocsBlobKeyNotNil())
		if stableOnly {
			q = q.Where(release.Prerelease(false))
		}
		rel, err := q.Order(ent.Desc(release.FieldVersionKey)).First(ctx)
		if ent.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("latest docs: %w", err)
		}
		return rel, nil
	}
	return nil, nil
}
