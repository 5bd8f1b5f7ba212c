// Package server wires Depot together: configuration, the database, the
// domain services, the HTTP routes and middleware, and the process
// lifecycle (start-up, graceful shutdown). It holds no business rules.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/service"
	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/breach"
	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/graph"
	"github.com/depot-registry/depot/hexapi"
	"github.com/depot-registry/depot/interchange"
	"github.com/depot-registry/depot/mail"
	"github.com/depot-registry/depot/mirror"
	"github.com/depot-registry/depot/org"
	"github.com/depot-registry/depot/readcache"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/repo"
	"github.com/depot-registry/depot/store"
)

// Config is the server's configuration, parsed and validated by package
// config.
type Config = config.Config

// Server is one running Depot instance.
type Server struct {
	Config   Config
	Log      *slog.Logger
	DB       *store.DB
	Blobs    blob.Store
	Accounts *account.Service
	Orgs     *org.Service
	Resolver *graph.Resolver
	Registry *registry.Service
	Billing  *service.Service
	Docs     *docshost.Service
	// Interchange imports and exports whole registries.
	Interchange *interchange.Service
	// Processor is the payment processor (in-process unless Stripe is configured).
	Processor billing.Processor
	// RepoKeys sign the Hex registry payloads.
	RepoKeys *repo.Keys
	// Mirror proxies the configured upstream repositories (nil: none).
	Mirror *mirror.Service
	// Bus and Hub carry release events to subscriptions.
	Bus events.Bus
	Hub *events.Hub
	// OnCommit is called after each committed registry change (event bus).
	OnCommit func(ctx context.Context)
	// Now is the clock for every time rule; tests replace it.
	Now func() time.Time

	limiter  *rateLimiter
	metrics  *metrics
	reads    *readcache.Cache // nil: off
	tarballs http.Handler
	repo     http.Handler
	docs     http.Handler
	hexAPI   *hexapi.Handler
	webhook  http.Handler
	handler  http.Handler
	bg       []func(ctx context.Context)
}

// Options adjusts a server for tests and tools.
type Options struct {
	// Now replaces the clock.
	Now func() time.Time
	// HashParams replaces the password KDF cost (tests use a cheap one).
	HashParams *account.HashParams
	// Log replaces the logger.
	Log *slog.Logger
}

// New opens the database, migrates it and builds the services and routes.
func New(ctx context.Context, cfg Config, opts Options) (*Server, error) {
	log := opts.Log
	if log == nil {
		log = cfg.Logger()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, cfg.PublicRepository); err != nil {
		db.Close()
		return nil, err
	}
	secret, err := cfg.Secret()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("secret key: %w", err)
	}
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("blob store: %w", err)
	}
	checker, err := breachChecker(cfg, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Server{Config: cfg, Log: log, DB: db, Blobs: blobs, Now: now}
	s.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst)
	if cfg.ReadCacheMB > 0 {
		s.reads = readcache.New(cfg.ReadCacheMB<<20, cfg.ReadCacheMaxAge)
		s.reads.SetClock(s.now)
	}
	s.metrics = newMetrics(s.reads)
	hash := account.DefaultHashParams
	if opts.HashParams != nil {
		hash = *opts.HashParams
	}
	if cfg.SMTPAddr != "" {
		smtpCfg := mail.SMTP{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUser, Password: cfg.SMTPPassword}
		s.bg = append(s.bg, func(ctx context.Context) { mail.Deliver(ctx, db.Client, smtpCfg, 10*time.Second, log) })
	}
	if err := s.wire(secret, checker, hash); err != nil {
		s.Close() // the event bus and hub are already running
		return nil, err
	}
	s.wireSweep()
	s.handler = s.routes()
	return s, nil
}

func (s *Server) now() time.Time { return s.Now() }

func breachChecker(cfg Config, log *slog.Logger) (breach.Checker, error) {
	if cfg.HIBPURL == "" {
		return breach.Bundled(), nil
	}
	hibp, err := breach.NewHIBP(cfg.HIBPURL)
	if err != nil {
		return nil, fmt.Errorf("DEPOT_HIBP_URL: %w", err)
	}
	m := breach.Multi(breach.Bundled(), hibp)
	m.OnError = func(ctx context.Context, err error) { log.WarnContext(ctx, "HaveIBeenPwned check failed", "err", err) }
	return m, nil
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the event hub and bus and releases the database.
func (s *Server) Close() error {
	s.Hub.Close()
	s.Bus.Close()
	return s.DB.Close()
}

// Serve accepts connections on l until ctx ends, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish (up to
// 25 s) and closes the database.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	for _, run := range s.bg {
		go run(bgCtx)
	}
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down: finishing in-flight requests")
	shutCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	err := hs.Shutdown(shutCtx)
	stopBG()
	if err2 := <-errc; err2 != nil && !errors.Is(err2, http.ErrServerClosed) && err == nil {
		err = err2
	}
	return err
}
