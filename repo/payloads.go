package repo

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

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
		r, err := h.wireRelease(t, rel)
		if err != nil {
			return nil, err
		}
		p.Releases = append(p.Releases, r)
	}
	return hexrepo.EncodePackage(p)
}

func (h *handler) wireRelease(t target, rel *registry.Release) (hexrepo.Release, error) {
	inner, err := hex.DecodeString(rel.InnerChecksum)
	if err != nil {
		return hexrepo.Release{}, fmt.Errorf("release %s: inner checksum: %w", rel.Version, err)
	}
	outer, err := hex.DecodeString(rel.OuterChecksum)
	if err != nil {
		return hexrepo.Release{}, fmt.Errorf("release %s: outer checksum: %w", rel.Version, err)
	}
	out := hexrepo.Release{Version: rel.Version, InnerChecksum: inner, OuterChecksum: outer}
	for _, req := range rel.Edges.Requirements {
		out.Dependencies = append(out.Dependencies, hexrepo.Dependency{
			Package:     req.Name,
			Requirement: req.Requirement,
			Optional:    req.Optional,
			App:         req.App,
			Repository:  h.depRepository(t, req.Repository),
		})
	}
	if ret := rel.Edges.Retirement; ret != nil {
		reason, err := hexrepo.ParseRetirementReason(strings.ToLower(string(ret.Reason)))
		if err != nil {
			return hexrepo.Release{}, fmt.Errorf("release %s: %w", rel.Version, err)
		}
		out.Retired = &hexrepo.Retirement{Reason: reason, Message: ret.Message}
	}
	return out, nil
}

// depRepository turns a stored requirement repository ("" = public, else
// an organization) into the payload's: empty when the dependency lives in
// the repository serving the payload, else the repository's name as clients
// configure it. A private package's public dependency therefore names the
// public repository, which the client must also have configured.
func (h *handler) depRepository(t target, stored string) string {
	if stored == "" {
		stored = h.public
	}
	if stored == t.Name {
		return ""
	}
	return stored
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
