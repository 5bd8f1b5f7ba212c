package repo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/mirror"
)

// HandlerOption adjusts NewHandler.
type HandlerOption func(*handler)

// WithMirror serves packages the public repository does not hold from the
// mirror's upstreams, re-signed with Depot's key under Depot's repository
// name. A local package always wins; private repositories never mirror.
func WithMirror(m *mirror.Service) HandlerOption {
	return func(h *handler) {
		if m.Enabled() {
			h.mirror = m
		}
	}
}

// TarballMirror serves tarballs of mirrored packages (public repository
// only, when no local release matches).
func TarballMirror(m *mirror.Service) TarballOption {
	return func(h *tarballs) {
		if m.Enabled() {
			h.mirror = m
		}
	}
}

// errUpstream means "answer 502": the package is only upstream and the
// upstream gave no verified answer.
var errUpstream = errors.New("repo: upstream unavailable")

// mirrorPayload is the unsigned /packages/NAME payload of a mirrored
// package: the upstream's releases (with retirements) under Depot's public
// name; dependencies on the upstream's own packages become dependencies on
// this repository, which mirrors them too.
func (h *handler) mirrorPayload(ctx context.Context, t target, name string) ([]byte, error) {
	up, err := h.mirror.Package(ctx, name)
	if errors.Is(err, mirror.ErrNotFound) {
		return nil, errNoPackage
	}
	if err != nil {
		return nil, errors.Join(errUpstream, err)
	}
	p := hexrepo.Package{Name: name, Repository: t.Name, Releases: mirroredReleases(up)}
	if len(p.Releases) == 0 {
		return nil, errNoPackage
	}
	return hexrepo.EncodePackage(p)
}

// mirroredReleases is what Depot serves of an upstream package's releases,
// in the upstream's order: those with an outer checksum (rebar3 and mix
// need it), dependencies on the upstream's own packages pointing here.
func mirroredReleases(up hexrepo.Package) []hexrepo.Release {
	var out []hexrepo.Release
	for _, r := range up.Releases {
		if len(r.OuterChecksum) == 0 {
			continue
		}
		deps := make([]hexrepo.Dependency, 0, len(r.Dependencies))
		for _, d := range r.Dependencies {
			if d.Repository == up.Repository {
				d.Repository = ""
			}
			deps = append(deps, d)
		}
		r.Dependencies = deps
		out = append(out, r)
	}
	return out
}

// mirroredNames adds the cached mirrored packages that no local package
// shadows to a public /names payload, keeping it sorted by name.
func (h *handler) mirroredNames(ctx context.Context, n *hexrepo.Names) error {
	cached, err := h.mirror.Cached(ctx)
	if err != nil || len(cached) == 0 {
		return err
	}
	local := make(map[string]bool, len(n.Packages))
	for _, e := range n.Packages {
		local[e.Name] = true
	}
	for _, c := range cached {
		if !local[c.Name] && len(mirroredReleases(c.Package)) > 0 {
			n.Packages = append(n.Packages, hexrepo.NameEntry{Name: c.Name, UpdatedAt: c.FetchedAt.UTC().Truncate(time.Second)})
		}
	}
	slices.SortFunc(n.Packages, func(a, b hexrepo.NameEntry) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

// mirroredVersions is mirroredNames for /versions.
func (h *handler) mirroredVersions(ctx context.Context, v *hexrepo.Versions) error {
	cached, err := h.mirror.Cached(ctx)
	if err != nil || len(cached) == 0 {
		return err
	}
	local := make(map[string]bool, len(v.Packages))
	for _, e := range v.Packages {
		local[e.Name] = true
	}
	for _, c := range cached {
		if local[c.Name] {
			continue
		}
		rels := mirroredReleases(c.Package)
		if len(rels) == 0 {
			continue
		}
		e := hexrepo.VersionsEntry{Name: c.Name}
		for i, r := range rels {
			e.Versions = append(e.Versions, r.Version)
			if r.Retired != nil {
				e.Retired = append(e.Retired, int32(i))
			}
		}
		v.Packages = append(v.Packages, e)
	}
	slices.SortFunc(v.Packages, func(a, b hexrepo.VersionsEntry) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

// serveMirrored answers a tarball request for a mirrored release.
func (h *tarballs) serveMirrored(w http.ResponseWriter, r *http.Request, name, version string) {
	body, size, outer, err := h.mirror.Tarball(r.Context(), name, version)
	if errors.Is(err, mirror.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "upstream unavailable: "+name+"-"+version+" is not cached and the upstream gave no verified tarball", http.StatusBadGateway)
		return
	}
	defer body.Close()
	hdr := w.Header()
	hdr.Set("ETag", `"`+outer+`"`)
	hdr.Set("Cache-Control", cacheImmutable)
	if etagMatches(r.Header.Get("If-None-Match"), outer) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", "application/octet-stream")
	hdr.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, body)
	}
}
