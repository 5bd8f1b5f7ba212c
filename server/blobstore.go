package server

import (
	"context"
	"os"
	"path/filepath"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/driver"
	"github.com/depot-registry/depot/blob/local"
)

// openBlobs opens the store of DEPOT_BLOB_URL, or the data folder's blobs/
// when it is empty. Both `depot serve` and the admin commands open it
// here, so they always agree on where the tarballs are.
func openBlobs(ctx context.Context, cfg Config) (blob.Store, error) {
	if cfg.BlobURL == "" {
		return local.New(filepath.Join(cfg.DataDir, "blobs"))
	}
	return driver.Open(ctx, cfg.BlobURL, os.Getenv)
}
