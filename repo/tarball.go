// Package repo is the Hex repository protocol front: what rebar3 and mix
// fetch from a repository URL. This file serves package tarballs; the
// signed registry resources live beside it.
package repo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/mirror"
	"github.com/depot-registry/depot/registry"
)

// Cache lifetimes of tarball responses.
//
// A public release is immutable once its replace/revert window has closed,
// so it is cached for a year. Inside the window a replace can still change
// the bytes behind the URL, so shared caches keep it only briefly and then
// revalidate with the ETag (the outer checksum, which a replace changes).
// Private tarballs must never sit in a shared cache, and private packages
// can change at any time: every use revalidates.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheOpen      = "public, max-age=60, must-revalidate"
	cachePrivate   = "private, no-cache"
)

// TarballHandler serves GET and HEAD of
//
//	/tarballs/NAME-VERSION.tar              (public repository)
//	/repos/ORG/tarballs/NAME-VERSION.tar    (ORG's private repository)
//
// relative to the repository root (mount it with http.StripPrefix("/repo",
// ...)). The viewer must already be in the request context: privacy makes a
// private package a non-member asks for a 404, exactly like a missing one.
// Each full GET counts one download; 304s and HEADs do not.
func TarballHandler(svc *registry.Service, blobs blob.Store, opts ...TarballOption) http.Handler {
	h := &tarballs{svc: svc, blobs: blobs}
	for _, o := range opts {
		o(h)
	}
	return h
}

// TarballOption adjusts TarballHandler.
type TarballOption func(*tarballs)

// Redirector is a blob store that hands out short-lived URLs of its blobs
// (blob/s3), so that clients can download from the store directly.
type Redirector interface {
	Presign(ctx context.Context, key string, ttl time.Duration, params url.Values) (*url.URL, error)
	// ETag is the store's own entity tag of the blob, which a client that
	// downloaded from the store sends back in If-None-Match.
	ETag(ctx context.Context, key string) (string, error)
}

// RedirectFor makes a full GET answer 302 to a URL of the blob valid for
// ttl, when the store is a Redirector; otherwise tarballs stream through.
// The download is counted when the redirect is sent. Conditional requests
// are still answered here: with Depot's ETag, or with the store's, which a
// client that followed a redirect has kept.
func RedirectFor(ttl time.Duration) TarballOption {
	return func(h *tarballs) { h.redirect = ttl }
}

type tarballs struct {
	svc      *registry.Service
	blobs    blob.Store
	redirect time.Duration
	mirror   *mirror.Service // nil: no upstreams
}

func (h *tarballs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	repoName, name, version, ok := parseTarballPath(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	rel, err := h.svc.Release(ctx, repoName, name, version)
	if errors.Is(err, apperr.ErrNotFound) && h.mirror != nil && (repoName == "" || repoName == h.svc.PublicName()) {
		if ok, err := h.svc.HasPublicPackage(ctx, name); err == nil && !ok {
			h.serveMirrored(w, r, name, version)
			return
		}
	}
	if errors.Is(err, apperr.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	cache, err := h.cacheControl(ctx, rel)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("ETag", `"`+rel.OuterChecksum+`"`)
	hdr.Set("Cache-Control", cache)
	if rel.PrivateOrgID != nil {
		hdr.Set("Vary", "Authorization, Cookie")
	}
	if etagMatches(r.Header.Get("If-None-Match"), rel.OuterChecksum) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if rd, ok := h.blobs.(Redirector); ok && h.redirect > 0 {
		if h.redirected(w, r, rd, rel) {
			return
		}
	}
	hdr.Set("Content-Type", "application/octet-stream")
	hdr.Set("Content-Length", strconv.FormatInt(rel.Size, 10))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	body, size, err := h.blobs.Open(ctx, rel.BlobKey)
	if err != nil {
		hdr.Del("Content-Length")
		http.Error(w, "tarball unavailable", http.StatusInternalServerError)
		return
	}
	defer body.Close()
	if size != rel.Size {
		hdr.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, body); err != nil {
		return // the client went away; not a download
	}
	h.svc.CountDownload(rel.ID)
}

// redirected answers a request in redirect mode and reports whether it
// did; false leaves the request to streaming (a HEAD, or a store that could
// not presign).
func (h *tarballs) redirected(w http.ResponseWriter, r *http.Request, rd Redirector, rel *registry.Release) bool {
	ctx := r.Context()
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if tag, err := rd.ETag(ctx, rel.BlobKey); err == nil && etagMatches(inm, strings.Trim(tag, `"`)) {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	if r.Method != http.MethodGet {
		return false
	}
	u, err := rd.Presign(ctx, rel.BlobKey, h.redirect, url.Values{"response-content-type": {"application/octet-stream"}})
	if err != nil {
		return false
	}
	// The URL expires: no cache may keep the redirect as long as the
	// tarball itself.
	w.Header().Set("Cache-Control", "no-store")
	h.svc.CountDownload(rel.ID)
	http.Redirect(w, r, u.String(), http.StatusFound)
	return true
}

func (h *tarballs) cacheControl(ctx context.Context, rel *registry.Release) (string, error) {
	if rel.PrivateOrgID != nil {
		return cachePrivate, nil
	}
	mutable, err := h.svc.Mutable(ctx, rel)
	if err != nil {
		return "", err
	}
	if mutable {
		return cacheOpen, nil
	}
	return cacheImmutable, nil
}

// parseTarballPath splits "/tarballs/NAME-VERSION.tar" or
// "/repos/ORG/tarballs/NAME-VERSION.tar". Package names cannot contain "-"
// (SPEC §3), so the first "-" ends the name and the version may contain
// more of them ("1.0.0-rc-1").
func parseTarballPath(p string) (repoName, name, version string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "tarballs":
	case len(parts) == 4 && parts[0] == "repos" && parts[2] == "tarballs" && parts[1] != "":
		repoName = parts[1]
	default:
		return "", "", "", false
	}
	file, found := strings.CutSuffix(parts[len(parts)-1], ".tar")
	if !found {
		return "", "", "", false
	}
	name, version, found = strings.Cut(file, "-")
	if !found || name == "" || version == "" {
		return "", "", "", false
	}
	return repoName, name, version, true
}

// etagMatches implements If-None-Match for our strong ETags: a list of
// entity tags, "*", and weak tags compared weakly as RFC 9110 §13.1.2 says.
func etagMatches(header, checksum string) bool {
	if header == "" {
		return false
	}
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return true
		}
		tag = strings.TrimPrefix(tag, "W/")
		if tag == `"`+checksum+`"` {
			return true
		}
	}
	return false
}
