package registry

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/viewer"
)

// HasPublicPackage reports whether the public repository holds name (a
// local package always wins over a mirrored one).
func (s *Service) HasPublicPackage(ctx context.Context, name string) (bool, error) {
	held, err := s.PublicNames(ctx, []string{name})
	return held[name], err
}

// checkUpstreamName applies NameGuard to the first publish of a public
// package: a name an upstream already has is refused unless the operator
// allows it (dependency confusion). Private repositories never mirror, so
// their names are free.
func (s *Service) checkUpstreamName(ctx context.Context, r repo, name string) error {
	if s.NameGuard == nil || r.private() {
		return nil
	}
	sys := viewer.System(ctx)
	exists, err := s.DB.Pkg.Query().Where(pkg.RepositoryID(r.ID), pkg.Name(name)).Exist(sys)
	if err != nil {
		return fmt.Errorf("find package %s: %w", name, err)
	}
	if exists {
		return nil
	}
	return s.NameGuard(ctx, name)
}
