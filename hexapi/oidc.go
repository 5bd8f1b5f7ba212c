package hexapi

import (
	"net/http"
	"time"
)

// oidcToken serves POST /oidc/token: a CI job trades its OIDC identity
// token ({"token": JWT}, JSON or ETF) for a key valid 15 minutes that
// publishes the packages whose trusted publishers match it (trust/). No
// other credential is needed; the token is the credential. 200 with
// {"key", "expires_at", "packages"}; refusals in hexpm's error shape.
func (h *Handler) oidcToken(w http.ResponseWriter, r *http.Request) {
	body, err := decodeBody(r)
	if err != nil {
		badRequest(w, r, "%s", err.Error())
		return
	}
	token, err := str(body, "token")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.Trust.Exchange(r.Context(), token)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	reply(w, r, http.StatusOK, map[string]any{
		"key":        res.Key,
		"expires_at": res.ExpiresAt.UTC().Format(time.RFC3339),
		"packages":   res.Packages,
	})
}
