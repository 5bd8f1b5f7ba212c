package server

import (
	"cmp"
	"context"

	"entgo.io/ent/dialect"
	"fmt"
	"net/http"
	"time"

	"github.com/depot-registry/depot/billing"
	"github.com/depot-registry/depot/billing/inprocess"
	"github.com/depot-registry/depot/billing/service"
	stripeproc "github.com/depot-registry/depot/billing/stripe"
	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/docsweb"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/hexapi"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/repo"
	"github.com/depot-registry/depot/trust"
	"github.com/depot-registry/depot/viewer"
	"github.com/depot-registry/depot/webhook"
)

// clockFunc adapts the server's clock to billing.Clock.
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f().UTC() }

// wireDomain builds the registry, the Hex repository front and billing.
func (s *Server) wireDomain() error {
	s.wireEvents()
	s.Registry = &registry.Service{
		DB: s.DB.Client, Blobs: s.Blobs, Now: s.now, PublicRepository: s.Config.PublicRepository,
		AfterCommit: s.afterCommit, TrustAllowHTTP: s.Config.OIDCAllowHTTP,
	}
	s.Resolver.Registry = s.Registry
	s.Resolver.Trust = &trust.Service{DB: s.DB.Client, Accounts: s.Accounts, Now: s.now,
		Verifier: &trust.Verifier{Audience: cmp.Or(s.Config.OIDCAudience, s.Config.PublicURL), Now: s.now}}
	s.bg = append(s.bg, func(ctx context.Context) {
		if err := s.Registry.RunDownloadFlusher(ctx, 5*time.Second); err != nil && ctx.Err() == nil {
			s.Log.Error("download counter", "err", err)
		}
	})

	keys, err := repo.LoadKeys(s.Config.DataDir, s.Config.RepoKeyFile)
	if err != nil {
		return fmt.Errorf("repository signing key: %w", err)
	}
	s.RepoKeys = keys
	m, err := s.wireMirror()
	if err != nil {
		return err
	}
	s.tarballs = repo.TarballHandler(s.Registry, s.Blobs, repo.RedirectFor(s.Config.BlobRedirect), repo.TarballMirror(m))
	s.repo = repo.NewHandler(s.Registry, keys, s.tarballs, repo.WithMirror(m))
	s.Docs = &docshost.Service{DB: s.DB.Client, Blobs: s.Blobs, Registry: s.Registry, Now: s.now, AfterCommit: s.afterCommit}
	s.Resolver.Docs = s.Docs
	s.docs = docsweb.NewHandler(s.Docs)
	s.hexAPI = hexapi.New(&hexapi.Handler{
		Registry: s.Registry, Docs: s.Docs, Accounts: s.Accounts, Orgs: s.Orgs, Trust: s.Resolver.Trust,
		PublicURL: s.Config.PublicURL, Log: s.Log,
	})

	var proc billing.Processor = inprocess.New()
	if s.Config.StripeKey != "" {
		sp, err := stripeproc.New(stripeproc.Config{Key: s.Config.StripeKey, URL: s.Config.StripeURL, Prices: billing.DefaultPrices(), Clock: clockFunc(s.now)})
		if err != nil {
			return fmt.Errorf("stripe: %w", err)
		}
		proc = sp
	}
	s.Processor = proc
	s.Billing = &service.Service{
		DB: s.DB.Client, Processor: proc, Clock: clockFunc(s.now),
		Prices: billing.DefaultPrices(), Seller: billing.DefaultSeller(),
	}
	s.Resolver.BillingService = s.Billing
	s.wireRevocations()
	s.Accounts.Entitled = func(ctx context.Context, ids []int) (map[int]bool, error) {
		return s.Billing.Entitled(viewer.System(ctx), ids)
	}
	s.bg = append(s.bg, func(ctx context.Context) {
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
	})
	if s.Config.StripeWebhookKey != "" {
		s.webhook = webhook.NewStripeHandler(s.Billing, s.Config.StripeWebhookKey, clockFunc(s.now), s.Log)
	} else {
		s.webhook = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Stripe webhooks are not configured (DEPOT_STRIPE_WEBHOOK_SECRET)", http.StatusNotFound)
		})
	}
	return nil
}

// afterCommit runs after every committed registry change.
func (s *Server) afterCommit(ctx context.Context) {
	if s.OnCommit != nil {
		s.OnCommit(ctx)
	}
}

// wireEvents starts the release event bus (LISTEN/NOTIFY on PostgreSQL, so
// every instance hears every commit; in-process on SQLite) and the hub that
// feeds subscriptions.
func (s *Server) wireEvents() {
	opts := events.Options{Logger: s.Log}
	if s.DB.Dialect == dialect.Postgres {
		s.Bus = events.NewPGBus(s.DB.URL, s.DB.SQL, s.Log)
	} else {
		// No bus crosses processes on SQLite: another process writing the
		// same file (`depot admin`, a second server) is noticed by polling
		// the log, one indexed query a second.
		s.Bus = events.NewLocalBus()
		opts.PollEvery = time.Second
	}
	s.Hub = events.NewHub(events.Log{DB: s.DB.Client}, s.Bus, opts)
	s.Resolver.Hub = s.Hub
	s.Resolver.OnSubscribe = func(delta int) { s.metrics.subscriptions.Add(float64(delta)) }
	log := events.Log{DB: s.DB.Client}
	s.OnCommit = func(ctx context.Context) {
		head, err := log.Head(ctx)
		if err == nil {
			err = s.Bus.Notify(ctx, head)
		}
		if err != nil {
			// Subscribers still catch up on the hub's next poll.
			s.Log.WarnContext(ctx, "notify release event bus", "err", err)
		}
	}
}
