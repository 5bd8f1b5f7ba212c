package server

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/graph"
	"github.com/depot-registry/depot/graph/generated"
	"github.com/depot-registry/depot/internal/httpctx"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// CSRFHeader must accompany every mutation that is not authenticated with
// an API key. Browsers cannot send a custom header cross-site without a CORS
// preflight (which Depot never grants), so a forged form post or
// cross-site fetch cannot carry it; this covers sign-in too (login CSRF).
const CSRFHeader = "X-Depot-CSRF"

// Limits of the GraphQL endpoint.
const (
	maxDepth      = 12
	maxComplexity = 50000
	wsReadLimit   = 64 << 10
)

func (s *Server) graphqlHandler() http.Handler {
	cfg := generated.Config{Resolvers: s.Resolver, Complexity: graph.Complexity()}
	es := generated.NewExecutableSchema(cfg)
	h := handler.New(es)
	readLimit := int64(wsReadLimit)
	h.AddTransport(transport.Websocket{
		Implementation:        gorillaWS{allowed: s.allowedOrigin},
		InitFunc:              s.wsInit,
		KeepAlivePingInterval: 15 * time.Second,
		InitTimeout:           10 * time.Second,
		PayloadReadLimit:      &readLimit,
	})
	h.AddTransport(sseTransport{})
	h.AddTransport(transport.Options{})
	h.AddTransport(transport.GET{})
	h.AddTransport(transport.POST{})
	h.AddTransport(transport.MultipartForm{MaxUploadSize: s.Config.MaxBodyBytes, MaxMemory: 1 << 20})
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	h.Use(extension.Introspection{})
	h.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	h.Use(graph.Limits{MaxDepth: maxDepth, MaxComplexity: maxComplexity, Schema: es})
	h.SetErrorPresenter(graph.ErrorPresenter(s.Log))
	h.AroundOperations(s.aroundOperation)
	h.AroundResponses(s.metrics.observe) // outermost: cache hits are measured too
	h.AroundResponses(s.cacheReads)
	h.SetRecoverFunc(func(ctx context.Context, err any) error {
		s.Log.ErrorContext(ctx, "resolver panic", "panic", err)
		return apperr.New(apperr.Internal, "internal error")
	})
	ide := playground.Handler("Depot GraphQL", "/graphql")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.RawQuery == "" && strings.Contains(r.Header.Get("Accept"), "text/html") {
			ide.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet && isMutation(r.URL.Query().Get("query"), r.URL.Query().Get("operationName")) {
			writeGraphQLError(w, http.StatusMethodNotAllowed,
				apperr.New(apperr.BadInput, "mutations must be sent with POST; GET is for queries only"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// isMutation reports whether a query document's selected operation is a
// mutation (GET must never change anything).
func isMutation(query, operationName string) bool {
	if query == "" {
		return false
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return false // the transport reports the syntax error
	}
	for _, op := range doc.Operations {
		if (operationName == "" || op.Name == operationName) && op.Operation == ast.Mutation {
			return true
		}
	}
	return false
}

// aroundOperation applies the per-operation rules: the CSRF header on
// browser mutations and fresh batch loaders.
func (s *Server) aroundOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil && oc.Operation.Operation == ast.Mutation && authKindOf(ctx) != authKey {
		if r := httpctx.Request(ctx); r != nil && r.Header.Get(CSRFHeader) == "" {
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
				Message:    "mutations from a browser must send the " + CSRFHeader + " header",
				Extensions: map[string]any{"code": string(apperr.Forbidden)},
			}}})
		}
	}
	return next(s.Resolver.WithLoaders(ctx))
}

// allowedOrigin is the websocket origin check: only pages served from the
// public URL (or non-browser clients, which send no Origin) may open a
// subscription socket — no cross-site websocket hijacking of the cookie.
func (s *Server) allowedOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	return sameOrigin(origin, s.Config.PublicURL)
}

// wsInit authenticates a websocket from connection_init's payload
// ({"authorization": "Bearer KEY"}) when there is one; otherwise the cookie
// already in the upgrade request stands.
func (s *Server) wsInit(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	auth := p.Authorization()
	if auth == "" {
		if k, ok := p["apiKey"].(string); ok {
			auth = "Bearer " + k
		}
	}
	if auth == "" {
		return ctx, nil, nil
	}
	secret, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return ctx, nil, apperr.New(apperr.Unauthenticated, "authorization must be \"Bearer <API key>\"")
	}
	v, err := s.Accounts.ViewerForKey(ctx, strings.TrimSpace(secret))
	if err != nil {
		return ctx, nil, err
	}
	key := strings.TrimSpace(secret)
	ctx = viewer.WithReloader(ctx, func(ctx context.Context) (*viewer.Viewer, error) { return s.Accounts.ViewerForKey(ctx, key) })
	return context.WithValue(viewer.NewContext(ctx, v), authKindKey{}, authKey), nil, nil
}

// countStatements counts the SQL statements of each request and reports
// them in the X-Depot-SQL-Statements header (tests and the load tool read it).
func countStatements(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, n := store.WithCounter(r.Context())
		cw := &countingWriter{ResponseWriter: w, n: n}
		next.ServeHTTP(cw, r.WithContext(ctx))
	})
}

type countingWriter struct {
	http.ResponseWriter
	n       interface{ Load() int64 }
	written bool
}

func (w *countingWriter) WriteHeader(code int) {
	if !w.written {
		w.written = true
		w.Header().Set("X-Depot-SQL-Statements", strconv.FormatInt(w.n.Load(), 10))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack implements http.Hijacker for websocket upgrades (gorilla
// type-asserts it).
func (w *countingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.written = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Flush implements http.Flusher for SSE subscriptions.
func (w *countingWriter) Flush() {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// sseTransport is gqlgen's SSE transport, taken only when the client asks
// for an event stream first: browsers' fetch clients list text/event-stream
// among other types in Accept for ordinary queries, which must stay plain
// POSTs.
type sseTransport struct{ transport.SSE }

// Supports implements graphql.Transport.
func (t sseTransport) Supports(r *http.Request) bool {
	first, _, _ := strings.Cut(r.Header.Get("Accept"), ",")
	return strings.HasPrefix(strings.TrimSpace(first), "text/event-stream") && t.SSE.Supports(r)
}
