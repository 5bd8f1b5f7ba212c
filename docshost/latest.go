package docshost

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/predicate"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/registry"
)

// latestWithDocs is the release /docs/PKG/ shows: registry.Latest among
// the releases with docs (highest stable, else highest pre-release); nil
// when none has docs.
func latestWithDocs(ctx context.Context, db *ent.Client, inPkg predicate.Release) (*ent.Release, error) {
	rel, err := registry.Latest(ctx, db.Release, inPkg, release.DocsBlobKeyNotNil())
	if err != nil {
		return nil, fmt.Errorf("latest docs: %w", err)
	}
	return rel, nil
}
