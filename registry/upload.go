package registry

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/viewer"
)

// upload reads and verifies a tarball while streaming the same bytes into
// the blob store, so the upload is read once and never buffered whole by us.
// A tarball hextar refuses aborts the blob write, which then stores nothing.
// On success the blob is stored and held (see hold) until the caller calls
// s.unhold, so a concurrent failed publish of the same bytes cannot delete it.
func (s *Service) upload(ctx context.Context, r io.Reader) (*hextar.Package, blob.Ref, error) {
	if r == nil {
		return nil, blob.Ref{}, apperr.Invalid("tarball", "no tarball was uploaded")
	}
	var pkg *hextar.Package
	ref, readErr, storeErr := blob.PutChecked(ctx, s.Blobs, r, func(tr io.Reader) error {
		var err error
		pkg, err = hextar.Read(tr, hextar.DefaultLimits)
		return err
	})
	if storeErr != nil {
		return nil, blob.Ref{}, fmt.Errorf("store tarball: %w", storeErr)
	}
	if readErr != nil {
		var he *hextar.Error
		if errors.As(readErr, &he) {
			return nil, blob.Ref{}, &apperr.Error{Code: apperr.BadInput, Field: "tarball", Message: "invalid package tarball: " + he.Msg, Err: readErr}
		}
		return nil, blob.Ref{}, fmt.Errorf("read tarball: %w", readErr)
	}
	if want := hextar.Hex(pkg.OuterChecksum); ref.Key != want {
		// Both hashes saw the same bytes; a mismatch means a broken store.
		s.dropBlob(ctx, ref.Key)
		return nil, blob.Ref{}, fmt.Errorf("blob store keyed the tarball %s, its checksum is %s", ref.Key, want)
	}
	s.hold(ref.Key)
	return pkg, ref, nil
}

// hold marks a blob key as used by a publish that has not finished.
func (s *Service) hold(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight == nil {
		s.inflight = map[string]int{}
	}
	s.inflight[key]++
}

func (s *Service) unhold(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight[key]--; s.inflight[key] <= 0 {
		delete(s.inflight, key)
	}
}

func (s *Service) held(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight[key] > 0
}

// dropBlob deletes a blob that no release references any more. Identical
// bytes share one blob, so the reference check must come first; a publish
// of the same bytes still in flight in this process holds the key. A
// deletion that fails leaves an unreferenced blob, which is harmless (no row
// points at it) and which a garbage collector over blob.Lister can sweep, so
// the error is not the caller's failure.
func (s *Service) dropBlob(ctx context.Context, key string) {
	if key == "" || s.held(key) {
		return
	}
	ctx = viewer.System(context.WithoutCancel(ctx))
	used, err := s.blobsInUse(ctx, []string{key})
	if err != nil || used[key] {
		return
	}
	_ = s.Blobs.Delete(ctx, key)
}
