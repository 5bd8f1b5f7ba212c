package repo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

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
	p := hexrepo.Package{Name: name, Repository: t.Name}
	for _, r := range up.Releases {
		if len(r.OuterChecksum) == 0 {
			continue // legacy release: rebar3 and mix need the outer checksum
		}
		deps := make([]hexrepo.Dependency, 0, len(r.Dependencies))
		for _, d := range r.Dependencies {
			if d.Repository == up.Repository {
				d.Repository = ""
			}
			deps = append(deps, d)
		}
		r.Dependencies = deps
		p.Releases = append(p.Releases, r)
	}
	if len(p.Releases) == 0 {
		return nil, errNoPackage
	}
	return hexrepo.EncodePackage(p)
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
