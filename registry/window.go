package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
)

// The seed's immutability exceptions: a public version can be replaced or
// reverted within VersionWindow of its own first publish, or within
// PackageWindow of the package's first release, whichever ends later.
const (
	VersionWindow = 60 * time.Minute
	PackageWindow = 24 * time.Hour
)

// windowEnd is the last instant a public release may still change. Both
// anchors are first-publish times that a replace never moves, so replacing
// inside the window cannot extend it.
func windowEnd(rel *ent.Release, p *ent.Pkg) time.Time {
	a := rel.FirstPublishedAt.Add(VersionWindow)
	b := p.FirstPublishedAt.Add(PackageWindow)
	if b.After(a) {
		return b.UTC()
	}
	return a.UTC()
}

func isPrivate(p *ent.Pkg) bool { return p.PrivateOrgID != nil }

// RevertableUntil is when rel stops being replaceable or revertable; nil
// when that time has passed, and nil for private packages, which can change
// at any time.
func (s *Service) RevertableUntil(rel *ent.Release, p *ent.Pkg) *time.Time {
	if isPrivate(p) {
		return nil
	}
	end := windowEnd(rel, p)
	if s.now().After(end) {
		return nil
	}
	return &end
}

// checkWindow refuses a replace or revert of a public release outside its
// window, with every time the user needs to understand why.
func (s *Service) checkWindow(verb string, rel *ent.Release, p *ent.Pkg) error {
	if isPrivate(p) {
		return nil
	}
	now := s.now()
	end := windowEnd(rel, p)
	if !now.After(end) {
		return nil
	}
	return apperr.New(apperr.WindowClosed,
		"%s %s can no longer be %s: a public version can change only within 60 minutes of its first publish (%s) or within 24 hours of the package's first release (%s); the window closed at %s. Retire the release instead",
		p.Name, rel.Version, verb, stamp(rel.FirstPublishedAt), stamp(p.FirstPublishedAt), stamp(end))
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Mutable reports whether rel's tarball can still change: a private
// release at any time, a public one until its window closes. The tarball
// front uses it to choose how long caches may keep the bytes. A release
// first published more than PackageWindow ago is settled without a query,
// since its package's first release cannot be later than it.
func (s *Service) Mutable(ctx context.Context, rel *ent.Release) (bool, error) {
	if rel.PrivateOrgID != nil {
		return true, nil
	}
	if s.now().After(rel.FirstPublishedAt.Add(PackageWindow)) {
		return false, nil
	}
	p, err := s.DB.Pkg.Get(ctx, rel.PackageID)
	if err != nil {
		return false, fmt.Errorf("load package of %s: %w", rel.Version, err)
	}
	return s.RevertableUntil(rel, p) != nil, nil
}
