package registry

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/downloadday"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// dayKey is one release's downloads on one UTC day, as counted in memory.
type dayKey struct {
	release int
	day     string // YYYY-MM-DD
}

// dayLayout is how days are written in download_days and in the API.
const dayLayout = "2006-01-02"

// CountDownload records one download of a release, on today's UTC day by
// the service's clock. It only bumps an in-memory counter, so a tarball
// response never waits on the database; RunDownloadFlusher writes the
// counts out every few seconds. Counts of a crash since the last flush are
// lost, which download statistics tolerate.
func (s *Service) CountDownload(releaseID int) {
	k := dayKey{releaseID, s.now().Format(dayLayout)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.downloads == nil {
		s.downloads = map[dayKey]int64{}
	}
	s.downloads[k]++
}

// flushChunk bounds the rows of one upsert statement (SQLite allows 32766
// bound values; a row has five).
const flushChunk = 500

// FlushDownloads writes the pending counts in one transaction: per
// (release, day) an upserted download_days row, per release and per
// package one UPDATE of the total, so every total stays the sum of its
// days. On failure the counts are kept for the next flush.
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
		return flush(sys, tx, pending)
	})
	if err != nil {
		s.mu.Lock()
		if s.downloads == nil {
			s.downloads = map[dayKey]int64{}
		}
		for k, n := range pending {
			s.downloads[k] += n
		}
		s.mu.Unlock()
	}
	return err
}

func flush(ctx context.Context, tx *ent.Tx, pending map[dayKey]int64) error {
	ids := make([]int, 0, len(pending))
	seen := map[int]bool{}
	for k := range pending {
		if !seen[k.release] {
			seen[k.release] = true
			ids = append(ids, k.release)
		}
	}
	slices.Sort(ids)
	// A release reverted since its download is not found and its counts
	// are dropped, which is right: its counts went with it.
	rels, err := tx.Release.Query().Where(release.IDIn(ids...)).
		Select(release.FieldID, release.FieldPackageID, release.FieldPrivateOrgID).All(ctx)
	if err != nil {
		return fmt.Errorf("load counted releases: %w", err)
	}
	byID := make(map[int]*ent.Release, len(rels))
	for _, r := range rels {
		byID[r.ID] = r
	}
	keys := make([]dayKey, 0, len(pending))
	for k := range pending {
		if byID[k.release] != nil {
			keys = append(keys, k)
		}
	}
	// A stable order keeps concurrent flushes of several instances from
	// locking the same rows in different orders.
	slices.SortFunc(keys, func(a, b dayKey) int {
		return cmp.Or(cmp.Compare(a.release, b.release), strings.Compare(a.day, b.day))
	})
	perRelease := map[int]int64{}
	perPackage := map[int]int64{}
	for chunk := range slices.Chunk(keys, flushChunk) {
		builders := make([]*ent.DownloadDayCreate, len(chunk))
		for i, k := range chunk {
			r, n := byID[k.release], pending[k]
			perRelease[r.ID] += n
			perPackage[r.PackageID] += n
			builders[i] = tx.DownloadDay.Create().SetReleaseID(r.ID).SetPackageID(r.PackageID).
				SetDay(k.day).SetDownloads(n).SetNillablePrivateOrgID(r.PrivateOrgID)
		}
		err := tx.DownloadDay.CreateBulk(builders...).
			OnConflict(sql.ConflictColumns(downloadday.FieldReleaseID, downloadday.FieldDay), sql.ResolveWith(addExcluded)).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("count downloads per day: %w", err)
		}
	}
	// Totals: one UPDATE per chunk of ids, each row adding its own count
	// (downloads = downloads + CASE id WHEN ... END), in id order.
	for chunk := range slices.Chunk(slices.Sorted(maps.Keys(perRelease)), flushChunk) {
		err := tx.Release.Update().Where(release.IDIn(chunk...)).
			Modify(keepUpdatedAt, addEach(release.FieldID, release.FieldDownloads, chunk, perRelease)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("count downloads of releases: %w", err)
		}
	}
	for chunk := range slices.Chunk(slices.Sorted(maps.Keys(perPackage)), flushChunk) {
		err := tx.Pkg.Update().Where(pkg.IDIn(chunk...)).
			Modify(keepUpdatedAt, addEach(pkg.FieldID, pkg.FieldDownloads, chunk, perPackage)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("count downloads of packages: %w", err)
		}
	}
	return nil
}

// addEach sets col = col + CASE idCol WHEN id THEN n ... END for ids.
func addEach(idCol, col string, ids []int, n map[int]int64) func(*sql.UpdateBuilder) {
	return func(u *sql.UpdateBuilder) {
		u.Set(col, sql.ExprFunc(func(b *sql.Builder) {
			b.Ident(col).WriteString(" + CASE ").Ident(idCol)
			for _, id := range ids {
				b.WriteString(" WHEN ").Arg(id).WriteString(" THEN ").Arg(n[id])
			}
			b.WriteString(" ELSE 0 END")
		}))
	}
}

// addExcluded makes an upsert add the new count to the stored one
// (downloads = download_days.downloads + excluded.downloads), in the same
// words on PostgreSQL and SQLite.
func addExcluded(u *sql.UpdateSet) {
	stored := u.Table().C(downloadday.FieldDownloads)
	u.Set(downloadday.FieldDownloads, sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString(stored).WriteString(" + ").Ident("excluded").WriteByte('.').Ident(downloadday.FieldDownloads)
	}))
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
