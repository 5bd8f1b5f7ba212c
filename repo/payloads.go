package repo

import (
	"context"
	"errors"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/registry"
)

// target is the repository a request addresses, already checked readable.
type target struct {
	ID int
	// Name is what the payloads carry in their repository field and what
	// clients compare with their configured repository (repo_verify_origin).
	Name    string
	Private bool
}

// errNoPackage means "answer 404": the package is missing or hidden.
var errNoPackage = fmt.Errorf("repo: no such package")

// packagePayload is the unsigned /packages/NAME payload: every release in
// SemVer ascending order, with dependencies and retirement, as the
// registry's repository index reads them.
func (h *handler) packagePayload(ctx context.Context, t target, name string) ([]byte, error) {
	rels, err := h.registry.IndexPackage(ctx, t.ID, name)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, errNoPackage
	}
	if err != nil {
		return nil, err
	}
	p := hexrepo.Package{Name: name, Repository: t.Name, Releases: make([]hexrepo.Release, 0, len(rels))}
	for _, rel := range rels {
		r, err := registry.HexRelease(rel, h.public, t.Name)
		if err != nil {
			return nil, err
		}
		p.Releases = append(p.Releases, r)
	}
	return hexrepo.EncodePackage(p)
}

// namesPayload is the unsigned /names payload: every package, by name.
func (h *handler) namesPayload(ctx context.Context, t target) ([]byte, error) {
	ps, err := h.registry.IndexNames(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	n := hexrepo.Names{Repository: t.Name, Packages: make([]hexrepo.NameEntry, 0, len(ps))}
	for _, p := range ps {
		n.Packages = append(n.Packages, hexrepo.NameEntry{Name: p.Name, UpdatedAt: p.UpdatedAt.UTC()})
	}
	if !t.Private && h.mirror != nil {
		if err := h.mirroredNames(ctx, &n); err != nil {
			return nil, err
		}
	}
	return hexrepo.EncodeNames(n)
}

// versionsPayload is the unsigned /versions payload: every package with its
// versions in SemVer ascending order and the indexes of retired ones.
func (h *handler) versionsPayload(ctx context.Context, t target) ([]byte, error) {
	ps, err := h.registry.IndexVersions(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	v := hexrepo.Versions{Repository: t.Name, Packages: make([]hexrepo.VersionsEntry, 0, len(ps))}
	for _, p := range ps {
		e := hexrepo.VersionsEntry{Name: p.Name, Versions: make([]string, 0, len(p.Edges.Releases))}
		for i, rel := range p.Edges.Releases {
			e.Versions = append(e.Versions, rel.Version)
			if rel.Edges.Retirement != nil {
				e.Retired = append(e.Retired, int32(i))
			}
		}
		if len(e.Versions) > 0 {
			v.Packages = append(v.Packages, e)
		}
	}
	if !t.Private && h.mirror != nil {
		if err := h.mirroredVersions(ctx, &v); err != nil {
			return nil, err
		}
	}
	return hexrepo.EncodeVersions(v)
}
