package registry

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/viewer"
)

// PublicNames reports which of names the public repository holds, in one
// query: a local package always wins over a mirrored one of the same name,
// so the mirror's listings leave these out (mirror.LocalNames).
func (s *Service) PublicNames(ctx context.Context, names []string) (map[string]bool, error) {
	sys := viewer.System(ctx)
	r, err := s.resolveRepo(sys, s.DB.Repository, "")
	if err != nil {
		return nil, err
	}
	held, err := s.DB.Pkg.Query().Where(pkg.RepositoryID(r.ID), pkg.NameIn(names...)).Select(pkg.FieldName).Strings(sys)
	if err != nil {
		return nil, fmt.Errorf("find public packages: %w", err)
	}
	out := make(map[string]bool, len(held))
	for _, n := range held {
		out[n] = true
	}
	return out, nil
}
