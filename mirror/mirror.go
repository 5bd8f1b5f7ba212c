// Package mirror proxies upstream Hex repositories (hex.pm, another Depot)
// into Depot's public repository: a package Depot does not hold is fetched
// from an upstream on demand, its signed payload verified with the
// upstream's public key and repository name, and cached; its tarballs are
// fetched once, verified against the payload's outer checksum, and kept.
//
// The cache lives in a folder (the data folder's mirror/); what was cached
// keeps resolving when an upstream is down or answers garbage
// (stale-if-error), and nothing unverified is ever cached.
package mirror

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/hexrepo"
)

// ErrNotFound means no configured upstream has the package (or version).
var ErrNotFound = errors.New("mirror: not found upstream")

// ErrUnavailable means an upstream could not give a verified answer and
// nothing usable is cached: it is down, or its answer failed verification.
var ErrUnavailable = errors.New("mirror: upstream unavailable")

// MaxTarball bounds a mirrored tarball's size.
const MaxTarball = 128 << 20

// Upstream is one mirrored repository.
type Upstream struct {
	// Name is the repository name its payloads must carry.
	Name string
	// URL is its repository root, without a trailing slash.
	URL string
	Key *rsa.PublicKey
	// Allow, when not empty, is the only names mirrored from it.
	Allow map[string]bool
}

func (u Upstream) allows(name string) bool { return len(u.Allow) == 0 || u.Allow[name] }

// Stats counts cache outcomes, for /metrics.
type Stats struct {
	Hits, Misses, Revalidations, UpstreamErrors atomic.Int64
}

// Service is the mirror. Zero Upstreams means mirroring is off.
type Service struct {
	Upstreams []Upstream
	// Dir is the cache folder.
	Dir string
	// MaxAge is how long a cached package is served before it is
	// revalidated with its ETag.
	MaxAge time.Duration
	// AllowLocal is the names the operator lets be published locally
	// although an upstream has them.
	AllowLocal map[string]bool
	HTTP       *http.Client
	Now        func() time.Time
	Log        *slog.Logger
	Stats      Stats

	flight singleflight.Group
}

// Package is a verified package payload and the upstream it came from
// (Package.Repository is the upstream's name).
type Package = hexrepo.Package

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) client() *http.Client {
	if s.HTTP != nil {
		return s.HTTP
	}
	return http.DefaultClient
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Enabled reports whether any upstream is configured.
func (s *Service) Enabled() bool { return s != nil && len(s.Upstreams) > 0 }

type meta struct {
	ETag      string    `json:"etag"`
	FetchedAt time.Time `json:"fetched_at"`
	// Missing records that the upstream answered "no such package".
	Missing bool `json:"missing,omitempty"`
}

func (s *Service) pkgPath(u Upstream, name string) string {
	return filepath.Join(s.Dir, safe(u.Name), "packages", safe(name))
}

// safe keeps a path element inside its folder.
func safe(s string) string { return url.PathEscape(s) }

// Package returns the first upstream's verified payload of name.
func (s *Service) Package(ctx context.Context, name string) (Package, error) {
	if !s.Enabled() || !validName(name) {
		return Package{}, ErrNotFound
	}
	var firstErr error
	for _, u := range s.Upstreams {
		if !u.allows(name) {
			continue
		}
		v, err, _ := s.flight.Do(u.Name+"\x00"+name, func() (any, error) { return s.fromUpstream(ctx, u, name) })
		if err == nil {
			return v.(Package), nil
		}
		if !errors.Is(err, ErrNotFound) && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return Package{}, firstErr
	}
	return Package{}, ErrNotFound
}

// validName accepts Hex package names (SPEC: lower-case letters, digits
// and _), so nothing else reaches an upstream URL or a cache path.
func validName(name string) bool {
	if name == "" || len(name) > 128 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (s *Service) fromUpstream(ctx context.Context, u Upstream, name string) (Package, error) {
	path := s.pkgPath(u, name)
	var m meta
	var cached []byte
	if b, err := os.ReadFile(path + ".json"); err == nil && json.Unmarshal(b, &m) == nil {
		if !m.Missing {
			cached, _ = os.ReadFile(path)
		}
	} else {
		m = meta{}
	}
	fresh := !m.FetchedAt.IsZero() && s.now().Sub(m.FetchedAt) < s.MaxAge
	if fresh && m.Missing {
		s.Stats.Hits.Add(1)
		return Package{}, ErrNotFound
	}
	if fresh && cached != nil {
		if p, err := hexrepo.DecodePackageSigned(cached, u.Key, u.Name, name); err == nil {
			s.Stats.Hits.Add(1)
			return p, nil
		}
		cached = nil // a damaged cache file is refetched
	}
	stale := func(cause error) (Package, error) {
		s.Stats.UpstreamErrors.Add(1)
		s.log().WarnContext(ctx, "mirror upstream error", "upstream", u.Name, "package", name, "err", cause)
		if cached != nil {
			if p, err := hexrepo.DecodePackageSigned(cached, u.Key, u.Name, name); err == nil {
				s.Stats.Hits.Add(1)
				return p, nil
			}
		}
		return Package{}, fmt.Errorf("%w: %s: %v", ErrUnavailable, u.Name, cause)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.URL+"/packages/"+name, nil)
	if err != nil {
		return Package{}, err
	}
	if cached != nil && m.ETag != "" {
		req.Header.Set("If-None-Match", m.ETag)
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return stale(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		p, err := hexrepo.DecodePackageSigned(cached, u.Key, u.Name, name)
		if err != nil {
			return stale(err)
		}
		m.FetchedAt = s.now()
		s.Stats.Revalidations.Add(1)
		return p, writeJSON(path+".json", m)
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden:
		// repo.hex.pm answers 403 for a package it does not have.
		s.Stats.Misses.Add(1)
		_ = os.Remove(path)
		return Package{}, errors.Join(ErrNotFound, writeJSON(path+".json", meta{FetchedAt: s.now(), Missing: true}))
	case resp.StatusCode != http.StatusOK:
		return stale(fmt.Errorf("GET /packages/%s: status %d", name, resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, hexrepo.MaxPayloadSize+1))
	if err != nil {
		return stale(err)
	}
	p, err := hexrepo.DecodePackageSigned(body, u.Key, u.Name, name)
	if err != nil {
		// A bad signature or a payload naming another repository is never
		// cached; what was cached before keeps serving.
		return stale(err)
	}
	s.Stats.Misses.Add(1)
	if err := writeFile(path, body); err != nil {
		return Package{}, err
	}
	return p, writeJSON(path+".json", meta{ETag: resp.Header.Get("ETag"), FetchedAt: s.now()})
}

// Tarball returns name-version's tarball, fetching it from the upstream
// the package came from on first use, and its outer checksum (hex).
func (s *Service) Tarball(ctx context.Context, name, version string) (io.ReadCloser, int64, string, error) {
	p, err := s.Package(ctx, name)
	if err != nil {
		return nil, 0, "", err
	}
	var rel *hexrepo.Release
	for i := range p.Releases {
		if p.Releases[i].Version == version && len(p.Releases[i].OuterChecksum) == sha256.Size {
			rel = &p.Releases[i]
		}
	}
	if rel == nil {
		return nil, 0, "", ErrNotFound
	}
	var u Upstream
	for _, c := range s.Upstreams {
		if c.Name == p.Repository {
			u = c
		}
	}
	outer := hex.EncodeToString(rel.OuterChecksum)
	// Keyed by checksum: a cached tarball is never fetched again, and a
	// payload that changes the checksum never gets the old bytes.
	path := filepath.Join(s.Dir, safe(u.Name), "tarballs", outer+".tar")
	if f, err := os.Open(path); err == nil {
		if st, err := f.Stat(); err == nil {
			s.Stats.Hits.Add(1)
			return f, st.Size(), outer, nil
		}
		f.Close()
	}
	v, err, _ := s.flight.Do("tar\x00"+path, func() (any, error) { return s.fetchTarball(ctx, u, name, version, outer, path) })
	if err != nil {
		return nil, 0, "", err
	}
	data := v.([]byte)
	return io.NopCloser(bytes.NewReader(data)), int64(len(data)), outer, nil
}

func (s *Service) fetchTarball(ctx context.Context, u Upstream, name, version, outer, path string) ([]byte, error) {
	fail := func(cause error) ([]byte, error) {
		s.Stats.UpstreamErrors.Add(1)
		s.log().WarnContext(ctx, "mirror upstream tarball error", "upstream", u.Name, "package", name, "version", version, "err", cause)
		return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, u.Name, cause)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.URL+"/tarballs/"+name+"-"+url.PathEscape(version)+".tar", nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("GET tarball %s-%s: status %d", name, version, resp.StatusCode))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxTarball+1))
	if err != nil {
		return fail(err)
	}
	if len(data) > MaxTarball {
		return fail(fmt.Errorf("tarball %s-%s exceeds %d bytes", name, version, MaxTarball))
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != outer {
		return fail(fmt.Errorf("tarball %s-%s has checksum %s, the signed payload says %s", name, version, got, outer))
	}
	s.Stats.Misses.Add(1)
	return data, writeFile(path, data)
}

// Guard refuses a new local public package whose name an upstream has,
// unless the operator allows the name: dependency confusion.
func (s *Service) Guard(ctx context.Context, name string) error {
	if !s.Enabled() || s.AllowLocal[name] {
		return nil
	}
	p, err := s.Package(ctx, name)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return apperr.New(apperr.Conflict, "%s cannot be published now: the upstream could not be asked whether it already has that name (%v); try again later", name, err)
	}
	return apperr.New(apperr.Conflict, "%s exists in the upstream repository %s; publishing it here would shadow it (dependency confusion). An operator can allow it with DEPOT_MIRROR_ALLOW_LOCAL", name, p.Repository)
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFile(path, b)
}

// writeFile replaces path atomically.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("mirror cache: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("mirror cache: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("mirror cache: %w", err)
	}
	return nil
}

// SyncResult is what Sync did.
type SyncResult struct {
	Packages, Tarballs, NotFound int
	// Failed names each package or tarball that could not be mirrored,
	// with why.
	Failed []string
}

// Sync pre-fetches names (default: the union of the upstreams'
// allow-lists) and every tarball of theirs with an outer checksum.
func (s *Service) Sync(ctx context.Context, names []string) (SyncResult, error) {
	var res SyncResult
	if len(names) == 0 {
		for _, u := range s.Upstreams {
			for n := range u.Allow {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			return res, errors.New("name the packages to mirror: no upstream has an allow-list")
		}
	}
	for _, name := range names {
		p, err := s.Package(ctx, name)
		if errors.Is(err, ErrNotFound) {
			res.NotFound++
			continue
		}
		if err != nil {
			res.Failed = append(res.Failed, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		res.Packages++
		for _, r := range p.Releases {
			if len(r.OuterChecksum) != sha256.Size {
				continue
			}
			body, _, _, err := s.Tarball(ctx, name, r.Version)
			if err != nil {
				res.Failed = append(res.Failed, fmt.Sprintf("%s-%s: %v", name, r.Version, err))
				continue
			}
			body.Close()
			res.Tarballs++
		}
	}
	return res, ctx.Err()
}

// Cached is every package the cache holds a verified payload of, first
// upstream first (as Package resolves a name), with when it was fetched.
// Repository in each is the upstream's name.
func (s *Service) Cached(ctx context.Context) ([]CachedPackage, error) {
	if !s.Enabled() {
		return nil, nil
	}
	seen := map[string]bool{}
	var out []CachedPackage
	for _, u := range s.Upstreams {
		dir := filepath.Join(s.Dir, safe(u.Name), "packages")
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("mirror cache: %w", err)
		}
		for _, e := range entries {
			name, ok := strings.CutSuffix(e.Name(), ".json")
			if !ok || seen[name] || !validName(name) || !u.allows(name) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var m meta
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil || json.Unmarshal(b, &m) != nil || m.Missing {
				continue
			}
			body, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				continue
			}
			p, err := hexrepo.DecodePackageSigned(body, u.Key, u.Name, name)
			if err != nil {
				continue
			}
			seen[name] = true
			out = append(out, CachedPackage{Package: p, FetchedAt: m.FetchedAt})
		}
	}
	return out, nil
}

// CachedPackage is one entry of Cached.
type CachedPackage struct {
	Package
	FetchedAt time.Time
}
