package s3_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/blobtest"
	"github.com/depot-registry/depot/blob/s3"
	"github.com/depot-registry/depot/blob/s3/s3test"
)

// TestConformance runs the suite on one bucket, each sub-test under a
// prefix of its own, which also shows that stores under different prefixes
// of one bucket do not see each other's blobs.
func TestConformance(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	var n atomic.Int64
	blobtest.Run(t, func(t *testing.T) blob.Store {
		return srv.Store(t, bucket, fmt.Sprintf("run-%d", n.Add(1)))
	})
}

// TestConformanceBucketRoot runs the suite with no prefix at all.
func TestConformanceBucketRoot(t *testing.T) {
	srv := s3test.Start(t)
	blobtest.Run(t, func(t *testing.T) blob.Store {
		return srv.Store(t, srv.NewBucket(t), "")
	})
}

// TestLayout checks that a blob lives where blob/local keeps its file, so a
// data folder's blobs can be copied into a bucket and back.
func TestLayout(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	st := srv.Store(t, bucket, "depot/blobs")
	ref, err := st.Put(context.Background(), bytes.NewReader([]byte("where am I")))
	if err != nil {
		t.Fatal(err)
	}
	want := "depot/blobs/" + ref.Key[0:2] + "/" + ref.Key[2:4] + "/" + ref.Key
	if _, err := srv.Client(t).StatObject(context.Background(), bucket, want, minio.StatObjectOptions{}); err != nil {
		t.Fatalf("stat %s: %v", want, err)
	}
}

// TestMissingBucket fails at New, not on the first publish.
func TestMissingBucket(t *testing.T) {
	srv := s3test.Start(t)
	if _, err := s3.New(context.Background(), srv.Config("depot-no-such-bucket", "")); err == nil {
		t.Fatal("New on a missing bucket succeeded")
	}
}

// TestDeleteOlderPutBetween stores the key again while DeleteOlder has
// the blob moved aside: the blob must come back and DeleteOlder report
// that it kept it. Without the hook's Put the same call deletes.
func TestDeleteOlderPutBetween(t *testing.T) {
	srv := s3test.Start(t)
	content := []byte("published while being swept")
	for _, tt := range []struct {
		name        string
		putBetween  bool
		wantDeleted bool
	}{
		{"no Put meanwhile: deleted", false, true},
		{"Put meanwhile: kept", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := srv.Store(t, srv.NewBucket(t), "")
			ref, err := st.Put(ctx, bytes.NewReader(content))
			if err != nil {
				t.Fatal(err)
			}
			cutoff := serverTimeAfter(t, srv, st.Bucket(), storedAt(t, st, ref.Key))
			if tt.putBetween {
				s3.SetAfterDeleteHook(st, func() {
					if _, err := st.Put(ctx, bytes.NewReader(content)); err != nil {
						t.Errorf("Put between: %v", err)
					}
				})
			}
			deleted, err := st.DeleteOlder(ctx, ref.Key, cutoff)
			if err != nil || deleted != tt.wantDeleted {
				t.Fatalf("DeleteOlder = %v, %v, want %v, nil", deleted, err, tt.wantDeleted)
			}
			ok, err := st.Exists(ctx, ref.Key)
			if err != nil || ok == tt.wantDeleted {
				t.Fatalf("Exists = %v, %v, want %v", ok, err, !tt.wantDeleted)
			}
			if !ok {
				return
			}
			rc, _, err := st.Open(ctx, ref.Key)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if got, _ := io.ReadAll(rc); !bytes.Equal(got, content) {
				t.Fatalf("content after the sweep = %q", got)
			}
		})
	}
}

func storedAt(t *testing.T, st *s3.Store, key string) time.Time {
	t.Helper()
	info, err := st.Client().StatObject(context.Background(), st.Bucket(), st.ObjectName(key), minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return info.LastModified
}

// serverTimeAfter waits until the server's clock, as it stamps objects
// (to the second), has moved past t, and returns that time: a cutoff
// that the blob stored at t is older than and any later Put is not.
func serverTimeAfter(t *testing.T, srv s3test.Server, bucket string, at time.Time) time.Time {
	t.Helper()
	c := srv.Client(t)
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for ; time.Now().Before(deadline); <-tick.C {
		if _, err := c.PutObject(ctx, bucket, "clock-probe", bytes.NewReader(nil), 0, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		info, err := c.StatObject(ctx, bucket, "clock-probe", minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.LastModified.After(at) {
			return info.LastModified
		}
	}
	t.Fatalf("the server's clock did not pass %v", at)
	return time.Time{}
}

// corruptPuts flips one byte of every PUT body going to the server, the way
// a faulty link or proxy would.
type corruptPuts struct{ next http.RoundTripper }

func (c corruptPuts) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && r.Body != nil && r.ContentLength > 0 && r.Header.Get("X-Amz-Copy-Source") == "" {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		body[len(body)/2] ^= 0xff
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return c.next.RoundTrip(r)
}

// TestServerRefusesDamagedUpload checks that the content hashes sent with
// each upload let the server refuse bytes damaged on the way, for one PUT
// and for a multipart upload, and that a refused upload leaves nothing.
func TestServerRefusesDamagedUpload(t *testing.T) {
	srv := s3test.Start(t)
	for _, tt := range []struct {
		name string
		size int
	}{
		{"single PUT", 100 << 10},
		{"multipart", 6 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.Config(srv.NewBucket(t), "")
			cfg.PartSize = 5 << 20
			cfg.Transport = corruptPuts{next: http.DefaultTransport}
			st, err := s3.New(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			content := bytes.Repeat([]byte("x"), tt.size)
			if _, err := st.Put(context.Background(), bytes.NewReader(content)); err == nil {
				t.Fatal("Put of damaged bytes succeeded")
			}
			clean := srv.Store(t, cfg.Bucket, "")
			if ok, err := clean.Exists(context.Background(), blob.KeyOf(content)); err != nil || ok {
				t.Fatalf("Exists after a refused Put = %v, %v", ok, err)
			}
			for obj := range srv.Client(t).ListObjects(context.Background(), cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
				t.Errorf("left in the bucket: %s (%v)", obj.Key, obj.Err)
			}
		})
	}
}

// TestWrongCredentials checks that the server is not a fake that takes any
// signature.
func TestWrongCredentials(t *testing.T) {
	srv := s3test.Start(t)
	cfg := srv.Config(srv.NewBucket(t), "")
	cfg.SecretKey = "not-the-secret"
	if _, err := s3.New(context.Background(), cfg); err == nil {
		t.Fatal("New with a wrong secret key succeeded")
	}
}

// TestPresign checks that a presigned URL reads the blob without
// credentials, and that the object is not readable without a signature.
func TestPresign(t *testing.T) {
	srv := s3test.Start(t)
	st := srv.Store(t, srv.NewBucket(t), "depot")
	ctx := context.Background()
	content := []byte("fetched straight from the bucket")
	ref, err := st.Put(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.Presign(ctx, ref.Key, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, content) {
		t.Fatalf("GET presigned: %d %q", resp.StatusCode, got)
	}
	unsigned := *u
	unsigned.RawQuery = ""
	resp, err = http.Get(unsigned.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("the object is readable without a signature")
	}
}
