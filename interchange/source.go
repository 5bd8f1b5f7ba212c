package interchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Source is a static Hex registry to import from. Open returns the file at
// a slash-separated path ("names", "packages/NAME"); a missing file is an
// error wrapping fs.ErrNotExist.
type Source interface {
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// String names the source in messages.
	String() string
}

// Dir is a registry folder on disk.
type Dir string

// Open implements Source.
func (d Dir) Open(_ context.Context, name string) (io.ReadCloser, error) {
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("%s: invalid path %q: %w", d, name, fs.ErrNotExist)
	}
	return os.Open(filepath.Join(string(d), filepath.FromSlash(name)))
}

func (d Dir) String() string { return string(d) }

// URL is a repository served over HTTP(S), such as another Depot's /repo
// or an organization's /repo/repos/ORG. Key, when set, is sent raw in the
// authorization header, as Hex clients send repo_key.
type URL struct {
	Base   string
	Key    string
	Client *http.Client
}

// Open implements Source.
func (u URL) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(u.Base, "/")+"/"+path.Clean(name), nil)
	if err != nil {
		return nil, err
	}
	if u.Key != "" {
		req.Header.Set("Authorization", u.Key)
	}
	c := u.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		resp.Body.Close()
		return nil, fmt.Errorf("%s/%s: %w", u.Base, name, fs.ErrNotExist)
	case resp.StatusCode != http.StatusOK:
		resp.Body.Close()
		return nil, fmt.Errorf("%s/%s: HTTP %s", u.Base, name, resp.Status)
	}
	return resp.Body, nil
}

func (u URL) String() string { return u.Base }

// readAll reads a whole registry file, bounded: payloads are small, and a
// source that sends more is broken or hostile.
func readAll(ctx context.Context, src Source, name string, limit int64) ([]byte, error) {
	rc, err := src.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return b, nil
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
