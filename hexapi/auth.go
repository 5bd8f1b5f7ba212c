package hexapi

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/viewer"
)

// Authenticate puts the caller's viewer in the request context. The Hex
// clients send credentials three ways, all accepted:
//
//	Authorization: dpk_...          the key as the whole header (hex_core's api_key)
//	Authorization: Bearer dpk_...   the key as a bearer token
//	Authorization: Basic base64(username:password)
//	                                a password, as `mix hex.user auth` and
//	                                `rebar3 hex user auth` send to create keys
//
// No header is an anonymous caller; a bad credential is 401 with
// WWW-Authenticate, in hexpm's error format. Cookies are ignored and a
// password sent with an Origin header (a web page, not a tool) is refused,
// so the API has no CSRF exposure. The request's client (IP, user agent)
// must already be in the context.
func (h *Handler) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v := &viewer.Viewer{}
		if raw := strings.TrimSpace(r.Header.Get("Authorization")); raw != "" {
			var err error
			scheme, cred, _ := strings.Cut(raw, " ")
			switch {
			case strings.EqualFold(scheme, "Basic"):
				// A browser that once answered the Basic prompt resends the
				// password on its own, even for another site's forms; Hex
				// tools send no Origin. So a password with an Origin is
				// refused: that request came from a web page.
				if r.Header.Get("Origin") != "" {
					writeError(w, r, http.StatusForbidden, "password authentication is for Hex tools, not web pages; use an API key", nil)
					return
				}
				login, password, ok := basic(cred)
				if !ok {
					writeError(w, r, http.StatusUnauthorized, "malformed Basic authorization", nil)
					return
				}
				v, err = h.Accounts.ViewerForPassword(ctx, login, password)
			case strings.EqualFold(scheme, "Bearer"):
				v, err = h.Accounts.ViewerForKey(ctx, strings.TrimSpace(cred))
			case strings.HasPrefix(raw, account.KeyPrefix) && !strings.ContainsAny(raw, " \t"):
				v, err = h.Accounts.ViewerForKey(ctx, raw)
			default:
				writeError(w, r, http.StatusUnauthorized, "invalid authentication information: send your API key as the Authorization header", nil)
				return
			}
			if err != nil {
				h.fail(w, r, err)
				return
			}
			// hex clients send a two-factor code in x-hex-otp; the domain
			// checks it and lets the key (or password) write.
			if code := r.Header.Get("x-hex-otp"); code != "" {
				if err := h.Accounts.VerifyRequestCode(ctx, v, code); err != nil {
					h.fail(w, r, err)
					return
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(viewer.NewContext(ctx, v)))
	})
}

func basic(cred string) (login, password string, ok bool) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(b), ":")
}
