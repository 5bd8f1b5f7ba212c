package docshost

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/blob"
)

// archive is an unpacked docs tarball: file name → content. Folders are
// implied by file names ("a/b.html" makes "a" a folder).
type archive struct {
	files map[string][]byte
	dirs  map[string]bool
	size  int64
}

// errNoFile means there are no such docs, or the tarball has no such file.
var errNoFile = apperr.New(apperr.NotFound, "no such docs file")

// archives caches unpacked tarballs by blob key. Blobs never change under
// their key, so entries are only ever evicted, never stale.
type archives struct {
	blobs blob.Store
	// maxArchive is the largest unpacked tarball kept; larger ones are
	// streamed per request.
	maxArchive int64
	budget     int64

	mu      sync.Mutex
	used    int64
	cache   *lru.Cache[string, *archive]
	loading map[string]*sync.Mutex
}

func newArchives(blobs blob.Store, budget int64) *archives {
	a := &archives{blobs: blobs, budget: budget, maxArchive: budget / 4, loading: map[string]*sync.Mutex{}}
	// The entry count is a formality: the byte budget evicts first.
	c, err := lru.NewWithEvict[string, *archive](1<<16, func(_ string, v *archive) { a.used -= v.size })
	if err != nil {
		panic(err)
	}
	a.cache = c
	return a
}

// file returns name from the tarball stored under key, and whether name is
// a folder (then data is nil). Missing names return errNoFile.
func (a *archives) file(ctx context.Context, key, name string) (data []byte, isDir bool, err error) {
	ar, err := a.get(ctx, key)
	if err != nil {
		return nil, false, err
	}
	if ar == nil {
		return a.stream(ctx, key, name)
	}
	if d, ok := ar.files[name]; ok {
		return d, false, nil
	}
	if ar.dirs[name] {
		return nil, true, nil
	}
	return nil, false, errNoFile
}

// get returns the unpacked tarball, loading it once even when many
// requests ask at the same time; nil means "too large to cache".
func (a *archives) get(ctx context.Context, key string) (*archive, error) {
	if ar, ok := a.lookup(key); ok {
		return ar, nil
	}
	a.mu.Lock()
	l, ok := a.loading[key]
	if !ok {
		l = &sync.Mutex{}
		a.loading[key] = l
	}
	a.mu.Unlock()
	l.Lock()
	defer l.Unlock()
	if ar, ok := a.lookup(key); ok {
		return ar, nil
	}
	ar, err := a.unpack(ctx, key)
	a.mu.Lock()
	delete(a.loading, key)
	a.mu.Unlock()
	if errors.Is(err, errTooLarge) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.used += ar.size
	a.cache.Add(key, ar)
	for a.used > a.budget {
		if _, _, ok := a.cache.RemoveOldest(); !ok {
			break
		}
	}
	return ar, nil
}

func (a *archives) lookup(key string) (*archive, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cache.Get(key)
}

// unpack reads the whole tarball into memory, up to maxArchive bytes.
func (a *archives) unpack(ctx context.Context, key string) (*archive, error) {
	ar := &archive{files: map[string][]byte{}, dirs: map[string]bool{"": true}}
	err := a.walk(ctx, key, func(name string, isDir bool, r io.Reader, size int64) (bool, error) {
		if isDir {
			ar.addDirs(name + "/")
			return false, nil
		}
		if ar.size += size + int64(len(name)); ar.size > a.maxArchive {
			return true, errTooLarge
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return true, err
		}
		ar.files[name] = data
		ar.addDirs(name)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return ar, nil
}

func (ar *archive) addDirs(name string) {
	for i := strings.LastIndexByte(name, '/'); i > 0; i = strings.LastIndexByte(name[:i], '/') {
		ar.dirs[name[:i]] = true
	}
}

// stream finds one file by reading through the tarball.
func (a *archives) stream(ctx context.Context, key, name string) ([]byte, bool, error) {
	var (
		data  []byte
		isDir bool
		found bool
	)
	err := a.walk(ctx, key, func(n string, dir bool, r io.Reader, _ int64) (bool, error) {
		switch {
		case n == name && !dir:
			b, err := io.ReadAll(r)
			data, found = b, true
			return true, err
		case n == name && dir, strings.HasPrefix(n, name+"/"):
			isDir, found = true, true
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return nil, false, err
	}
	if !found {
		return nil, false, errNoFile
	}
	return data, isDir, nil
}

// walk calls fn for each file and folder of the tarball under key (names
// cleaned as at publish, folders without their trailing "/") until fn says
// stop.
func (a *archives) walk(ctx context.Context, key string, fn func(name string, isDir bool, r io.Reader, size int64) (stop bool, err error)) error {
	rc, _, err := a.blobs.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("open docs %s: %w", key, err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return fmt.Errorf("docs %s: %w", key, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("docs %s: %w", key, err)
		}
		// Publish validated every entry; entryName only cleans here.
		name, isDir, err := entryName(h)
		if err != nil || name == "" {
			continue
		}
		stop, err := fn(strings.TrimSuffix(name, "/"), isDir, tr, h.Size)
		if stop || err != nil {
			return err
		}
	}
}
