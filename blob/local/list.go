package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"path/filepath"

	"github.com/depot-registry/depot/blob"
)

// List walks the fan-out folders. Temp files are skipped: they live under
// .tmp and their names are not keys.
func (s *Store) List(ctx context.Context) iter.Seq2[blob.Ref, error] {
	return func(yield func(blob.Ref, error) bool) {
		stop := false
		err := filepath.WalkDir(s.root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == tmpDir {
					return fs.SkipDir
				}
				return nil
			}
			if !blob.ValidKey(d.Name()) {
				return nil
			}
			info, err := d.Info()
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while walking
			}
			if err != nil {
				return err
			}
			if !yield(blob.Ref{Key: d.Name(), Size: info.Size(), ModTime: info.ModTime()}, nil) {
				stop = true
				return fs.SkipAll
			}
			return nil
		})
		if err != nil && !stop {
			yield(blob.Ref{}, fmt.Errorf("blob list: %w", err))
		}
	}
}
