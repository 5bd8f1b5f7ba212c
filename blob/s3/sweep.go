package s3

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/depot-registry/depot/blob"
)

// List lists the objects under the prefix. Only names of the ab/cd/KEY
// shape count as blobs: the staging objects under .tmp/ and anything else
// someone put into the bucket are skipped.
func (s *Store) List(ctx context.Context) iter.Seq2[blob.Ref, error] {
	return func(yield func(blob.Ref, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // stops the listing goroutine when the caller stops early
		for obj := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
			if obj.Err != nil {
				yield(blob.Ref{}, fmt.Errorf("blob list: %w", ctxErr(ctx, obj.Err)))
				return
			}
			key, ok := s.keyOf(obj.Key)
			if !ok {
				continue
			}
			if !yield(blob.Ref{Key: key, Size: obj.Size, ModTime: obj.LastModified}, nil) {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(blob.Ref{}, fmt.Errorf("blob list: %w", err))
		}
	}
}

// keyOf returns the key an object name holds, if it is a blob's name.
func (s *Store) keyOf(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, s.prefix)
	if !ok || len(rest) != 6+blob.KeyLen {
		return "", false
	}
	key := rest[6:]
	if !blob.ValidKey(key) || rest[:6] != key[0:2]+"/"+key[2:4]+"/" {
		return "", false
	}
	return key, true
}

// DeleteOlder has no atomic rename to lean on, as blob/local does, and S3
// has no delete conditional on age. It copies the blob aside, deletes it,
// and then looks at the stored mark that every Put of the key touches
// after copying the key into place: a mark younger than cutoff means a Put
// may have stored the key in between, and the blob is put back. A Put
// whose mark comes later checks that its object is still there and copies
// it in again if not (see Put). Either way the content a publish was
// promised stays under its key.
func (s *Store) DeleteOlder(ctx context.Context, key string, cutoff time.Time) (bool, error) {
	if err := checkArgs(ctx, key); err != nil {
		return false, fmt.Errorf("blob delete older: %w", err)
	}
	final := s.ObjectName(key)
	info, err := s.c.StatObject(ctx, s.bucket, final, minio.StatObjectOptions{})
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob delete older %s: %w", key, ctxErr(ctx, err))
	}
	if !info.LastModified.Before(cutoff) {
		return false, nil
	}
	// Past the age check the steps run to their end, so that a blob is
	// never left moved aside by a cancelled sweep.
	ctx = context.WithoutCancel(ctx)
	aside := s.prefix + sweepPrefix + key + "-" + random()
	if err := s.copy(ctx, final, aside); notFound(err) {
		return false, nil // deleted by someone else meanwhile
	} else if err != nil {
		return false, fmt.Errorf("blob delete older %s: move aside: %w", key, err)
	}
	defer s.c.RemoveObject(ctx, s.bucket, aside, minio.RemoveObjectOptions{})
	if err := s.c.RemoveObject(ctx, s.bucket, final, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return false, fmt.Errorf("blob delete older %s: %w", key, err)
	}
	if s.afterDelete != nil {
		s.afterDelete()
	}
	mark, err := s.c.StatObject(ctx, s.bucket, s.prefix+storedMark+key, minio.StatObjectOptions{})
	switch {
	case notFound(err):
	case err != nil:
		// Unsure whether a Put came in between: keep the blob.
		if perr := s.copy(ctx, aside, final); perr != nil {
			return false, fmt.Errorf("blob delete older %s: put back after %v: %w", key, err, perr)
		}
		return false, fmt.Errorf("blob delete older %s: %w", key, err)
	case !mark.LastModified.Before(cutoff):
		if err := s.copy(ctx, aside, final); err != nil {
			return false, fmt.Errorf("blob delete older %s: put back: %w", key, err)
		}
		return false, nil
	}
	return true, nil
}

// SweepTemps removes staging objects under .tmp/ and multipart uploads that
// were started before cutoff: what a process killed in the middle of a Put
// or a DeleteOlder leaves behind. An incomplete multipart upload is
// invisible to readers but still takes space until it is aborted.
func (s *Store) SweepTemps(ctx context.Context, cutoff time.Time) (int, error) {
	removed := 0
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for obj := range s.c.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + tmpPrefix, Recursive: true}) {
		if obj.Err != nil {
			return removed, fmt.Errorf("blob sweep temps: %w", ctxErr(ctx, obj.Err))
		}
		if !obj.LastModified.Before(cutoff) {
			continue
		}
		if err := s.c.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
			return removed, fmt.Errorf("blob sweep temps: %w", ctxErr(ctx, err))
		}
		// Old stored marks go too, but they are no leftover of a crash.
		if !strings.HasPrefix(obj.Key, s.prefix+storedMark) {
			removed++
		}
	}
	for up := range s.c.ListIncompleteUploads(lctx, s.bucket, s.prefix+tmpPrefix, true) {
		if up.Err != nil {
			return removed, fmt.Errorf("blob sweep temps: list uploads: %w", ctxErr(ctx, up.Err))
		}
		if !up.Initiated.Before(cutoff) {
			continue
		}
		if err := s.c.RemoveIncompleteUpload(ctx, s.bucket, up.Key); err != nil && !notFound(err) {
			return removed, fmt.Errorf("blob sweep temps: abort upload: %w", ctxErr(ctx, err))
		}
		removed++
	}
	return removed, nil
}
