package registry_test

import (
	"bytes"
	"context"
	"iter"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/local"
	"github.com/depot-registry/depot/blob/memory"
	"github.com/depot-registry/depot/registry"
)

// sweepFixture is a fixture whose blob store stamps blobs with the test
// clock, so ages are exact.
func sweepFixture(t *testing.T) *fixture {
	t.Helper()
	fx := newFixture(t)
	fx.blobs = memory.NewWithClock(fx.clock.Now)
	fx.svc.Blobs = fx.blobs
	return fx
}

func (fx *fixture) putBlob(content []byte) string {
	fx.t.Helper()
	ref, err := fx.svc.Blobs.Put(context.Background(), bytes.NewReader(content))
	if err != nil {
		fx.t.Fatal(err)
	}
	return ref.Key
}

func (fx *fixture) blobExists(key string) bool {
	fx.t.Helper()
	ok, err := fx.svc.Blobs.Exists(context.Background(), key)
	if err != nil {
		fx.t.Fatal(err)
	}
	return ok
}

// mirrorBlob stores content as the mirror caches an upstream tarball: the
// blob and the row that records it.
func (fx *fixture) mirrorBlob(name, version string, content []byte) string {
	fx.t.Helper()
	key := fx.putBlob(content)
	err := fx.db.MirroredTarball.Create().
		SetUpstream("hexpm").SetName(name).SetVersion(version).SetBlobKey(key).SetSize(int64(len(content))).
		Exec(fx.sys())
	if err != nil {
		fx.t.Fatal(err)
	}
	return key
}

// A revert deletes the release's blob unless the mirror has cached the
// same bytes from an upstream: identical content shares one blob.
func TestRevertKeepsMirroredBlob(t *testing.T) {
	fx := newFixture(t)
	alice := fx.user("alice")
	spec := pkgSpec{name: "twin", version: "1.0.0"}
	rel := fx.publish(as(alice), "", spec)
	if key := fx.mirrorBlob("twin", "1.0.0", tarball(t, spec)); key != rel.BlobKey {
		t.Fatalf("the mirrored copy has key %s, the release %s: not the same bytes", key, rel.BlobKey)
	}
	if _, _, err := fx.svc.Revert(as(alice), "", "twin", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if !fx.blobExists(rel.BlobKey) {
		t.Error("the revert deleted a blob the mirror still references")
	}
}

// An unreferenced blob older than the threshold goes; a younger one (maybe a
// publish about to commit) and blobs a release uses as tarball or docs stay.
func TestSweepOrphans(t *testing.T) {
	fx := sweepFixture(t)
	alice := fx.user("alice")
	kept := fx.publish(as(alice), "", pkgSpec{name: "kept", version: "1.0.0"})
	docs := fx.putBlob([]byte("docs of kept 1.0.0"))
	if err := fx.db.Release.UpdateOne(kept).SetDocsBlobKey(docs).Exec(fx.sys()); err != nil {
		t.Fatal(err)
	}
	old := fx.putBlob(tarball(t, pkgSpec{name: "crashed", version: "1.0.0"}))
	mirrored := fx.mirrorBlob("up_lib", "1.0.0", tarball(t, pkgSpec{name: "up_lib", version: "1.0.0"}))
	fx.clock.set(90 * time.Minute)
	young := fx.putBlob(tarball(t, pkgSpec{name: "inflight", version: "1.0.0"}))
	fx.clock.set(2 * time.Hour)

	got, err := fx.svc.SweepOrphans(context.Background(), time.Hour)
	if err != nil {
		t.Fatalf("SweepOrphans: %v", err)
	}
	if want := (registry.Sweep{Orphans: 1}); got != want {
		t.Fatalf("SweepOrphans = %+v, want %+v", got, want)
	}
	tests := []struct {
		name string
		key  string
		want bool
	}{
		{"old orphan", old, false},
		{"young orphan", young, true},
		{"referenced tarball", kept.BlobKey, true},
		{"referenced docs", docs, true},
		{"mirrored tarball", mirrored, true},
	}
	for _, tt := range tests {
		if got := fx.blobExists(tt.key); got != tt.want {
			t.Errorf("%s exists = %v, want %v", tt.name, got, tt.want)
		}
	}
	if again, err := fx.svc.SweepOrphans(context.Background(), time.Hour); err != nil || again != (registry.Sweep{}) {
		t.Fatalf("second SweepOrphans = %+v, %v, want nothing removed", again, err)
	}
	if _, err := fx.svc.SweepOrphans(context.Background(), 0); err == nil {
		t.Fatal("SweepOrphans with a zero threshold succeeded, want an error")
	}
}

// hookedStore runs a function at one point of a sweep, standing in for a
// publish that runs concurrently and reaches its commit exactly there.
type hookedStore struct {
	*memory.Store
	afterList    func()
	beforeDelete func()
}

func (h *hookedStore) List(ctx context.Context) iter.Seq2[blob.Ref, error] {
	return func(yield func(blob.Ref, error) bool) {
		var refs []blob.Ref
		for ref, err := range h.Store.List(ctx) {
			if err != nil {
				yield(ref, err)
				return
			}
			refs = append(refs, ref)
		}
		if f := h.afterList; f != nil {
			h.afterList = nil
			f()
		}
		for _, ref := range refs {
			if !yield(ref, nil) {
				return
			}
		}
	}
}

func (h *hookedStore) DeleteOlder(ctx context.Context, key string, cutoff time.Time) (bool, error) {
	if f := h.beforeDelete; f != nil {
		h.beforeDelete = nil
		f()
	}
	return h.Store.DeleteOlder(ctx, key, cutoff)
}

// A publish of the same bytes as an old orphan (a retry after a crash)
// that commits while the sweep runs keeps its tarball, whether it commits
// after the listing (the reference check sees it) or right before the
// delete (the store refuses: the upload made the blob young again).
func TestSweepKeepsTarballOfConcurrentPublish(t *testing.T) {
	tests := []struct {
		name string
		at   func(h *hookedStore, publish func())
	}{
		{"commits after the listing", func(h *hookedStore, publish func()) { h.afterList = publish }},
		{"commits right before the delete", func(h *hookedStore, publish func()) { h.beforeDelete = publish }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			h := &hookedStore{Store: memory.NewWithClock(fx.clock.Now)}
			fx.blobs, fx.svc.Blobs = h.Store, h
			alice := fx.user("alice")
			spec := pkgSpec{name: "retried", version: "1.0.0"}
			key := fx.putBlob(tarball(t, spec)) // the crashed first attempt
			fx.clock.set(2 * time.Hour)
			published := false
			tt.at(h, func() {
				fx.publish(as(alice), "", spec)
				published = true
			})

			got, err := fx.svc.SweepOrphans(context.Background(), time.Hour)
			if err != nil {
				t.Fatalf("SweepOrphans: %v", err)
			}
			if !published {
				t.Fatal("the sweep never reached the point where the publish commits")
			}
			if got.Orphans != 0 {
				t.Errorf("SweepOrphans removed %d blobs, want 0", got.Orphans)
			}
			rel, err := fx.svc.Release(fx.sys(), "", "retried", "1.0.0")
			if err != nil {
				t.Fatal(err)
			}
			if rel.BlobKey != key || !fx.blobExists(key) {
				t.Fatalf("release tarball %s exists = %v, want the published tarball %s kept", rel.BlobKey, fx.blobExists(rel.BlobKey), key)
			}
		})
	}
}

// On disk the sweep also removes partial uploads a killed process left in
// the store's temp folder, and only old ones.
func TestSweepOrphansOnDisk(t *testing.T) {
	fx := newFixture(t)
	dir := t.TempDir()
	store, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	fx.svc.Blobs = store
	now := time.Now()
	fx.clock.mu.Lock()
	fx.clock.now = now
	fx.clock.mu.Unlock()
	alice := fx.user("alice")
	kept := fx.publish(as(alice), "", pkgSpec{name: "kept", version: "1.0.0"})
	orphan := fx.putBlob(tarball(t, pkgSpec{name: "crashed", version: "1.0.0"}))
	tmp := filepath.Join(dir, ".tmp")
	staleTemp, freshTemp := filepath.Join(tmp, "put-killed"), filepath.Join(tmp, "put-running")
	for _, p := range []string{staleTemp, freshTemp} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := now.Add(-2 * time.Hour)
	for _, p := range []string{staleTemp, blobPath(dir, kept.BlobKey), blobPath(dir, orphan)} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}

	got, err := fx.svc.SweepOrphans(context.Background(), time.Hour)
	if err != nil {
		t.Fatalf("SweepOrphans: %v", err)
	}
	if want := (registry.Sweep{Orphans: 1, Temps: 1}); got != want {
		t.Fatalf("SweepOrphans = %+v, want %+v", got, want)
	}
	tests := []struct {
		name string
		path string
		want bool
	}{
		{"old orphan", blobPath(dir, orphan), false},
		{"referenced tarball", blobPath(dir, kept.BlobKey), true},
		{"stale temp", staleTemp, false},
		{"fresh temp", freshTemp, true},
	}
	for _, tt := range tests {
		_, err := os.Stat(tt.path)
		if got := err == nil; got != tt.want {
			t.Errorf("%s exists = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func blobPath(dir, key string) string { return filepath.Join(dir, key[:2], key[2:4], key) }
