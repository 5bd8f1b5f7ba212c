package registry_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/depot-registry/depot/blob/s3/s3test"
	"github.com/depot-registry/depot/registry"
)

// On object storage the sweep removes unreferenced blobs (keeping those
// releases and the mirror's cached tarballs reference), staged objects of
// killed uploads and their incomplete multipart uploads once they are old,
// and nothing while they are young. The store stamps objects with the S3
// server's clock, so the test moves the service's clock instead.
func TestSweepOrphansOnS3(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	const prefix = "depot/"
	fx := newFixture(t)
	fx.svc.Blobs = srv.Store(t, bucket, prefix)
	now := time.Now()
	setClock := func(at time.Time) {
		fx.clock.mu.Lock()
		fx.clock.now = at
		fx.clock.mu.Unlock()
	}
	setClock(now)
	alice := fx.user("alice")
	kept := fx.publish(as(alice), "", pkgSpec{name: "kept", version: "1.0.0"})
	orphan := fx.putBlob(tarball(t, pkgSpec{name: "crashed", version: "1.0.0"}))
	mirrored := fx.mirrorBlob("up_lib", "1.0.0", tarball(t, pkgSpec{name: "up_lib", version: "1.0.0"}))

	// What a process killed in the middle of a Put leaves: a staged object,
	// and an upload of parts that never completed.
	c := srv.Client(t)
	staged := prefix + ".tmp/put-killed"
	if _, err := c.PutObject(ctx, bucket, staged, bytes.NewReader([]byte("partial")), 7, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	core := minio.Core{Client: c}
	if _, err := core.NewMultipartUpload(ctx, bucket, prefix+".tmp/put-killed-parts", minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	uploads := func() int {
		n := 0
		for up := range c.ListIncompleteUploads(ctx, bucket, prefix, true) {
			if up.Err != nil {
				t.Fatal(up.Err)
			}
			n++
		}
		return n
	}
	if uploads() != 1 {
		t.Fatalf("incomplete uploads = %d, want 1", uploads())
	}
	stagedExists := func() bool {
		_, err := c.StatObject(ctx, bucket, staged, minio.StatObjectOptions{})
		return err == nil
	}

	tests := []struct {
		name string
		at   time.Time
		want registry.Sweep
		gone bool
	}{
		{"everything young: nothing goes", now, registry.Sweep{}, false},
		{"two hours later: leftovers go", now.Add(2 * time.Hour), registry.Sweep{Orphans: 1, Temps: 2}, true},
	}
	for _, tt := range tests {
		setClock(tt.at)
		got, err := fx.svc.SweepOrphans(ctx, time.Hour)
		if err != nil {
			t.Fatalf("%s: SweepOrphans: %v", tt.name, err)
		}
		if got != tt.want {
			t.Fatalf("%s: SweepOrphans = %+v, want %+v", tt.name, got, tt.want)
		}
		checks := []struct {
			what string
			got  bool
			want bool
		}{
			{"orphan exists", fx.blobExists(orphan), !tt.gone},
			{"referenced tarball exists", fx.blobExists(kept.BlobKey), true},
			{"mirrored tarball exists", fx.blobExists(mirrored), true},
			{"staged upload exists", stagedExists(), !tt.gone},
			{"incomplete upload exists", uploads() == 1, !tt.gone},
		}
		for _, ck := range checks {
			if ck.got != ck.want {
				t.Errorf("%s: %s = %v, want %v", tt.name, ck.what, ck.got, ck.want)
			}
		}
	}
}
