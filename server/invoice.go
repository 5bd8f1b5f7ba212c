package server

import (
	"net/http"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/billing/service"
)

// invoicePage serves the printable invoice at /orgs/ORG/invoices/NUMBER.html
// to the organization's admins; other paths under it are the web app's
// routes.
func (s *Server) invoicePage(spa http.Handler) http.Handler {
	return s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		number, ok := strings.CutSuffix(r.PathValue("number"), ".html")
		if !ok {
			spa.ServeHTTP(w, r)
			return
		}
		inv, err := s.Billing.Invoice(r.Context(), r.PathValue("org"), number)
		if err != nil {
			status := http.StatusInternalServerError
			switch apperr.CodeOf(err) {
			case apperr.NotFound, apperr.Forbidden:
				status = http.StatusNotFound
			case apperr.Unauthenticated:
				status = http.StatusUnauthorized
			}
			http.Error(w, http.StatusText(status), status)
			return
		}
		if inv == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		if err := service.RenderInvoiceHTML(w, *inv); err != nil {
			s.Log.ErrorContext(r.Context(), "render invoice", "err", err)
		}
	}))
}
