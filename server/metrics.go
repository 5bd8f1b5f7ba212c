package server

import (
	"context"
	"net/http"
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

// observe is a gqlgen response interceptor recording each operation. The
// label is the client's operation name (bounded: unnamed operations share
// "anonymous", and names are cut to 64 characters).
func (m *metrics) observe(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	name, kind := "anonymous", "query"
	if oc.OperationName != "" {
		name = oc.OperationName
		if len(name) > 64 {
			name = name[:64]
		}
	}
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
