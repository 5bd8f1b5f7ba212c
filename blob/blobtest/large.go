package blobtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/depot-registry/depot/blob"
)

// largeSize is above the 16 MiB tarball limit of SPEC §4, so the largest
// real upload is covered.
const largeSize = 20 << 20

// testLarge streams a generated blob in and out. Neither side ever holds the
// whole content: it is produced on the fly and hashed on the fly, so a
// backend that streams keeps the test's memory flat.
func testLarge(t *testing.T, s blob.Store) {
	ctx := context.Background()
	h := sha256.New()
	src := io.TeeReader(io.LimitReader(rand.NewChaCha8([32]byte{'d', 'e', 'p', 'o', 't'}), largeSize), h)
	ref, err := s.Put(ctx, src)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	want := blob.Ref{Key: hex.EncodeToString(h.Sum(nil)), Size: largeSize}
	if ref != want {
		t.Fatalf("Put = %+v, want %+v", ref, want)
	}
	rc, size, err := s.Open(ctx, ref.Key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	if size != largeSize {
		t.Errorf("Open size = %d, want %d", size, largeSize)
	}
	back := sha256.New()
	n, err := io.Copy(back, rc)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if n != largeSize || hex.EncodeToString(back.Sum(nil)) != ref.Key {
		t.Fatalf("read back %d bytes hashing to %x, want %d bytes hashing to %s", n, back.Sum(nil), largeSize, ref.Key)
	}
}
