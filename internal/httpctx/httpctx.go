// Package httpctx lets GraphQL resolvers reach the parts of the HTTP exchange
// they legitimately need — setting and clearing the session cookie, reading
// the current session token — without importing the server.
package httpctx

import (
	"context"
	"net/http"
	"time"
)

// CookieName is the session cookie.
const CookieName = "depot_session"

// Exchange is the HTTP request/response pair of a GraphQL operation. Over a
// websocket it is detached (see Detach): the upgrade request's Cookie and
// CSRF headers without a response (no cookies can be set there).
type Exchange struct {
	W      http.ResponseWriter
	R      *http.Request
	Secure bool
}

type key struct{}

// With returns ctx carrying the exchange.
func With(ctx context.Context, e *Exchange) context.Context {
	return context.WithValue(ctx, key{}, e)
}

// Detach lets go of the exchange in ctx once the connection has outlived the
// request (a hijacked websocket): the response writer, and with it net/http's
// per-connection buffers, are released; the request keeps only its Cookie
// and X-Depot-CSRF headers, which is what resolvers read. Setting a cookie
// is then a no-op, as it is on any websocket. It returns those headers.
func Detach(ctx context.Context, keep ...string) http.Header {
	e := from(ctx)
	if e == nil {
		return nil
	}
	h := http.Header{}
	for _, k := range append([]string{"Cookie"}, keep...) {
		if v := e.R.Header.Values(k); len(v) > 0 {
			h[http.CanonicalHeaderKey(k)] = v
		}
	}
	*e = Exchange{R: &http.Request{Header: h}, Secure: e.Secure}
	return h
}

func from(ctx context.Context) *Exchange {
	e, _ := ctx.Value(key{}).(*Exchange)
	return e
}

// SessionToken returns the session cookie's token of the request, if any.
func SessionToken(ctx context.Context) string {
	e := from(ctx)
	if e == nil {
		return ""
	}
	c, err := e.R.Cookie(CookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// SetSession sets the session cookie: HttpOnly (scripts never see it),
// SameSite=Lax (not sent on cross-site subrequests), Secure behind https.
func SetSession(ctx context.Context, token string, ttl time.Duration) {
	e := from(ctx)
	if e == nil || e.W == nil {
		return
	}
	http.SetCookie(e.W, &http.Cookie{
		Name: CookieName, Value: token, Path: "/", MaxAge: int(ttl / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: e.Secure,
	})
}

// ClearSession removes the session cookie.
func ClearSession(ctx context.Context) {
	e := from(ctx)
	if e == nil || e.W == nil {
		return
	}
	http.SetCookie(e.W, &http.Cookie{
		Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: e.Secure,
	})
}

// Request returns the HTTP request of the operation, nil over websockets.
func Request(ctx context.Context) *http.Request {
	if e := from(ctx); e != nil {
		return e.R
	}
	return nil
}
