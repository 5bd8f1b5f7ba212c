package repo

import (
	"net/http"
	"strings"

	"github.com/depot-registry/depot/account"
)

// NormalizeAuth lets Hex clients authenticate with a Depot API key.
//
// rebar3 and mix send a repository key raw in the Authorization header
// (`authorization: dpk_...`, no scheme), while Depot's authentication
// accepts only "Bearer <key>". Mount this in front of authentication for
// /repo and /docs: a raw Depot key becomes "Bearer <key>"; anything else,
// including malformed values, passes through unchanged so authentication
// refuses it as it would anywhere else.
func NormalizeAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := strings.TrimSpace(r.Header.Get("Authorization"))
		if strings.HasPrefix(h, account.KeyPrefix) && !strings.ContainsAny(h, " \t") {
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", "Bearer "+h)
		}
		next.ServeHTTP(w, r)
	})
}
