package server

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/depot-registry/depot/registry"
)

// wireSweep registers the blob sweep's counters and, unless the interval is
// 0, runs the sweep in the background: once at start (leftovers of a killed
// process) and then every DEPOT_BLOB_SWEEP_INTERVAL until shutdown.
func (s *Server) wireSweep() {
	orphans := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "depot_orphan_blobs_removed_total", Help: "Stored blobs no release referenced (crashed or failed publishes), removed by the blob sweep.",
	})
	temps := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "depot_blob_temp_removed_total", Help: "Partial uploads left in the blob store's temp folder, removed by the blob sweep.",
	})
	runs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "depot_blob_sweeps_total", Help: "Blob sweep runs by outcome.",
	}, []string{"outcome"})
	runs.WithLabelValues("ok")
	runs.WithLabelValues("error")
	s.metrics.reg.MustRegister(orphans, temps, runs)
	if s.Config.BlobSweepEvery <= 0 {
		return
	}
	every, age := s.Config.BlobSweepEvery, s.Config.BlobSweepAge
	s.bg = append(s.bg, func(ctx context.Context) {
		s.Registry.RunSweeper(ctx, every, age, func(res registry.Sweep, err error) {
			orphans.Add(float64(res.Orphans))
			temps.Add(float64(res.Temps))
			if res.Orphans > 0 || res.Temps > 0 {
				s.Log.Info("blob sweep removed leftovers", "orphan_blobs", res.Orphans, "partial_uploads", res.Temps)
			}
			if err != nil {
				runs.WithLabelValues("error").Inc()
				s.Log.Error("blob sweep", "err", err)
				return
			}
			runs.WithLabelValues("ok").Inc()
		})
	})
}
