// Package driver opens a blob.Store from a URL, one backend per scheme,
// so that configuration names a store without the server knowing every
// backend's options:
//
//	file:///var/lib/depot/blobs   blob/local in that folder (file:REL for a relative one)
//	s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=REGION&secure=false
//
// s3 credentials come from the URL's user info (s3://KEY:SECRET@BUCKET/...)
// or else from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN. Without endpoint the store is AWS S3 over https.
package driver

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/local"
	"github.com/depot-registry/depot/blob/s3"
)

// Factory opens a store from its parsed URL.
type Factory func(ctx context.Context, u *url.URL, getenv func(string) string) (blob.Store, error)

// factories are the backends by URL scheme.
var factories = map[string]Factory{
	"file": openLocal,
	"s3":   openS3,
}

// Open returns the store that rawURL names. getenv looks up credentials
// that the URL leaves out (os.Getenv in production).
func Open(ctx context.Context, rawURL string, getenv func(string) string) (blob.Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob store URL: %w", err)
	}
	f, ok := factories[u.Scheme]
	if !ok {
		return nil, fmt.Errorf("blob store URL %s: unknown scheme %q (want file or s3)", redact(u), u.Scheme)
	}
	s, err := f(ctx, u, getenv)
	if err != nil {
		return nil, fmt.Errorf("blob store %s: %w", redact(u), err)
	}
	return s, nil
}

func openLocal(_ context.Context, u *url.URL, _ func(string) string) (blob.Store, error) {
	if u.Host != "" && u.Host != "localhost" {
		return nil, fmt.Errorf("a file URL names a folder on this machine, not on %s", u.Host)
	}
	dir := u.Path
	if u.Opaque != "" { // file:relative/folder
		dir = u.Opaque
	}
	if dir == "" {
		return nil, fmt.Errorf("no folder")
	}
	return local.New(dir)
}

// S3Config parses an s3:// URL into the driver's configuration.
func S3Config(u *url.URL, getenv func(string) string) (s3.Config, error) {
	q := u.Query()
	cfg := s3.Config{
		Bucket:   u.Host,
		Prefix:   strings.TrimPrefix(u.Path, "/"),
		Endpoint: q.Get("endpoint"),
		Region:   q.Get("region"),
		Secure:   true,
	}
	if cfg.Bucket == "" {
		return cfg, fmt.Errorf("no bucket: want s3://BUCKET/PREFIX")
	}
	for name := range q {
		switch name {
		case "endpoint", "region", "secure", "part_size":
		default:
			return cfg, fmt.Errorf("unknown parameter %q (want endpoint, region, secure, part_size)", name)
		}
	}
	if v := q.Get("secure"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("secure=%q: want true or false", v)
		}
		cfg.Secure = b
	}
	if v := q.Get("part_size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return cfg, fmt.Errorf("part_size=%q: want a number of bytes", v)
		}
		cfg.PartSize = n
	}
	if u.User != nil {
		cfg.AccessKey = u.User.Username()
		cfg.SecretKey, _ = u.User.Password()
	} else if getenv != nil {
		cfg.AccessKey = getenv("AWS_ACCESS_KEY_ID")
		cfg.SecretKey = getenv("AWS_SECRET_ACCESS_KEY")
		cfg.SessionToken = getenv("AWS_SESSION_TOKEN")
	}
	return cfg, nil
}

func openS3(ctx context.Context, u *url.URL, getenv func(string) string) (blob.Store, error) {
	cfg, err := S3Config(u, getenv)
	if err != nil {
		return nil, err
	}
	return s3.New(ctx, cfg)
}

// redact hides a secret given in the URL from logs and errors.
func redact(u *url.URL) string {
	return u.Redacted()
}
