package docsweb

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/semver"
)

// CSP is the Content-Security-Policy of every docs response: an opaque
// origin that may run the docs' own scripts and open links, and nothing of
// the app's (cookies, same-origin /graphql).
const CSP = "sandbox allow-scripts allow-popups"

// Cache-Control of docs. Docs can be republished at any time, so even
// versioned URLs are cached briefly; private docs never in shared caches.
const (
	cacheVersioned = "public, max-age=300"
	cacheLatest    = "public, max-age=60"
	cachePrivate   = "private, no-cache"
)

// NewHandler serves /docs/... as described in the package comment, from
// the docs service (which docs a URL maps to, who may read them, their
// files). The viewer must be in the request context for private docs.
func NewHandler(docs *docshost.Service) http.Handler {
	return &handler{docs: docs}
}

type handler struct {
	docs *docshost.Service
}

// request is a parsed docs URL.
type request struct {
	org, pkg string
	version  string // "" for latest
	file     string // path inside the docs, "" for the top
	// base is the URL of the docs root ("/docs/PKG/" or
	// "/docs/PKG/VERSION/"), for redirects.
	base string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	// First, so that errors and redirects are sandboxed too.
	hdr.Set("Content-Security-Policy", CSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	req, redirect, ok := parse(r.URL.Path)
	if !ok {
		notFound(w)
		return
	}
	if redirect != "" {
		http.Redirect(w, r, redirect, http.StatusMovedPermanently)
		return
	}
	ctx := r.Context()
	docs, err := h.docs.Find(ctx, req.org, req.pkg, req.version)
	if errors.Is(err, apperr.ErrNotFound) {
		notFound(w)
		return
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	name := req.file
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	data, isDir, err := h.docs.File(ctx, docs, strings.TrimSuffix(name, "/"))
	if errors.Is(err, apperr.ErrNotFound) {
		notFound(w)
		return
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if isDir {
		http.Redirect(w, r, req.base+req.file+"/", http.StatusMovedPermanently)
		return
	}
	cache := cacheVersioned
	switch {
	case docs.Private:
		cache = cachePrivate
		hdr.Set("Vary", "Cookie, Authorization")
	case req.version == "":
		cache = cacheLatest
	}
	etag := etagOf(docs.BlobKey, name)
	hdr.Set("ETag", etag)
	hdr.Set("Cache-Control", cache)
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == etag || inm == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", contentType(name))
	hdr.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// notFound is the one answer for missing and hidden docs alike.
func notFound(w http.ResponseWriter) {
	http.Error(w, "404 page not found", http.StatusNotFound)
}

// parse splits a docs URL. It refuses "..", empty segments and other
// unclean paths rather than cleaning them, so one file has one URL.
// redirect is set for a docs root without its trailing slash.
func parse(p string) (req request, redirect string, ok bool) {
	rest, found := strings.CutPrefix(p, "/docs/")
	if !found || rest == "" {
		return req, "", false
	}
	base := "/docs/"
	if after, isPrivate := strings.CutPrefix(rest, "repos/"); isPrivate {
		org, tail, found := strings.Cut(after, "/")
		if !found || org == "" {
			return req, "", false
		}
		req.org, rest, base = org, tail, base+"repos/"+org+"/"
	}
	name, tail, hasSlash := strings.Cut(rest, "/")
	if name == "" {
		return req, "", false
	}
	req.pkg = name
	base += name + "/"
	if !hasSlash {
		return req, base, true
	}
	if first, after, more := strings.Cut(tail, "/"); first != "" {
		if _, err := semver.Parse(first); err == nil {
			req.version = first
			base += first + "/"
			if !more {
				return req, base, true
			}
			tail = after
		}
	}
	if tail != "" {
		clean := strings.TrimSuffix(tail, "/")
		if clean == "" || path.Clean(clean) != clean || strings.HasPrefix(clean, "/") || strings.Contains(clean, "\\") {
			return req, "", false
		}
		for _, seg := range strings.Split(clean, "/") {
			if seg == ".." || seg == "." {
				return req, "", false
			}
		}
	}
	req.file, req.base = tail, base
	return req, "", true
}

func etagOf(key, name string) string {
	sum := sha256.Sum256([]byte(key + "\x00" + name))
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// contentType is by extension; unknown files are bytes (with nosniff, a
// browser will not guess HTML out of them).
func contentType(name string) string {
	ext := path.Ext(name)
	switch ext {
	case ".html", ".htm":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".svg":
		return "image/svg+xml"
	case ".txt", ".md", ".ex", ".exs", ".erl", ".hrl":
		return "text/plain; charset=utf-8"
	case ".epub":
		return "application/epub+zip"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}
