package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/internal/httpctx"
	"github.com/depot-registry/depot/viewer"
)

type requestIDKey struct{}

// statusWriter records the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and Hijack (SSE, websockets).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack and Flush are implemented directly too: gorilla/websocket and
// gqlgen's SSE transport type-assert instead of using ResponseController.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.status = http.StatusSwitchingProtocols
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Flush implements http.Flusher.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// logRequests gives each request an id (X-Request-Id, taken from the client
// when it sends a sane one), logs it with slog, and recovers panics.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 64 || strings.ContainsAny(id, " \r\n\"") {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				s.Log.ErrorContext(ctx, "panic", "request_id", id, "panic", p)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			lvl := slog.LevelInfo
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
				lvl = slog.LevelDebug
			}
			s.Log.Log(ctx, lvl, "request", "request_id", id, "method", r.Method, "path", r.URL.Path,
				"status", sw.status, "bytes", sw.bytes, "duration_ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// clientIP is the peer address. Depot does not trust X-Forwarded-For by
// default: behind a proxy, rate limits apply to the proxy unless it is
// configured to pass the real address (left for a later setting).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// OTPHeader carries a two-factor code on a GraphQL request (docs/API.md).
const OTPHeader = "X-Depot-OTP"

// authKind records how a request authenticated; CSRF rules differ.
type authKind int

const (
	authNone authKind = iota
	authCookie
	authKey
)

type authKindKey struct{}

func authKindOf(ctx context.Context) authKind {
	k, _ := ctx.Value(authKindKey{}).(authKind)
	return k
}

// authenticate turns the Authorization header or the session cookie into a
// viewer in the request context. A bad API key is refused outright (401); a
// stale cookie just means "anonymous".
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := withClientOf(r)
		ctx = httpctx.With(ctx, &httpctx.Exchange{W: w, R: r, Secure: strings.HasPrefix(s.Config.PublicURL, "https://")})
		kind := authNone
		var v *viewer.Viewer
		if h := r.Header.Get("Authorization"); h != "" {
			secret, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				writeGraphQLError(w, http.StatusUnauthorized, apperr.New(apperr.Unauthenticated, "Authorization must be \"Bearer <API key>\""))
				return
			}
			var err error
			key := strings.TrimSpace(secret)
			if v, err = s.Accounts.ViewerForKey(ctx, key); err != nil {
				writeGraphQLError(w, http.StatusUnauthorized, err)
				return
			}
			kind = authKey
			ctx = viewer.WithReloader(ctx, func(ctx context.Context) (*viewer.Viewer, error) { return s.Accounts.ViewerForKey(ctx, key) })
		} else if c, err := r.Cookie(httpctx.CookieName); err == nil {
			if v, err = s.Accounts.ViewerForSession(ctx, c.Value); err != nil {
				s.Log.ErrorContext(ctx, "session lookup", "err", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			if !v.Anonymous() {
				kind = authCookie
				token := c.Value
				ctx = viewer.WithReloader(ctx, func(ctx context.Context) (*viewer.Viewer, error) { return s.Accounts.ViewerForSession(ctx, token) })
			}
		}
		if kind != authKey && !safeMethod(r.Method) && !s.allowedOrigin(r) {
			writeGraphQLError(w, http.StatusForbidden, apperr.New(apperr.Forbidden,
				"cross-origin request refused: Origin %q is not %s", r.Header.Get("Origin"), s.Config.PublicURL))
			return
		}
		if v == nil {
			// Always a viewer of our own in the context: sign-in and sign-up
			// fill it in place so the rest of the operation sees the user.
			v = &viewer.Viewer{}
		}
		// A two-factor code in OTPHeader: the domain checks it and marks
		// the viewer (sudo mode for a session, writes for a key).
		if code := r.Header.Get(OTPHeader); code != "" {
			if err := s.Accounts.VerifyRequestCode(ctx, v, code); err != nil {
				status := http.StatusUnauthorized
				if apperr.CodeOf(err) == apperr.RateLimited {
					status = http.StatusTooManyRequests
				} else if apperr.CodeOf(err) == apperr.Internal {
					status = http.StatusInternalServerError
				}
				writeGraphQLError(w, status, err)
				return
			}
		}
		ctx = viewer.NewContext(ctx, v)
		ctx = context.WithValue(ctx, authKindKey{}, kind)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// rateLimit applies the per-key (or per-IP for anonymous and cookie
// requests) token bucket and reports the budget in headers.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return s.rateLimitAs(func(w http.ResponseWriter, r *http.Request, message string) {
		writeGraphQLError(w, http.StatusTooManyRequests, apperr.New(apperr.RateLimited, "%s", message))
	}, next)
}

// rateLimitAs is rateLimit answering refusals with refuse, in the format
// of the front it guards (the Hex API answers in hexpm's). The budget
// headers are hexpm's: X-RateLimit-Limit, -Remaining and -Reset, the Unix
// time at which the budget is full again.
func (s *Server) rateLimitAs(refuse func(w http.ResponseWriter, r *http.Request, message string), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := "ip:" + clientIP(r)
		if v := viewer.FromContext(r.Context()); v.KeyID != 0 {
			key = "key:" + strconv.Itoa(v.KeyID)
		}
		ok, remaining, retry := s.limiter.take(key)
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(s.Config.RateBurst))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		refill := time.Duration(float64(s.Config.RateBurst-remaining) / s.Config.RateLimit * float64(time.Second))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(refill).Unix(), 10))
		if !ok {
			secs := int(retry/time.Second) + 1
			h.Set("Retry-After", strconv.Itoa(secs))
			refuse(w, r, fmt.Sprintf("rate limit exceeded; retry in %d s", secs))
			return
		}
		next.ServeHTTP(withRetryHint(w, r))
	})
}

// limitBody caps request bodies. JSON bodies are read and checked here:
// gqlgen's POST transport reports an unreadable, oversized (sent chunked, so
// no Content-Length) or malformed body as an uncoded error, which would
// reach clients as INTERNAL; these are the client's fault (BAD_USER_INPUT).
// Multipart uploads stream on; their transport reports its own errors.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tooLarge := func() {
			writeGraphQLError(w, http.StatusRequestEntityTooLarge,
				apperr.New(apperr.BadInput, "request body is larger than %d bytes", s.Config.MaxBodyBytes))
		}
		if r.ContentLength > s.Config.MaxBodyBytes {
			tooLarge()
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.Config.MaxBodyBytes)
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method == http.MethodPost && mt == "application/json" {
			body, err := io.ReadAll(r.Body)
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe):
				tooLarge()
				return
			case err != nil:
				writeGraphQLError(w, http.StatusBadRequest, apperr.New(apperr.BadInput, "could not read the request body"))
				return
			}
			// Checked here so a malformed body is BAD_USER_INPUT, not an
			// internal error from the transport. Raw messages keep this
			// check cheap: the variables are decoded once, by gqlgen.
			var params struct {
				Query         string          `json:"query"`
				OperationName string          `json:"operationName"`
				Variables     json.RawMessage `json:"variables"`
				Extensions    json.RawMessage `json:"extensions"`
			}
			err = json.Unmarshal(body, &params)
			if err == nil && (!objectOrNull(params.Variables) || !objectOrNull(params.Extensions)) {
				err = errors.New("variables and extensions must be objects")
			}
			if err != nil {
				writeGraphQLError(w, http.StatusBadRequest, apperr.New(apperr.BadInput,
					"the request body must be a JSON object {\"query\", \"operationName\", \"variables\", \"extensions\"}: %v", err))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// writeGraphQLError answers outside the GraphQL executor in its error shape.
func writeGraphQLError(w http.ResponseWriter, status int, err error) {
	msg, code := err.Error(), apperr.CodeOf(err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": string(code)}}},
	})
}

// objectOrNull reports whether raw JSON is absent, null or an object.
func objectOrNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null")) || t[0] == '{'
}

// safeMethod reports whether method changes nothing (RFC 9110 §9.2.1).
func safeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// A request that changes something and is not authenticated by an API key
// (so a browser may have sent it, with the session cookie) must come from
// a page of the public URL when it names its origin: allowedOrigin, the
// websocket check, compares parsed scheme, host and port. This is defence
// in depth behind the CSRF header, which a cross-site page cannot send
// without a CORS preflight that Depot never grants. A request without an
// Origin header passes: browsers send Origin on every cross-origin POST,
// while command-line tools and server-side integrations send none, and
// the CSRF header still guards their mutations.

// sameOrigin reports whether origin (an Origin header or a Referer URL)
// names the server's own origin: same scheme, host and port, no userinfo.
func sameOrigin(origin, public string) bool {
	o, err := url.Parse(origin)
	if err != nil || o.User != nil || o.Opaque != "" {
		return false
	}
	p, err := url.Parse(public)
	if err != nil {
		return false
	}
	port := func(u *url.URL) string {
		if u.Port() != "" {
			return u.Port()
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(o.Scheme, p.Scheme) && strings.EqualFold(o.Hostname(), p.Hostname()) && port(o) == port(p)
}
