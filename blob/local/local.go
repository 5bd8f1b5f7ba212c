// Package local is the blob.Store on the local file system, the default of
// the embedded `depot serve` (SPEC §10).
//
// Layout under the root folder:
//
//	ab/cd/abcd…   one file per blob, fanned out by the first two bytes of the
//	              key so that no folder grows past a few thousand entries
//	.tmp/         uploads in progress; renamed into place once complete
//
// Temp files live under the same root as the blobs so the final rename never
// crosses a file system and stays atomic.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/depot-registry/depot/blob"
)

const (
	tmpDir    = ".tmp"
	tmpPrefix = "put-"
	// sweepPrefix names a blob that DeleteOlder moved aside to check its
	// age once more. It starts with tmpPrefix so that one left behind by a
	// crash is swept like any other partial upload.
	sweepPrefix = tmpPrefix + "sweep-"
	dirPerm     = 0o750 // blobs include private packages; keep other users out
)

// Store keeps blobs as files under one root folder.
type Store struct {
	root string
}

var (
	_ blob.Store       = (*Store)(nil)
	_ blob.Collector   = (*Store)(nil)
	_ blob.TempSweeper = (*Store)(nil)
)

// New opens (creating if needed) a store rooted at dir. Temp files that a
// crashed process left behind stay until SweepTemps removes them: only the
// caller knows how old an upload in progress may get (the server sweeps at
// start and then periodically, counting what it removes).
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("blob/local: empty folder name")
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob/local: resolve %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(root, tmpDir), dirPerm); err != nil {
		return nil, fmt.Errorf("blob/local: create %s: %w", root, err)
	}
	return &Store{root: root}, nil
}

// Open opens the blob file. The file is unlinked-safe: a concurrent Delete
// does not disturb a reader that already has it open.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	if err := checkArgs(ctx, key); err != nil {
		return nil, 0, fmt.Errorf("blob open: %w", err)
	}
	f, err := os.Open(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("blob open %s: %w", key, blob.ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("blob open %s: %w", key, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("blob open %s: %w", key, err)
	}
	return f, info.Size(), nil
}

// Delete removes the blob file; a missing key is not an error (see
// blob.Store). Fan-out folders are kept: removing them could race with a Put
// that just created them, and there are at most 65536 of them.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkArgs(ctx, key); err != nil {
		return fmt.Errorf("blob delete: %w", err)
	}
	err := os.Remove(s.path(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob delete %s: %w", key, err)
	}
	return nil
}

// Exists reports whether the blob file is present.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := checkArgs(ctx, key); err != nil {
		return false, fmt.Errorf("blob exists: %w", err)
	}
	_, err := os.Stat(s.path(key))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("blob exists %s: %w", key, err)
	}
}

// path is the file of key; key must be valid, which keeps it inside root.
func (s *Store) path(key string) string {
	return filepath.Join(s.dir(key), key)
}

// dir is the fan-out folder of key.
func (s *Store) dir(key string) string {
	return filepath.Join(s.root, key[0:2], key[2:4])
}

func checkArgs(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return blob.CheckKey(key)
}
