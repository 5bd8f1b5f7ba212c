package server

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/depot-registry/depot/readcache"
	"github.com/depot-registry/depot/store"
)

// metrics is the server's Prometheus registry (one per server, so tests can
// run several servers in one process).
type metrics struct {
	reg           *prometheus.Registry
	operations    *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	subscriptions prometheus.Gauge
	events        *prometheus.CounterVec
}

func newMetrics(reads *readcache.Cache) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "depot_graphql_operations_total", Help: "GraphQL operations by operation name, type and outcome.",
		}, []string{"operation", "type", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "depot_graphql_operation_duration_seconds", Help: "GraphQL operation latency by operation name.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"operation", "type"}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "depot_subscriptions_active", Help: "Open GraphQL subscriptions.",
		}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "depot_release_events_total", Help: "Committed release events by kind (PUBLISHED counts publishes).",
		}, []string{"kind"}),
	}
	m.reg.MustRegister(m.operations, m.latency, m.subscriptions, m.events,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "depot_sql_statements_total", Help: "SQL statements sent to the database.",
		}, func() float64 { return float64(store.Statements.Load()) }),
	)
	if reads != nil {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "depot_read_cache_hits_total", Help: "Anonymous queries answered from the read cache.",
			}, func() float64 { return float64(reads.Stats().Hits) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "depot_read_cache_misses_total", Help: "Anonymous queries the read cache could not answer.",
			}, func() float64 { return float64(reads.Stats().Misses) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "depot_read_cache_bytes", Help: "Memory held by cached answers (approximate).",
			}, func() float64 { return float64(reads.Stats().Bytes) }),
		)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// webOperations are the operation names of Depot's own web app
// (frontend/src; TestMetricsOperationsMatchFrontend keeps the two in
// step). Only these get a series of their own: the name is the client's to
// choose, and a label per name would let anyone grow /metrics without
// bound.
var webOperations = map[string]bool{
	"AddMember": true, "AddPackageOwner": true, "ApiKeys": true, "AuditLog": true,
	"CancelSubscription": true, "ChangePassword": true, "ChangePlan": true, "ChangeSeats": true,
	"CreateApiKey": true, "CreateOrganization": true, "Invoice": true,
	"OrgBilling": true, "OrgPage": true, "PackagePage": true, "PayInvoice": true,
	"PayThisInvoice": true, "PreviewSeatChange": true, "PublishRelease": true, "RecentPackages": true,
	"ReleaseFeed": true, "ReleasePage": true, "RemoveMember": true, "RemovePackageOwner": true,
	"ReplaceRelease": true, "ResumeSubscription": true, "RetireRelease": true, "RevertRelease": true,
	"RevokeApiKey": true, "SearchPackages": true, "SetMemberRole": true, "SignIn": true,
	"SignOut": true, "SignUp": true, "StartSubscription": true, "TransferPackage": true,
	"UnretireRelease": true, "UpdateBillingProfile": true, "UserPage": true, "Viewer": true,
	"TrustedPublishers": true, "AddTrustedPublisher": true, "RemoveTrustedPublisher": true,
	// two-factor authentication
	"BeginTwoFactor": true, "CompleteSignIn": true, "ConfirmTwoFactor": true, "DisableTwoFactor": true,
	"EnableTwoFactor": true, "RegenerateRecoveryCodes": true, "SetOrganizationTwoFactor": true, "TwoFactorStatus": true,
	"ExportOrganization": true, // the organization's export section
	// mirrored packages: the search page's section, their page, the package page's fallback
	"SearchMirroredPackages": true, "MirroredPackagePage": true, "MirroredFallback": true,
}

// operationLabel bounds the operation label: the web app's operations by
// name, unnamed ones as "anonymous", every other name as "other".
func operationLabel(name string) string {
	switch {
	case name == "":
		return "anonymous"
	case webOperations[name]:
		return name
	}
	return "other"
}

// observe is a gqlgen response interceptor recording each operation under
// a bounded label (operationLabel).
func (m *metrics) observe(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	name, kind := operationLabel(oc.OperationName), "query"
	if oc.Operation != nil {
		kind = string(oc.Operation.Operation)
	}
	if kind == string(ast.Subscription) {
		return next(ctx)
	}
	start := time.Now()
	resp := next(ctx)
	outcome := "ok"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "error"
	}
	m.operations.WithLabelValues(name, kind, outcome).Inc()
	m.latency.WithLabelValues(name, kind).Observe(time.Since(start).Seconds())
	return resp
}

// /metrics tells how the registry is used and by whom (operation mix,
// event counts), so it is not public. Like a Prometheus exporter, it can
// have a listener of its own (DEPOT_METRICS_ADDR), which the operator keeps
// off the internet; a bearer token (DEPOT_METRICS_TOKEN) is required
// wherever it is served when one is set. With neither, the public
// listener's /metrics answers loopback clients only: a scraper on the same
// host, or `curl localhost`, works out of the box.

// metricsEndpoint is /metrics on the public listener.
func (s *Server) metricsEndpoint() http.Handler {
	if s.Config.MetricsAddr != "" {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { notFound(w, "metrics") })
	}
	return s.guardMetrics(s.metrics.handler(), true)
}

// MetricsHandler is /metrics for its own listener: token-guarded when a
// token is set, else open to whoever reaches the listener.
func (s *Server) MetricsHandler() http.Handler { return s.guardMetrics(s.metrics.handler(), false) }

func (s *Server) guardMetrics(h http.Handler, loopbackOnly bool) http.Handler {
	token := s.Config.MetricsToken
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case token != "":
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "metrics: send Authorization: Bearer <DEPOT_METRICS_TOKEN>", http.StatusUnauthorized)
				return
			}
		case loopbackOnly && !fromLoopback(r):
			http.Error(w, "metrics are served to loopback clients only; set DEPOT_METRICS_TOKEN or DEPOT_METRICS_ADDR", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fromLoopback reports whether the peer is on this host and is not a
// reverse proxy passing on someone else's request (which would make every
// visitor look local).
func fromLoopback(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	ip := net.ParseIP(clientIP(r))
	return ip != nil && ip.IsLoopback()
}

// serveMetrics serves /metrics on its own listener (DEPOT_METRICS_ADDR).
func serveMetrics(addr string, h http.Handler, log *slog.Logger) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	log.Info("metrics served", "url", "http://"+l.Addr().String()+"/metrics")
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(l) }()
	return nil
}
