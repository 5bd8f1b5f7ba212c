// Package hexapi is Depot's front for hexpm's HTTP API, the API that
// `mix hex.publish`, `mix hex.owner`, `mix hex.retire`, `rebar3 hex` and
// hex_core's r3_hex_api_* / mix_hex_api_* modules speak. It is served under
// /api, and every package route again under /api/repos/ORG for an
// organization's private repository, with the paths, statuses and body
// shapes of hexpm's router and API views.
//
// It is a translation layer only: every rule (who may publish, the
// replace and revert window, ownership, retirement, key scopes, what a
// viewer may read) is the domain's (registry, docshost, account, org,
// viewer), called exactly as the GraphQL front calls it, so both fronts
// write the same rows, audit entries and release events. The package
// imports no ent package: it reads the entities the domain returns.
//
// Bodies are Erlang external term format (application/vnd.hex+erlang,
// see package etf) or JSON, chosen by Content-Type for requests and by
// Accept for responses, as hexpm does.
package hexapi

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/org"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/text"
	"github.com/depot-registry/depot/trust"
)

// Handler serves /api. Build it with New.
type Handler struct {
	Registry *registry.Service
	Docs     *docshost.Service
	Accounts *account.Service
	Orgs     *org.Service
	// Trust exchanges CI OIDC tokens for publish keys (POST /api/oidc/token).
	Trust *trust.Service
	// PublicURL is the server's public base URL (no trailing slash), for
	// the url and html_url fields.
	PublicURL string
	Log       *slog.Logger

	mux *http.ServeMux
}

// New returns h ready to serve. Authenticate must run in front of it (the
// server mounts Authenticate, its rate limit, then h).
func New(h *Handler) *Handler {
	if h.Log == nil {
		h.Log = slog.Default()
	}
	h.PublicURL = strings.TrimSuffix(h.PublicURL, "/")
	mux := http.NewServeMux()
	for _, p := range []string{"/api", "/api/repos/{repository}"} {
		mux.HandleFunc("POST "+p+"/publish", h.publish)
		mux.HandleFunc("POST "+p+"/packages/{name}/releases", h.publish)
		mux.HandleFunc("GET "+p+"/packages/{name}/releases/{version}", h.release)
		mux.HandleFunc("DELETE "+p+"/packages/{name}/releases/{version}", h.revert)
		mux.HandleFunc("POST "+p+"/packages/{name}/releases/{version}/docs", h.publishDocs)
		mux.HandleFunc("GET "+p+"/packages/{name}/releases/{version}/docs", h.docs)
		mux.HandleFunc("DELETE "+p+"/packages/{name}/releases/{version}/docs", h.revertDocs)
		mux.HandleFunc("POST "+p+"/packages/{name}/retire", h.retire)
		mux.HandleFunc("POST "+p+"/packages/{name}/releases/{version}/retire", h.retire)
		mux.HandleFunc("DELETE "+p+"/packages/{name}/releases/{version}/retire", h.unretire)
		mux.HandleFunc("GET "+p+"/packages/{name}/owners", h.owners)
		mux.HandleFunc("GET "+p+"/packages/{name}/owners/{owner}", h.owner)
		mux.HandleFunc("PUT "+p+"/packages/{name}/owners/{owner}", h.addOwner)
		mux.HandleFunc("DELETE "+p+"/packages/{name}/owners/{owner}", h.removeOwner)
		mux.HandleFunc("GET "+p+"/packages/{name}", h.pkg)
		mux.HandleFunc("GET "+p+"/packages", h.search)
	}
	mux.HandleFunc("GET /api/users/me", h.me)
	mux.HandleFunc("GET /api/users/{name}", h.user)
	mux.HandleFunc("GET /api/keys", h.keys)
	mux.HandleFunc("POST /api/keys", h.createKey)
	mux.HandleFunc("DELETE /api/keys", h.revokeAllKeys)
	mux.HandleFunc("GET /api/keys/{key}", h.key)
	mux.HandleFunc("DELETE /api/keys/{key}", h.revokeKey)
	mux.HandleFunc("GET /api/auth", h.auth)
	mux.HandleFunc("POST /api/oidc/token", h.oidcToken)
	mux.HandleFunc("GET /api/orgs/{organization}", h.organization)
	mux.HandleFunc("GET /api/orgs/{organization}/members", h.members)
	mux.HandleFunc("GET /api/repos", h.repositories)
	mux.HandleFunc("GET /api/repos/{repository}", h.repository)
	h.mux = mux
	return h
}

// methods are the methods routes use; unknownRoute asks the mux about
// each to tell 405 from 404.
var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}

// ServeHTTP routes a request. Unknown paths under /api answer 404 and known
// paths with another method 405, both as hexpm error bodies (never the web
// app, never plain text a Hex client cannot decode).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := checkRequestText(r); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, pattern := h.mux.Handler(r); pattern != "" {
		h.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	for _, m := range methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		writeError(w, r, http.StatusNotFound, "Page not found", nil)
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeError(w, r, http.StatusMethodNotAllowed, "Method not allowed", nil)
}

// repo is the repository a route addresses: "" for the public one.
func repo(r *http.Request) string { return r.PathValue("repository") }

// checkRequestText applies Depot's text rule (package text) to the path
// and the query parameters, which hold names, versions and search terms:
// single-line text, so a NUL or control character is BAD_USER_INPUT here,
// the same on both databases, as it is in GraphQL.
func checkRequestText(r *http.Request) error {
	if err := text.Check(r.URL.Path, text.Line); err != nil {
		return apperr.Invalid("path", "the path %s", err)
	}
	for k, vs := range r.URL.Query() {
		for _, v := range append(vs, k) {
			if err := text.Check(v, text.Line); err != nil {
				return apperr.Invalid(k, "%s %s", k, err)
			}
		}
	}
	return nil
}
