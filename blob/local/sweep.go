package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SweepTemps removes .tmp files last written before cutoff. A Put writes
// its temp file as the content arrives, so only an upload that stalled (or
// whose process died) gets old.
func (s *Store) SweepTemps(ctx context.Context, cutoff time.Time) (int, error) {
	dir := filepath.Join(s.root, tmpDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("blob sweep temps: read %s: %w", dir, err)
	}
	removed := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return removed, fmt.Errorf("blob sweep temps: %w", err)
		}
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue // gone already, or maybe still being written
		}
		err = os.Remove(filepath.Join(dir, e.Name()))
		switch {
		case err == nil:
			removed++
		case errors.Is(err, fs.ErrNotExist):
		default:
			return removed, fmt.Errorf("blob sweep temps: %w", err)
		}
	}
	return removed, nil
}

// DeleteOlder moves the blob file aside (one atomic rename), then looks at
// its time again. A Put of the same content refreshes the file's time
// before it returns (see Put), so a Put that finished before the rename
// shows in the moved file, which is then put back; a Put after the rename
// finds no file and stores the content anew. Either way the content a
// publish was promised stays under its key.
func (s *Store) DeleteOlder(ctx context.Context, key string, cutoff time.Time) (bool, error) {
	if err := checkArgs(ctx, key); err != nil {
		return false, fmt.Errorf("blob delete older: %w", err)
	}
	path := s.path(key)
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob delete older %s: %w", key, err)
	}
	if !info.ModTime().Before(cutoff) {
		return false, nil
	}
	var suffix [8]byte
	_, _ = rand.Read(suffix[:])
	aside := filepath.Join(s.root, tmpDir, sweepPrefix+key+"-"+hex.EncodeToString(suffix[:]))
	if err := os.Rename(path, aside); errors.Is(err, fs.ErrNotExist) {
		return false, nil // deleted by someone else meanwhile
	} else if err != nil {
		return false, fmt.Errorf("blob delete older %s: move aside: %w", key, err)
	}
	info, err = os.Stat(aside)
	if err == nil && !info.ModTime().Before(cutoff) {
		// Stored again just before the rename: put it back. Should a newer
		// Put have stored the key meanwhile, this replaces identical bytes.
		if err := os.Rename(aside, path); err != nil {
			return false, fmt.Errorf("blob delete older %s: put back: %w", key, err)
		}
		return false, nil
	}
	if err := os.Remove(aside); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("blob delete older %s: %w", key, err)
	}
	return true, nil
}
