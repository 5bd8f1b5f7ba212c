package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/internal/ctxio"
)

// Put streams r to a temp file while hashing it, then makes it visible with
// one rename. Order matters for crash safety: the file's data is fsynced
// before the rename and the folder after it, so after a crash a key is either
// absent or names complete content, never a torn file.
func (s *Store) Put(ctx context.Context, r io.Reader) (ref blob.Ref, err error) {
	if err := ctx.Err(); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Join(s.root, tmpDir), tmpPrefix+"*")
	if err != nil {
		return blob.Ref{}, fmt.Errorf("blob put: create temp file: %w", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close() // may be the second Close; its error is moot here
			os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), ctxio.Reader(ctx, r))
	if err != nil {
		return blob.Ref{}, fmt.Errorf("blob put: write content: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put: sync temp file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put: close temp file: %w", err)
	}
	ref = blob.Ref{Key: hex.EncodeToString(h.Sum(nil)), Size: size}
	// A Put cancelled after the copy still stores nothing, as documented.
	if err := ctx.Err(); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put: %w", err)
	}

	final := s.path(ref.Key)
	// Same content already stored: keep that file and drop ours (deferred
	// cleanup), but refresh its time, so that a sweep for old unreferenced
	// blobs sees it as just stored and leaves it to the caller's commit.
	now := time.Now()
	if err := os.Chtimes(final, now, now); err == nil {
		return ref, nil
	}
	if err := s.mkdirFanout(ref.Key); err != nil {
		return blob.Ref{}, err
	}
	// If a concurrent Put of the same content wins the race, this rename
	// replaces its file with identical bytes, which readers cannot tell apart.
	if err := os.Rename(tmp.Name(), final); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put %s: rename into place: %w", ref.Key, err)
	}
	renamed = true
	if err := syncDir(s.dir(ref.Key)); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put %s: %w", ref.Key, err)
	}
	return ref, nil
}

// mkdirFanout creates ab/ and ab/cd/ as needed, syncing the parent of each
// folder it creates so the new entry survives a crash.
func (s *Store) mkdirFanout(key string) error {
	parent := s.root
	for _, name := range []string{key[0:2], key[2:4]} {
		dir := filepath.Join(parent, name)
		err := os.Mkdir(dir, dirPerm)
		switch {
		case err == nil:
			if err := syncDir(parent); err != nil {
				return fmt.Errorf("blob put %s: %w", key, err)
			}
		case errors.Is(err, fs.ErrExist):
		default:
			return fmt.Errorf("blob put %s: create folder: %w", key, err)
		}
		parent = dir
	}
	return nil
}

// syncDir fsyncs a folder so that entries added to it (renames, new
// sub-folders) are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}
