package repo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/mirror"
	"github.com/depot-registry/depot/registry"
)

// Cache-Control of registry resources. They change with every publish,
// retirement and revert, so every use revalidates (cheap: a 304 by ETag);
// private ones must never sit in a shared cache.
const (
	cacheRegistryPublic  = "public, no-cache"
	cacheRegistryPrivate = "private, no-cache"
	cachePublicKey       = "public, max-age=3600"
)

// NewHandler serves the Hex repository protocol, mounted at /repo:
//
//	/repo/public_key                  PEM public key the payloads are signed with
//	/repo/names                       signed Names of the public repository
//	/repo/versions                    signed Versions
//	/repo/packages/NAME               signed Package: releases, checksums, deps, retirements
//	/repo/tarballs/NAME-VERSION.tar   the package tarball (delegated to tarballs)
//	/repo/repos/ORG/...               the same for organization ORG's private repository
//
// Payloads name publicRepository (or ORG) in their repository field; a
// client's configured repository name must match it. The viewer must
// already be in the request context (mount NormalizeAuth, then the
// server's authentication, in front). A private repository the viewer
// cannot read, a missing one, and a missing or hidden package all get the
// same 404.
func NewHandler(reg *registry.Service, keys *Keys, tarballs http.Handler, opts ...HandlerOption) http.Handler {
	h := &handler{registry: reg, keys: keys, tarballs: tarballs, public: reg.PublicName(), signed: newSignedCache()}
	for _, o := range opts {
		o(h)
	}
	return h
}

type handler struct {
	registry *registry.Service
	keys     *Keys
	tarballs http.Handler
	public   string
	signed   *signedCache
	mirror   *mirror.Service // nil: no upstreams
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// Accept both a stripped path and the full /repo/... path, so the
	// handler works mounted either way.
	rest := strings.TrimPrefix(r.URL.Path, "/repo")
	if rest == "" || rest[0] != '/' {
		http.NotFound(w, r)
		return
	}
	org := ""
	resource := rest
	if after, ok := strings.CutPrefix(rest, "/repos/"); ok {
		var found bool
		org, resource, found = strings.Cut(after, "/")
		if !found || org == "" {
			http.NotFound(w, r)
			return
		}
		resource = "/" + resource
	}
	if strings.HasPrefix(resource, "/tarballs/") {
		h.serveTarball(w, r, rest)
		return
	}
	ctx := r.Context()
	t, err := h.resolve(ctx, org)
	if errors.Is(err, errNoPackage) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	switch {
	case resource == "/public_key":
		h.servePublicKey(w, r)
	case resource == "/names":
		h.serveSigned(w, r, t, func() ([]byte, error) { return h.namesPayload(ctx, t) })
	case resource == "/versions":
		h.serveSigned(w, r, t, func() ([]byte, error) { return h.versionsPayload(ctx, t) })
	case strings.HasPrefix(resource, "/packages/") && !strings.Contains(resource[len("/packages/"):], "/"):
		name := resource[len("/packages/"):]
		h.serveSigned(w, r, t, func() ([]byte, error) {
			b, err := h.packagePayload(ctx, t, name)
			if errors.Is(err, errNoPackage) && !t.Private && h.mirror != nil {
				return h.mirrorPayload(ctx, t, name)
			}
			return b, err
		})
	default:
		http.NotFound(w, r)
	}
}

// serveTarball hands the tarball handler the path relative to /repo.
func (h *handler) serveTarball(w http.ResponseWriter, r *http.Request, rest string) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = rest
	r2.URL.RawPath = ""
	h.tarballs.ServeHTTP(w, r2)
}

// resolve finds the repository addressed by org ("" or the public
// repository's own name: public) if the viewer may read it: the registry's
// lookup and read rule (membership, entitlement, key scope).
func (h *handler) resolve(ctx context.Context, org string) (target, error) {
	repo, err := h.registry.Repository(ctx, org)
	if errors.Is(err, apperr.ErrNotFound) {
		return target{}, errNoPackage
	}
	if err != nil {
		return target{}, fmt.Errorf("find repository %q: %w", org, err)
	}
	if repo.OrganizationID == nil {
		return target{ID: repo.ID, Name: h.public}, nil
	}
	return target{ID: repo.ID, Name: repo.Name, Private: true}, nil
}

func (h *handler) servePublicKey(w http.ResponseWriter, r *http.Request) {
	write(w, r, body{data: h.keys.PublicPEM, etag: etagOf(h.keys.PublicPEM)}, "application/x-pem-file", cachePublicKey)
}

// serveSigned builds a payload from the database (always: see signedCache
// for why), signs it, and answers with the gzipped Signed body or a 304.
func (h *handler) serveSigned(w http.ResponseWriter, r *http.Request, t target, build func() ([]byte, error)) {
	payload, err := build()
	if errors.Is(err, errNoPackage) {
		http.NotFound(w, r)
		return
	}
	if errors.Is(err, errUpstream) {
		http.Error(w, "upstream unavailable: the package is not held here, not cached, and the upstream gave no verified answer", http.StatusBadGateway)
		return
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	b, err := h.signed.get(payload, func() ([]byte, error) { return seal(payload, h.keys.Private) })
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	cache := cacheRegistryPublic
	if t.Private {
		cache = cacheRegistryPrivate
		w.Header().Set("Vary", "Authorization, Cookie")
	}
	write(w, r, b, "application/octet-stream", cache)
}

// write answers with b, or 304 when the client already has it.
func write(w http.ResponseWriter, r *http.Request, b body, contentType, cache string) {
	hdr := w.Header()
	hdr.Set("ETag", b.etag)
	hdr.Set("Cache-Control", cache)
	if etagMatches(r.Header.Get("If-None-Match"), strings.Trim(b.etag, `"`)) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(b.data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b.data)
	}
}
