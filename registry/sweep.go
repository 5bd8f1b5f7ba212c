package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/ent/mirroredtarball"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/viewer"
)

// Sweep is what one SweepOrphans run removed.
type Sweep struct {
	// Orphans are stored blobs (package or docs tarballs) that no release
	// and no mirrored tarball references: a publish whose process died
	// between storing the tarball and committing, or a failed delete.
	Orphans int
	// Temps are partial uploads the blob store staged for a Put that never
	// finished (the process was killed mid-upload).
	Temps int
}

// sweepBatch is how many listed blobs one reference query checks.
const sweepBatch = 200

// SweepOrphans removes the blob store's leftovers of crashed or failed
// publishes that are older than olderThan: partial uploads, when the store
// stages them (blob.TempSweeper), and blobs no release references as its
// tarball or docs and the mirror has not cached as an upstream's tarball
// (ent.MirroredTarball), when the store can list and delete by age
// (blob.Collector). A store that can do neither is left alone.
//
// A publish stores its tarball before the transaction that references it
// commits, so the sweep must never take a just-stored blob for an orphan.
// Three things see to it: olderThan must exceed the longest publish
// (callers bound it by the request timeout); the reference is checked
// again right before deleting, together with the uploads in flight in this
// process; and the delete itself is conditional on the blob's age in the
// store, where a Put of the same content refreshes it — which covers
// another process sharing the store publishing identical bytes.
//
// Ages are measured with the service's clock against the store's times, so
// in production both are the wall clock.
func (s *Service) SweepOrphans(ctx context.Context, olderThan time.Duration) (Sweep, error) {
	var out Sweep
	if olderThan <= 0 {
		return out, errors.New("sweep orphans: the age threshold must be positive")
	}
	cutoff := s.now().Add(-olderThan)
	ctx = viewer.System(ctx)
	var errs []error
	if ts, ok := s.Blobs.(blob.TempSweeper); ok {
		n, err := ts.SweepTemps(ctx, cutoff)
		out.Temps = n
		if err != nil {
			errs = append(errs, err)
		}
	}
	if c, ok := s.Blobs.(blob.Collector); ok {
		n, err := s.sweepBlobs(ctx, c, cutoff)
		out.Orphans = n
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return out, fmt.Errorf("sweep orphans: %w", err)
	}
	return out, nil
}

func (s *Service) sweepBlobs(ctx context.Context, c blob.Collector, cutoff time.Time) (int, error) {
	removed := 0
	batch := make([]string, 0, sweepBatch)
	flush := func() error {
		n, err := s.sweepCandidates(ctx, c, batch, cutoff)
		removed += n
		batch = batch[:0]
		return err
	}
	for ref, err := range c.List(ctx) {
		if err != nil {
			return removed, err
		}
		if ref.ModTime.IsZero() || !ref.ModTime.Before(cutoff) {
			continue // young, or of unknown age: maybe a publish in progress
		}
		if batch = append(batch, ref.Key); len(batch) == sweepBatch {
			if err := flush(); err != nil {
				return removed, err
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// sweepCandidates deletes the keys, all older than cutoff when listed,
// that no release references.
func (s *Service) sweepCandidates(ctx context.Context, c blob.Collector, keys []string, cutoff time.Time) (int, error) {
	used, err := s.blobsInUse(ctx, keys)
	if err != nil {
		return 0, fmt.Errorf("find references: %w", err)
	}
	removed := 0
	for _, key := range keys {
		if used[key] {
			continue
		}
		ok, err := s.orphaned(ctx, key)
		if err != nil {
			return removed, err
		}
		if !ok {
			continue
		}
		deleted, err := c.DeleteOlder(ctx, key, cutoff)
		if err != nil {
			return removed, err
		}
		if deleted {
			removed++
		}
	}
	return removed, nil
}

// orphaned checks once more, right before the delete, that neither an
// upload in flight here nor a release or mirrored tarball committed since
// the batch query uses key.
func (s *Service) orphaned(ctx context.Context, key string) (bool, error) {
	if s.held(key) {
		return false, nil
	}
	used, err := s.blobsInUse(ctx, []string{key})
	if err != nil {
		return false, fmt.Errorf("check references of %s: %w", key, err)
	}
	return !used[key], nil
}

// blobsInUse returns which of keys a row references: a release as its
// tarball or docs, or the mirror as an upstream tarball it cached (the
// blob store is content addressed, so the same key may be both).
func (s *Service) blobsInUse(ctx context.Context, keys []string) (map[string]bool, error) {
	rows, err := s.DB.Release.Query().
		Where(release.Or(release.BlobKeyIn(keys...), release.DocsBlobKeyIn(keys...))).
		Select(release.FieldBlobKey, release.FieldDocsBlobKey).
		All(ctx)
	if err != nil {
		return nil, err
	}
	used := make(map[string]bool, len(rows))
	for _, r := range rows {
		used[r.BlobKey] = true
		if r.DocsBlobKey != nil {
			used[*r.DocsBlobKey] = true
		}
	}
	mirrored, err := s.DB.MirroredTarball.Query().
		Where(mirroredtarball.BlobKeyIn(keys...)).
		Select(mirroredtarball.FieldBlobKey).
		Strings(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range mirrored {
		used[k] = true
	}
	return used, nil
}

// RunSweeper runs SweepOrphans now and then every interval until ctx ends,
// handing each outcome to report (counters, logs). The first run at start
// catches what a killed process left behind.
func (s *Service) RunSweeper(ctx context.Context, interval, olderThan time.Duration, report func(Sweep, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := s.SweepOrphans(ctx, olderThan)
		if ctx.Err() != nil {
			report(res, nil) // stopped by shutdown; what it removed still counts
			return
		}
		report(res, err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
