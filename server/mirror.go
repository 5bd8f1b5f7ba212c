package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/mirror"
	"github.com/depot-registry/depot/store"
)

// wireMirror builds the mirror of the configured upstreams (nil when none)
// and counts its cache outcomes in /metrics; the registry takes its
// dependency-confusion check (NameGuard) when it is built.
func (s *Server) wireMirror() (*mirror.Service, error) {
	if len(s.Config.Upstreams) == 0 {
		return nil, nil
	}
	m, err := newMirror(s.Config, s.DB.Client, s.Blobs, s.now, s.Log)
	if err != nil {
		return nil, err
	}
	s.Mirror = m
	counter := func(name, help string, v func() int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v()) })
	}
	s.metrics.reg.MustRegister(
		counter("depot_mirror_hits_total", "Mirrored packages and tarballs answered from the cache.", m.Stats.Hits.Load),
		counter("depot_mirror_misses_total", "Mirrored packages and tarballs fetched from an upstream.", m.Stats.Misses.Load),
		counter("depot_mirror_revalidations_total", "Cached mirrored packages revalidated upstream with a 304.", m.Stats.Revalidations.Load),
		counter("depot_mirror_upstream_errors_total", "Upstream answers refused or failed (down, bad signature, wrong repository, bad checksum).", m.Stats.UpstreamErrors.Load),
	)
	return m, nil
}

// newMirror builds the mirror of cfg's upstreams, caching into the
// database and blob store every instance shares.
func newMirror(cfg Config, db *ent.Client, blobs blob.Store, now func() time.Time, log *slog.Logger) (*mirror.Service, error) {
	m := &mirror.Service{
		DB:         db,
		Blobs:      blobs,
		MaxAge:     cfg.MirrorMaxAge,
		AllowLocal: map[string]bool{},
		HTTP:       &http.Client{Timeout: min(cfg.RequestTimeout, 30*time.Second)},
		Now:        now,
		Log:        log,
	}
	for _, n := range cfg.MirrorAllowLocal {
		m.AllowLocal[n] = true
	}
	for _, u := range cfg.Upstreams {
		key, err := hexrepo.DecodePublicKeyPEM(u.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("upstream %s: %w", u.Name, err)
		}
		up := mirror.Upstream{Name: u.Name, URL: u.URL, Key: key}
		if len(u.Allow) > 0 {
			up.Allow = map[string]bool{}
			for _, n := range u.Allow {
				up.Allow[n] = true
			}
		}
		m.Upstreams = append(m.Upstreams, up)
	}
	return m, nil
}

// adminMirror runs `depot admin mirror sync [NAMES]`: pre-fetches the
// named packages (default: every upstream's allow-list) and all their
// tarballs into the mirror cache, as `depot serve` would on demand.
func adminMirror(ctx context.Context, args []string) error {
	const usage = "usage: depot admin mirror sync [NAMES...] (upstreams from DEPOT_UPSTREAMS)"
	if len(args) == 0 || args[0] != "sync" {
		return errors.New(usage)
	}
	cfg, err := config.Parse(nil)
	if err != nil {
		return err
	}
	if len(cfg.Upstreams) == 0 {
		return errors.New("no upstream is configured (DEPOT_UPSTREAMS)")
	}
	// The cache is the server's own (database and blob store), so what
	// sync fetches every instance serves at once.
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	// Migrated here too: sync may run before a server of this version has
	// created the mirror's tables.
	if err := db.Migrate(ctx, cfg.PublicRepository); err != nil {
		return err
	}
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	m, err := newMirror(cfg, db.Client, blobs, time.Now, cfg.Logger())
	if err != nil {
		return err
	}
	res, err := m.Sync(ctx, args[1:])
	if err != nil {
		return err
	}
	for _, f := range res.Failed {
		fmt.Printf("failed  %s\n", f)
	}
	fmt.Printf("mirrored %d packages and %d tarballs, %d not upstream, %d failed\n", res.Packages, res.Tarballs, res.NotFound, len(res.Failed))
	if len(res.Failed) > 0 {
		return fmt.Errorf("%d packages or tarballs could not be mirrored", len(res.Failed))
	}
	return nil
}
