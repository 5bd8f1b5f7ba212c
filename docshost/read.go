package docshost

import (
	"context"
	"errors"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/viewer"
)

// CacheBytes is the default memory budget for unpacked docs.
const CacheBytes = 256 << 20

// Docs is the doc set a docs URL maps to: the blob holding its tarball, and
// whether it belongs to a private repository (a front must keep it out of
// shared caches).
type Docs struct {
	BlobKey string
	Private bool
}

// Find is the doc set of one release (version "" for the latest release
// with docs: registry.Latest among the releases that have docs, the
// highest stable, else the highest pre-release) of package name in
// repository repo ("" or the public repository's name: public; else an
// organization). Who may read is the registry's docs rule
// (Registry.DocsRepository: a key with only the docs:ORG scope reads docs
// but not the rest of the repository); the release lookup then reads as
// the system. Missing and hidden are the same apperr.NotFound.
func (s *Service) Find(ctx context.Context, repo, name, version string) (Docs, error) {
	r, err := s.Registry.DocsRepository(ctx, repo)
	if errors.Is(err, apperr.ErrNotFound) {
		return Docs{}, errNoFile
	}
	if err != nil {
		return Docs{}, fmt.Errorf("find repository: %w", err)
	}
	sys := viewer.System(ctx)
	inPkg := release.HasPackageWith(pkg.RepositoryID(r.ID), pkg.Name(name))
	var rel *ent.Release
	if version != "" {
		rel, err = s.DB.Release.Query().Where(inPkg, release.Version(version), release.DocsBlobKeyNotNil()).Only(sys)
	} else {
		rel, err = registry.Latest(sys, s.DB.Release, inPkg, release.DocsBlobKeyNotNil())
	}
	if ent.IsNotFound(err) || (err == nil && rel == nil) {
		return Docs{}, errNoFile
	}
	if err != nil {
		return Docs{}, fmt.Errorf("find docs: %w", err)
	}
	return Docs{BlobKey: *rel.DocsBlobKey, Private: r.OrganizationID != nil}, nil
}

// File is the file name of the doc set d ("a/b.html"; "" and folders are
// not files), and whether name is a folder (then data is nil). A missing
// name is apperr.NotFound.
func (s *Service) File(ctx context.Context, d Docs, name string) (data []byte, isDir bool, err error) {
	s.archivesOnce.Do(func() {
		budget := s.CacheBytes
		if budget <= 0 {
			budget = CacheBytes
		}
		s.archives = newArchives(s.Blobs, budget)
	})
	return s.archives.file(ctx, d.BlobKey, name)
}
