// Package memory is an in-process blob.Store for tests and throwaway
// servers. It keeps every blob in RAM, so it is not for production data.
package memory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"sync"
	"time"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/internal/ctxio"
)

// Store holds blobs in a map. The zero value is not usable; call New.
type Store struct {
	now   func() time.Time
	mu    sync.RWMutex
	blobs map[string][]byte    // never mutated after insertion, so readers share them
	times map[string]time.Time // when each blob was last stored
}

var (
	_ blob.Store     = (*Store)(nil)
	_ blob.Collector = (*Store)(nil)
)

// New returns an empty store whose blob times come from the wall clock.
func New() *Store {
	return NewWithClock(time.Now)
}

// NewWithClock returns an empty store that stamps blobs with now, so tests
// of age-based garbage collection can use the same clock as the service.
func NewWithClock(now func() time.Time) *Store {
	return &Store{now: now, blobs: make(map[string][]byte), times: make(map[string]time.Time)}
}

// Put reads r completely and stores it. The blob is inserted only after the
// whole content was read, which gives the same all-or-nothing visibility as
// the disk store.
func (s *Store) Put(ctx context.Context, r io.Reader) (blob.Ref, error) {
	if err := ctx.Err(); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put: %w", err)
	}
	h := sha256.New()
	var buf bytes.Buffer
	if _, err := io.Copy(io.MultiWriter(&buf, h), ctxio.Reader(ctx, r)); err != nil {
		return blob.Ref{}, fmt.Errorf("blob put: read content: %w", err)
	}
	key := hex.EncodeToString(h.Sum(nil))
	s.mu.Lock()
	if _, ok := s.blobs[key]; !ok {
		s.blobs[key] = buf.Bytes()
	}
	s.times[key] = s.now() // storing known content again refreshes it, as on disk
	s.mu.Unlock()
	return blob.Ref{Key: key, Size: int64(buf.Len())}, nil
}

// Open returns a reader over the stored bytes.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	p, err := s.get(ctx, key)
	if err != nil {
		return nil, 0, fmt.Errorf("blob open: %w", err)
	}
	if p == nil {
		return nil, 0, fmt.Errorf("blob open %s: %w", key, blob.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(p)), int64(len(p)), nil
}

// Delete forgets key; a missing key is not an error (see blob.Store).
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkArgs(ctx, key); err != nil {
		return fmt.Errorf("blob delete: %w", err)
	}
	s.mu.Lock()
	delete(s.blobs, key)
	delete(s.times, key)
	s.mu.Unlock()
	return nil
}

// DeleteOlder forgets key if it was last stored before cutoff; the check
// and the deletion happen under one lock, so a Put cannot slip between.
func (s *Store) DeleteOlder(ctx context.Context, key string, cutoff time.Time) (bool, error) {
	if err := checkArgs(ctx, key); err != nil {
		return false, fmt.Errorf("blob delete older: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.times[key]
	if !ok || !t.Before(cutoff) {
		return false, nil
	}
	delete(s.blobs, key)
	delete(s.times, key)
	return true, nil
}

// Exists reports whether key is stored.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	p, err := s.get(ctx, key)
	if err != nil {
		return false, fmt.Errorf("blob exists: %w", err)
	}
	return p != nil, nil
}

// List yields a snapshot of the stored blobs taken when iteration starts.
func (s *Store) List(ctx context.Context) iter.Seq2[blob.Ref, error] {
	return func(yield func(blob.Ref, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(blob.Ref{}, fmt.Errorf("blob list: %w", err))
			return
		}
		s.mu.RLock()
		refs := make([]blob.Ref, 0, len(s.blobs))
		for k, p := range s.blobs {
			refs = append(refs, blob.Ref{Key: k, Size: int64(len(p)), ModTime: s.times[k]})
		}
		s.mu.RUnlock()
		for _, ref := range refs {
			if !yield(ref, nil) {
				return
			}
		}
	}
}

// get returns the stored bytes, or nil when key is absent. A stored empty
// blob is a non-nil empty slice, so nil unambiguously means "absent".
func (s *Store) get(ctx context.Context, key string) ([]byte, error) {
	if err := checkArgs(ctx, key); err != nil {
		return nil, err
	}
	s.mu.RLock()
	p, ok := s.blobs[key]
	s.mu.RUnlock()
	if ok && p == nil {
		p = []byte{}
	}
	return p, nil
}

func checkArgs(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return blob.CheckKey(key)
}
