package registry

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// CountDownload records one download of a release. It only bumps an
// in-memory counter, so a tarball response never waits on the database;
// RunDownloadFlusher writes the counts out every few seconds. Counts of a
// crash since the last flush are lost, which download statistics tolerate.
func (s *Service) CountDownload(releaseID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.downloads == nil {
		s.downloads = map[int]int64{}
	}
	s.downloads[releaseID]++
}

// FlushDownloads writes the pending counts: per release one UPDATE of the
// release and one of its package, all in one transaction. On failure the
// counts are kept for the next flush.
func (s *Service) FlushDownloads(ctx context.Context) error {
	s.mu.Lock()
	pending := s.downloads
	s.downloads = nil
	s.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	// Counters: they must not empty every read cache at each flush (cached
	// answers show counts up to the cache's max age late).
	sys := store.CounterWrites(viewer.System(ctx))
	err := store.WithTx(sys, s.DB, func(tx *ent.Tx) error {
		for id, n := range pending {
			// A release reverted since its download updates no row, which
			// is right: its counts went with it.
			if _, err := tx.Release.Update().Where(release.ID(id)).AddDownloads(n).Modify(keepUpdatedAt).Save(sys); err != nil {
				return fmt.Errorf("count downloads of release %d: %w", id, err)
			}
			if _, err := tx.Pkg.Update().Where(pkg.HasReleasesWith(release.ID(id))).AddDownloads(n).Modify(keepUpdatedAt).Save(sys); err != nil {
				return fmt.Errorf("count downloads of the package of release %d: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		s.mu.Lock()
		if s.downloads == nil {
			s.downloads = map[int]int64{}
		}
		for id, n := range pending {
			s.downloads[id] += n
		}
		s.mu.Unlock()
	}
	return err
}

// keepUpdatedAt undoes Ent's automatic updated_at bump: a download is not
// a change of the package, and "recently updated" lists must not fill up
// with popular packages.
func keepUpdatedAt(u *sql.UpdateBuilder) {
	u.Set("updated_at", sql.Expr("updated_at"))
}

// RunDownloadFlusher flushes download counts every interval until ctx is
// done, then once more so a graceful shutdown loses nothing. It returns the
// last flush's error.
func (s *Service) RunDownloadFlusher(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			return s.FlushDownloads(final)
		case <-t.C:
			// A failed flush keeps its counts for the next tick.
			_ = s.FlushDownloads(ctx)
		}
	}
}
