// Package blob stores package tarballs and docs tarballs by content.
//
// A blob's key is the lower-case hex SHA-256 of its bytes, so the key doubles as
// the outer checksum that Hex clients verify, identical uploads share one copy,
// and a stored blob can never change under a key. Backends live in their own
// packages (blob/local, blob/memory, blob/s3; blob/driver opens one from a
// URL) and must all pass the conformance suite in blob/blobtest.
package blob

import (
	"context"
	"errors"
	"io"
	"iter"
	"time"
)

// ErrNotFound reports that no blob is stored under a key. Callers test it
// with errors.Is; backends wrap it with the key for context.
var ErrNotFound = errors.New("blob: not found")

// ErrInvalidKey reports a key that is not 64 lower-case hex digits. Backends
// refuse such keys before touching storage so that a key can never be used
// to reach a path outside the store.
var ErrInvalidKey = errors.New("blob: invalid key")

// Ref names a stored blob.
type Ref struct {
	// Key is the lower-case hex SHA-256 of the content.
	Key string
	// Size is the content length in bytes.
	Size int64
	// ModTime is when the content was last stored: a Put of content that is
	// already stored counts as storing it again. List fills it in; Put
	// leaves it zero. Garbage collection compares it with an age threshold,
	// so a blob that a publish has just uploaded (or uploaded again) is
	// never taken for a leftover.
	ModTime time.Time
}

// Store is content-addressed blob storage.
//
// Every method returns an error wrapping ctx.Err() when the context is done
// before the operation completes; a Put interrupted that way stores nothing.
type Store interface {
	// Put streams r into the store and returns its key and size. The content
	// becomes visible all at once: a concurrent Open or Exists sees either no
	// blob or the whole blob, never a prefix. Putting content that is already
	// stored (including by a concurrent Put) succeeds and returns the same
	// Ref. If r fails, the error is returned wrapped and nothing is stored.
	Put(ctx context.Context, r io.Reader) (Ref, error)

	// Open returns the content stored under key and its size. The caller
	// closes the reader. A missing key yields an error wrapping ErrNotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, int64, error)

	// Delete removes the blob stored under key. Deleting a missing key is
	// not an error: revert and garbage collection may retry after a crash,
	// and "the blob is gone" is the state they want either way. Because
	// identical content shares one blob, callers must only delete a key that
	// no row references any more; the store cannot know about references.
	Delete(ctx context.Context, key string) error

	// Exists reports whether a blob is stored under key.
	Exists(ctx context.Context, key string) (bool, error)
}

// Lister is implemented by stores that can enumerate their blobs. Garbage
// collection uses it to find blobs that no release references any more (for
// example after a publish failed between Put and commit); the conformance
// suite uses it to prove that failed Puts leave nothing behind.
type Lister interface {
	// List yields every complete blob in the store, in no particular order.
	// A non-nil error ends the sequence.
	List(ctx context.Context) iter.Seq2[Ref, error]
}

// Collector is implemented by stores that garbage collection can sweep.
type Collector interface {
	Lister
	// DeleteOlder deletes the blob stored under key only if it was last
	// stored (see Ref.ModTime) before cutoff, and reports whether it did.
	// The age check and the deletion are one step as far as Put is
	// concerned: a concurrent Put of the same content either refreshes the
	// blob first, and the blob stays, or stores it again afterwards. That
	// is what lets a sweep run beside publishes that are about to commit a
	// reference to the blob. A missing key is not an error.
	DeleteOlder(ctx context.Context, key string, cutoff time.Time) (bool, error)
}

// TempSweeper is implemented by stores that stage uploads in progress
// outside the key space (blob/local's .tmp folder). A process killed in the
// middle of a Put leaves its partial upload there.
type TempSweeper interface {
	// SweepTemps removes partial uploads last written before cutoff and
	// returns how many it removed. A younger one may belong to a Put still
	// running, here or in another process sharing the store.
	SweepTemps(ctx context.Context, cutoff time.Time) (int, error)
}
