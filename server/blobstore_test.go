package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server"
)

func TestBlobConfig(t *testing.T) {
	tests := []struct {
		args         []string
		wantURL      string
		wantRedirect time.Duration
		wantErr      string
	}{
		{nil, "", 0, ""},
		{[]string{"-blob-url", "s3://depot/blobs?region=eu-west-1", "-blob-redirect", "5m"}, "s3://depot/blobs?region=eu-west-1", 5 * time.Minute, ""},
		{[]string{"-blob-redirect", "-1s"}, "", 0, "must not be negative"},
		{[]string{"-blob-redirect", "5m"}, "", 0, "needs an s3:// blob URL"},
		{[]string{"-blob-url", "file:///srv/blobs", "-blob-redirect", "5m"}, "", 0, "needs an s3:// blob URL"},
	}
	for _, tt := range tests {
		cfg, err := config.Parse(tt.args)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseConfig(%q) err = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseConfig(%q): %v", tt.args, err)
		}
		if cfg.BlobURL != tt.wantURL || cfg.BlobRedirect != tt.wantRedirect {
			t.Errorf("ParseConfig(%q) = %q, %s", tt.args, cfg.BlobURL, cfg.BlobRedirect)
		}
	}
}

// A blob store URL that cannot be opened stops the server at start.
func TestServerRefusesBadBlobURL(t *testing.T) {
	cfg, err := config.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = testdb.URL(t)
	cfg.SecretKey = "test-secret"
	cfg.BlobURL = "ftp://nowhere/blobs"
	s, err := server.New(context.Background(), cfg, server.Options{})
	if err == nil {
		s.Close()
		t.Fatal("server started with an ftp:// blob store")
	}
	if !strings.Contains(err.Error(), "unknown scheme") {
		t.Fatalf("err = %v, want it to name the scheme", err)
	}
}
