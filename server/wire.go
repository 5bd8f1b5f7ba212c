package server

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"time"

	"entgo.io/ent/dialect"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/inprocess"
	"github.com/depot-registry/depot/billing/service"
	stripeproc "github.com/depot-registry/depot/billing/stripe"
	"github.com/depot-registry/depot/breach"
	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/docsweb"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/graph"
	"github.com/depot-registry/depot/hexapi"
	"github.com/depot-registry/depot/interchange"
	"github.com/depot-registry/depot/org"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/repo"
	"github.com/depot-registry/depot/trust"
	"github.com/depot-registry/depot/viewer"
	"github.com/depot-registry/depot/webhook"
)

// clockFunc adapts the server's clock to billing.Clock.
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f().UTC() }

// wire builds the object graph in dependency order, each service whole:
// every constructor below takes what it depends on, so no field is filled
// in after construction.
//
//	events (bus, hub) ─► revocations ─► billing ─► accounts, orgs
//	mirror ─► registry (its name guard) ─► trust (accounts), repository front, docs, Hex API
//	GraphQL resolver (all of the above), webhook, background jobs
//
// The database, blob store, clock, logger, rate limiter and metrics are
// already on s (New).
func (s *Server) wire(secret []byte, checker breach.Checker, hash account.HashParams) error {
	s.Bus, s.Hub, s.OnCommit = s.newEvents()
	revoke := revocations{bus: s.Bus, log: s.Log}

	proc, err := s.newProcessor()
	if err != nil {
		return err
	}
	s.Processor = proc
	s.Billing = s.newBilling(proc, revoke.orgLapsed)
	s.Accounts = s.newAccounts(secret, checker, hash, s.Billing, revoke.userGone)
	s.Orgs = &org.Service{DB: s.DB.Client, Now: s.now, OnRevoke: revoke.userGone}

	m, err := s.wireMirror()
	if err != nil {
		return err
	}
	s.Registry = &registry.Service{
		DB: s.DB.Client, Blobs: s.Blobs, Now: s.now, PublicRepository: s.Config.PublicRepository,
		AfterCommit: s.afterCommit, TrustAllowHTTP: s.Config.OIDCAllowHTTP,
		NameGuard: m.NameGuard(),
	}
	trusted := &trust.Service{DB: s.DB.Client, Accounts: s.Accounts, Now: s.now,
		Verifier: &trust.Verifier{Audience: cmp.Or(s.Config.OIDCAudience, s.Config.PublicURL), Now: s.now}}

	keys, err := repo.LoadKeys(s.Config.DataDir, s.Config.RepoKeyFile)
	if err != nil {
		return fmt.Errorf("repository signing key: %w", err)
	}
	s.RepoKeys = keys
	s.tarballs = repo.TarballHandler(s.Registry, s.Blobs, repo.RedirectFor(s.Config.BlobRedirect), repo.TarballMirror(m))
	s.repo = repo.NewHandler(s.Registry, keys, s.tarballs, repo.WithMirror(m))

	s.Docs = &docshost.Service{DB: s.DB.Client, Blobs: s.Blobs, Registry: s.Registry, Now: s.now, AfterCommit: s.afterCommit}
	s.docs = docsweb.NewHandler(s.Docs)
	s.Interchange = &interchange.Service{DB: s.DB.Client, Registry: s.Registry, Docs: s.Docs, Now: s.now}
	s.hexAPI = hexapi.New(&hexapi.Handler{
		Registry: s.Registry, Docs: s.Docs, Accounts: s.Accounts, Orgs: s.Orgs, Trust: trusted,
		PublicURL: s.Config.PublicURL, Log: s.Log,
	})
	s.Resolver = &graph.Resolver{
		DB: s.DB.Client, Accounts: s.Accounts, Orgs: s.Orgs, Registry: s.Registry,
		BillingService: s.Billing, Docs: s.Docs, Trust: trusted, Hub: s.Hub,
		OnSubscribe: func(delta int) { s.metrics.subscriptions.Add(float64(delta)) },
		PublicURL:   s.Config.PublicURL, PublicRepository: s.Config.PublicRepository,
		Interchange: s.Interchange, ExportLinks: interchange.NewLinks(secret),
		Mirror: m,
	}
	s.webhook = s.newWebhook()

	s.bg = append(s.bg, s.flushDownloads, s.tickBilling)
	return nil
}

// newEvents starts the release event bus (LISTEN/NOTIFY on PostgreSQL, so
// every instance hears every commit; in-process on SQLite) and the hub that
// feeds subscriptions, and returns the after-commit hook that wakes them.
func (s *Server) newEvents() (events.Bus, *events.Hub, func(context.Context)) {
	opts := events.Options{Logger: s.Log}
	var bus events.Bus
	if s.DB.Dialect == dialect.Postgres {
		bus = events.NewPGBus(s.DB.URL, s.DB.SQL, s.Log)
	} else {
		// No bus crosses processes on SQLite: another process writing the
		// same file (`depot admin`, a second server) is noticed by polling
		// the log, one indexed query a second.
		bus = events.NewLocalBus()
		opts.PollEvery = time.Second
	}
	log := events.Log{DB: s.DB.Client}
	hub := events.NewHub(log, bus, opts)
	notify := func(ctx context.Context) {
		head, err := log.Head(ctx)
		if err == nil {
			err = bus.Notify(ctx, head)
		}
		if err != nil {
			// Subscribers still catch up on the hub's next poll.
			s.Log.WarnContext(ctx, "notify release event bus", "err", err)
		}
	}
	return bus, hub, notify
}

// newProcessor is the payment processor: Stripe when configured, else the
// in-process one.
func (s *Server) newProcessor() (billing.Processor, error) {
	if s.Config.StripeKey == "" {
		return inprocess.New(), nil
	}
	sp, err := stripeproc.New(stripeproc.Config{Key: s.Config.StripeKey, URL: s.Config.StripeURL, Prices: billing.DefaultPrices(), Clock: clockFunc(s.now)})
	if err != nil {
		return nil, fmt.Errorf("stripe: %w", err)
	}
	return sp, nil
}

// newBilling is the billing service over proc; onLapse is told when an
// organization loses its private access.
func (s *Server) newBilling(proc billing.Processor, onLapse func(ctx context.Context, orgID int)) *service.Service {
	return &service.Service{
		DB: s.DB.Client, Processor: proc, Clock: clockFunc(s.now),
		Prices: billing.DefaultPrices(), Seller: billing.DefaultSeller(),
		OnLapse: onLapse,
	}
}

// newAccounts is the account service. Which organizations have private
// access is billing's answer (read as the system: the viewer being built
// cannot read subscriptions yet); onRevoke is told of revoked keys.
func (s *Server) newAccounts(secret []byte, checker breach.Checker, hash account.HashParams, bill *service.Service, onRevoke func(ctx context.Context, userID int)) *account.Service {
	return &account.Service{
		DB: s.DB.Client, Breach: checker, Secret: secret, Now: s.now, Hash: hash,
		BaseURL: s.Config.PublicURL, Limiter: newRateLimiter(0.2, 10), Log: s.Log,
		// Five reset mails per address and per client, then one each 10 minutes.
		ResetLimiter: newRateLimiter(1.0/600, 5),
		Entitled: func(ctx context.Context, ids []int) (map[int]bool, error) {
			return bill.Entitled(viewer.System(ctx), ids)
		},
		OnRevoke: onRevoke,
	}
}

// newWebhook is the Stripe webhook front, or a 404 naming the setting when
// no webhook secret is configured.
func (s *Server) newWebhook() http.Handler {
	if s.Config.StripeWebhookKey != "" {
		return webhook.NewStripeHandler(s.Billing, s.Config.StripeWebhookKey, clockFunc(s.now), s.Log)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Stripe webhooks are not configured (DEPOT_STRIPE_WEBHOOK_SECRET)", http.StatusNotFound)
	})
}

// flushDownloads writes the counted downloads every 5 seconds (background).
func (s *Server) flushDownloads(ctx context.Context) {
	if err := s.Registry.RunDownloadFlusher(ctx, 5*time.Second); err != nil && ctx.Err() == nil {
		s.Log.Error("download counter", "err", err)
	}
}

// tickBilling runs billing's periodic work (renewals, dunning) every minute
// (background).
func (s *Server) tickBilling(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if err := s.Billing.Tick(viewer.System(ctx)); err != nil && ctx.Err() == nil {
			s.Log.Error("billing tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// afterCommit runs after every committed registry change.
func (s *Server) afterCommit(ctx context.Context) {
	if s.OnCommit != nil {
		s.OnCommit(ctx)
	}
}
