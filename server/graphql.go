package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/frontend"
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

// Limits of the GraphQL endpoint. maxTokens is about fifteen times the
// web app's largest document (PackagePage with its fragments, about 150
// tokens) and fits the IDE's introspection query; maxFieldRepeats leaves
// room for one field asked of every implementation of an interface.
const (
	maxDepth        = 12
	maxComplexity   = 50000
	maxQueryBytes   = 64 << 10
	maxTokens       = 2000
	maxFieldRepeats = 30
	wsReadLimit     = 64 << 10
)

func (s *Server) graphqlHandler() http.Handler {
	cfg := generated.Config{Resolvers: s.Resolver, Complexity: graph.Complexity()}
	es := generated.NewExecutableSchema(cfg)
	h := handler.New(es)
	ws := s.websocketTransport(wsReadLimit)
	h.AddTransport(ws)
	h.AddTransport(sseFeeds{feeds: ws.feeds})
	h.AddTransport(transport.Options{})
	h.AddTransport(transport.GET{})
	h.AddTransport(transport.POST{})
	h.AddTransport(transport.MultipartForm{MaxUploadSize: s.Config.MaxBodyBytes, MaxMemory: 1 << 20})
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	h.Use(extension.Introspection{})
	// Limits first: its size checks run before APQ registers a document
	// under its hash, so an oversized document is neither run nor kept.
	h.Use(graph.Limits{
		MaxQueryBytes: maxQueryBytes, MaxTokens: maxTokens, MaxFieldRepeats: maxFieldRepeats,
		MaxDepth: maxDepth, MaxComplexity: maxComplexity, Schema: es,
		Passed: lru.New[bool](1000),
	})
	persisted := lru.New[string](1000)
	h.Use(extension.AutomaticPersistedQuery{Cache: persisted})
	h.Use(graph.TextCheck{Schema: es})
	h.Use(graph.ElementStacks{}) // before EmptyEdges: the fewer frames below it, the cheaper the growth
	h.Use(graph.EmptyEdges{})
	h.SetErrorPresenter(requestErrors(graph.ErrorPresenter(s.Log)))
	h.AroundOperations(s.aroundOperation)
	h.AroundResponses(s.metrics.observe) // outermost: cache hits are measured too
	h.AroundResponses(s.cacheReads)
	h.AroundResponses(s.rateLimitedStatus)
	h.SetRecoverFunc(func(ctx context.Context, err any) error {
		s.Log.ErrorContext(ctx, "resolver panic", "panic", err)
		return apperr.New(apperr.Internal, "internal error")
	})
	ide := ideHandler(frontend.FS())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.RawQuery == "" && strings.Contains(r.Header.Get("Accept"), "text/html") {
			ide.ServeHTTP(w, r)
			return
		}
		if ref := refuseRequest(r, persisted); ref != nil {
			if ref.status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", "GET, POST, OPTIONS")
			}
			writeGraphQLError(w, ref.status, ref.err)
			return
		}
		if r.Header.Get("Upgrade") != "" {
			h.ServeHTTP(w, r) // a websocket: its errors are protocol messages
			return
		}
		cw := &codedWriter{ResponseWriter: w}
		h.ServeHTTP(cw, r)
		cw.finish()
	})
}

// refusal is a request refused before it reaches a transport.
type refusal struct {
	status int
	err    *apperr.Error
}

// refuseRequest refuses what no transport should take: methods other than
// GET, POST and OPTIONS, POST bodies that are neither JSON nor multipart
// (text/plain and form posts are what cross-site forms send), and GET of
// anything but a query, persisted by hash or not (GET must never change
// anything).
func refuseRequest(r *http.Request, persisted graphql.Cache[string]) *refusal {
	switch r.Method {
	case http.MethodGet:
		if r.Header.Get("Upgrade") != "" {
			return nil
		}
		q := r.URL.Query()
		query := q.Get("query")
		if query == "" && q.Get("extensions") != "" {
			var ext struct {
				PersistedQuery struct {
					Hash string `json:"sha256Hash"`
				} `json:"persistedQuery"`
			}
			if json.Unmarshal([]byte(q.Get("extensions")), &ext) == nil && ext.PersistedQuery.Hash != "" {
				query, _ = persisted.Get(r.Context(), ext.PersistedQuery.Hash)
			}
		}
		switch operationKind(query, q.Get("operationName")) {
		case ast.Mutation:
			return &refusal{http.StatusMethodNotAllowed, apperr.New(apperr.BadInput, "mutations must be sent with POST; GET is for queries only")}
		case ast.Subscription:
			return &refusal{http.StatusMethodNotAllowed, apperr.New(apperr.BadInput, "subscriptions need a websocket or a POST with Accept: text/event-stream; GET is for queries only")}
		}
	case http.MethodPost:
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || (mt != "application/json" && mt != "multipart/form-data") {
			return &refusal{http.StatusUnsupportedMediaType, apperr.New(apperr.BadInput, "send the operation as application/json (or multipart/form-data for uploads)")}
		}
	case http.MethodOptions, http.MethodHead:
	default:
		return &refusal{http.StatusMethodNotAllowed, apperr.New(apperr.BadInput, "method %s is not allowed: use GET for queries, POST for everything", r.Method)}
	}
	return nil
}

// operationKind is the type of a query document's selected operation (""
// when there is no document or it does not parse; the transport reports
// that).
func operationKind(query, operationName string) ast.Operation {
	if query == "" || len(query) > maxQueryBytes {
		return ""
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return ""
	}
	for _, op := range doc.Operations {
		if operationName == "" || op.Name == operationName {
			return op.Operation
		}
	}
	return ""
}

// requestErrors gives a code to the errors gqlgen raises about the request
// itself before any operation is chosen (an APQ hash that does not match
// its document, for one): the client's fault, BAD_USER_INPUT, shown with
// their message. Everything else goes to next.
func requestErrors(next graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var ge *gqlerror.Error
		if errors.As(err, &ge) && ge.Err == nil && len(ge.Path) == 0 && ge.Extensions["code"] == nil &&
			(!graphql.HasOperationContext(ctx) || graphql.GetOperationContext(ctx).Operation == nil) {
			out := *ge
			out.Extensions = map[string]any{"code": string(apperr.BadInput)}
			return &out
		}
		return next(ctx, err)
	}
}

// codedWriter gives every error of a refused HTTP request an
// `extensions.code`. gqlgen's transports write some refusals (a multipart
// request without a map, a bad map path, undecodable GET variables)
// straight to the response, past the error presenter; those responses
// carry a 4xx status, so only they are held back and rewritten, and every
// error in them without a code becomes BAD_USER_INPUT.
type codedWriter struct {
	http.ResponseWriter
	status int
	held   *bytes.Buffer
}

func (w *codedWriter) WriteHeader(status int) {
	if w.held == nil && status >= 400 {
		w.status, w.held = status, new(bytes.Buffer)
		return
	}
	if w.held == nil {
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *codedWriter) Write(b []byte) (int, error) {
	if w.held != nil {
		return w.held.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher for SSE subscriptions.
func (w *codedWriter) Flush() {
	if w.held == nil {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

func (w *codedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish writes a held response, with codes added.
func (w *codedWriter) finish() {
	if w.held == nil {
		return
	}
	body := w.held.Bytes()
	var resp map[string]json.RawMessage
	var errs []map[string]any
	if json.Unmarshal(body, &resp) == nil && json.Unmarshal(resp["errors"], &errs) == nil {
		changed := false
		for _, e := range errs {
			ext, _ := e["extensions"].(map[string]any)
			if ext == nil {
				ext = map[string]any{}
				e["extensions"] = ext
			}
			if ext["code"] == nil {
				ext["code"] = string(apperr.BadInput)
				changed = true
			}
		}
		if raw, err := json.Marshal(errs); changed && err == nil {
			resp["errors"] = raw
			if b, err := json.Marshal(resp); err == nil {
				body = b
			}
		}
	}
	w.ResponseWriter.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(body)
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
