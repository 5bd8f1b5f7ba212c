package driver_test

import (
	"bytes"
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/depot-registry/depot/blob/driver"
	"github.com/depot-registry/depot/blob/local"
	"github.com/depot-registry/depot/blob/s3"
	"github.com/depot-registry/depot/blob/s3/s3test"
)

func TestS3Config(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "skenv", "AWS_SESSION_TOKEN": "tok"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		url     string
		want    s3.Config
		wantErr string
	}{
		{"s3://depot", s3.Config{Bucket: "depot", Secure: true, AccessKey: "AKENV", SecretKey: "skenv", SessionToken: "tok"}, ""},
		{"s3://depot/blobs/?region=eu-west-1", s3.Config{Bucket: "depot", Prefix: "blobs/", Region: "eu-west-1", Secure: true, AccessKey: "AKENV", SecretKey: "skenv", SessionToken: "tok"}, ""},
		{"s3://depot/a/b?endpoint=127.0.0.1:8333&secure=false&part_size=6291456",
			s3.Config{Bucket: "depot", Prefix: "a/b", Endpoint: "127.0.0.1:8333", PartSize: 6 << 20, AccessKey: "AKENV", SecretKey: "skenv", SessionToken: "tok"}, ""},
		{"s3://AKURL:skurl@depot/p", s3.Config{Bucket: "depot", Prefix: "p", Secure: true, AccessKey: "AKURL", SecretKey: "skurl"}, ""},
		{"s3:///prefix", s3.Config{}, "no bucket"},
		{"s3://depot?secure=maybe", s3.Config{}, "secure="},
		{"s3://depot?part_size=big", s3.Config{}, "part_size="},
		{"s3://depot?endpont=typo", s3.Config{}, `unknown parameter "endpont"`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			got, err := driver.S3Config(u, getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("S3Config = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOpenFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	for _, raw := range []string{"file://" + dir, "file:" + dir} {
		s, err := driver.Open(context.Background(), raw, nil)
		if err != nil {
			t.Fatalf("Open(%s): %v", raw, err)
		}
		if _, ok := s.(*local.Store); !ok {
			t.Fatalf("Open(%s) = %T, want *local.Store", raw, s)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct{ url, want string }{
		{"ftp://host/x", "unknown scheme"},
		{"/var/lib/depot", "unknown scheme"},
		{"file://otherhost/x", "not on otherhost"},
		{"s3://KEY:hunter2@depot?secure=maybe", "secure="},
	}
	for _, tt := range tests {
		_, err := driver.Open(context.Background(), tt.url, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%s) err = %v, want it to mention %q", tt.url, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%s) err shows the secret: %v", tt.url, err)
		}
	}
}

// TestOpenS3 opens a real bucket by URL, the way DEPOT_BLOB_URL does.
func TestOpenS3(t *testing.T) {
	srv := s3test.Start(t)
	raw := srv.BlobURL(srv.NewBucket(t), "depot")
	s, err := driver.Open(context.Background(), raw, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ref, err := s.Put(context.Background(), bytes.NewReader([]byte("by URL")))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Exists(context.Background(), ref.Key); err != nil || !ok {
		t.Fatalf("Exists = %v, %v", ok, err)
	}
}
