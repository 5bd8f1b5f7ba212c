package server

import (
	"context"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/depot-registry/depot/frontend"
	"github.com/depot-registry/depot/hexapi"
	"github.com/depot-registry/depot/repo"
	"github.com/depot-registry/depot/urls"
	"github.com/depot-registry/depot/viewer"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := s.authenticate(s.rateLimit(s.limitBody(countStatements(s.graphqlHandler()))))
	mux.Handle("/graphql", s.timeout(api))
	// Hex clients send their key raw in Authorization; NormalizeAuth makes
	// it a Bearer key before the shared authentication.
	hex := func(h http.Handler) http.Handler {
		return repo.NormalizeAuth(s.authenticate(s.rateLimit(s.timeout(h))))
	}
	mux.Handle(urls.Repo+"/", hex(s.repo))
	mux.Handle(urls.Tarballs+"/", hex(s.tarballs))
	// Only tarballs under /repos/ORG/: the rest of /repos/ is the web app's
	// (private package pages are /repos/ORG/packages/NAME).
	mux.Handle(urls.Repos+"/{org}"+urls.Tarballs+"/", hex(s.tarballs))
	mux.Handle(urls.Docs+"/", hex(s.docs))
	mux.Handle("GET "+urls.Exports+"/{token}", s.exportDownload())
	// The Hex HTTP API authenticates in its own way (raw key, Bearer or
	// Basic password) and answers in hexpm's error format.
	mux.Handle(urls.API+"/", withClient(s.hexAPI.Authenticate(s.rateLimitAs(hexapi.RateLimited, s.timeout(s.hexAPI)))))
	mux.Handle("POST /webhooks/stripe", s.webhook)
	mux.HandleFunc("/webhooks/stripe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", s.metricsEndpoint())
	mux.HandleFunc("GET /.well-known/security.txt", s.securityTxt)
	spa := s.spa()
	mux.Handle("GET /orgs/{org}/invoices/{number}", s.invoicePage(spa))
	mux.Handle("/", spa)
	return s.logRequests(securityHeaders(mux))
}

// withClient records where a request came from, for audit entries and
// rate limits, in front of a front that authenticates by itself.
func withClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(withClientOf(r)))
	})
}

// withClientOf is r's context carrying where r came from.
func withClientOf(r *http.Request) context.Context {
	return viewer.WithClient(r.Context(), viewer.Client{IP: clientIP(r), UserAgent: r.UserAgent()})
}

// timeout bounds ordinary requests; websockets and SSE streams live on.
func (s *Server) timeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.Config.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.SQL.PingContext(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("ready\n"))
}

// securityTxt names the security contact (seed: "Security vulnerabilities
// should be disclosed to security@..."); RFC 9116 format.
func (s *Server) securityTxt(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	exp := time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)
	_, _ = w.Write([]byte("Contact: mailto:" + s.Config.SecurityContact + "\nExpires: " + exp +
		"\nPreferred-Languages: en\nCanonical: " + s.Config.PublicURL + "/.well-known/security.txt\n"))
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// spa serves the embedded web app: files by path (hashed assets cached for
// a year), anything else falls back to index.html for client-side routes.
func (s *Server) spa() http.Handler {
	files, built := frontend.FS()
	index := "index.html"
	if !built {
		index = "placeholder.html"
	}
	page, _ := fs.ReadFile(files, index)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if first, _, _ := strings.Cut(name, "/"); serverPrefixes[first] {
			notFound(w, first)
			return
		}
		if name == idePage {
			http.Redirect(w, r, "/graphql", http.StatusFound) // the IDE's own URL, with its headers
			return
		}
		if name != "" && name != index {
			if f, err := fs.Stat(files, name); err == nil && !f.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				http.ServeFileFS(w, r, files, name)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", appCSP)
		_, _ = w.Write(page)
	})
}

// appCSP is the web app's Content-Security-Policy: scripts only from this
// origin, no inline script.
const appCSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"

// serverPrefixes are the first path segments the server owns: an unknown
// path under them is a 404, never the web app.
var serverPrefixes = map[string]bool{"api": true, "repo": true, "tarballs": true,
	"docs": true, "webhooks": true, "graphql": true, "healthz": true, "readyz": true, "metrics": true, ".well-known": true}

func notFound(w http.ResponseWriter, prefix string) {
	if prefix == "api" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code":"NOT_FOUND","message":"Page not found","status":404}`))
		return
	}
	http.Error(w, "not found", http.StatusNotFound)
}
