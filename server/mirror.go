package server

import (
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/mirror"
)

// wireMirror builds the mirror of the configured upstreams (nil when none),
// hooks its dependency-confusion check into publishing and counts its
// cache outcomes in /metrics.
func (s *Server) wireMirror() (*mirror.Service, error) {
	if len(s.Config.Upstreams) == 0 {
		return nil, nil
	}
	m := &mirror.Service{
		Dir:        filepath.Join(s.Config.DataDir, "mirror"),
		MaxAge:     s.Config.MirrorMaxAge,
		AllowLocal: map[string]bool{},
		HTTP:       &http.Client{Timeout: min(s.Config.RequestTimeout, 30*time.Second)},
		Now:        s.now,
		Log:        s.Log,
	}
	for _, n := range s.Config.MirrorAllowLocal {
		m.AllowLocal[n] = true
	}
	for _, u := range s.Config.Upstreams {
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
	s.Mirror = m
	s.Registry.NameGuard = m.Guard
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
