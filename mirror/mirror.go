// Package mirror proxies upstream Hex repositories (hex.pm, another Depot)
// into Depot's public repository: a package Depot does not hold is fetched
// from an upstream on demand, its signed payload verified with the
// upstream's public key and repository name, and cached; its tarballs are
// fetched once, verified against the payload's outer checksum, and kept.
//
// The cache is shared by every instance over one database and blob store:
// payloads with their ETags live in the database (ent.MirroredPackage),
// tarballs in the blob store under their outer checksum, each recorded by
// an ent.MirroredTarball row so the orphan sweep keeps it. What one
// instance fetched or revalidated, all serve. What was cached keeps
// resolving when an upstream is down or answers garbage (stale-if-error),
// and nothing unverified is ever cached.
package mirror

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/mirroredpackage"
	"github.com/depot-registry/depot/ent/mirroredtarball"
	"github.com/depot-registry/depot/ent/predicate"
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
	// DB holds the cached payloads and the tarball records; Blobs the
	// tarballs. Instances sharing both share one cache.
	DB    *ent.Client
	Blobs blob.Store
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
	// browsed remembers verified listings by payload digest (browse.go).
	browsed listingMemo
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
// and _), so nothing else reaches an upstream URL or the cache.
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

// cacheError wraps a failure of the shared cache itself (the database or
// the blob store), which is not the upstream's fault.
func cacheError(err error) error { return fmt.Errorf("mirror cache: %w", err) }

// cachedRow is the upstream's row of name (zero when none).
func (s *Service) cachedRow(ctx context.Context, u Upstream, name string) (*ent.MirroredPackage, error) {
	row, err := s.DB.MirroredPackage.Query().
		Where(mirroredpackage.Upstream(u.Name), mirroredpackage.Name(name)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return &ent.MirroredPackage{}, nil
	}
	if err != nil {
		return nil, cacheError(err)
	}
	return row, nil
}

// store writes one refresh of name in one statement: the verified payload
// and its ETag, or (payload nil) that the upstream has no such package.
func (s *Service) store(ctx context.Context, u Upstream, name string, payload []byte, etag string) error {
	err := s.DB.MirroredPackage.Create().
		SetUpstream(u.Name).SetName(name).
		SetPayload(payload).SetEtag(etag).SetFetchedAt(s.now()).SetMissing(payload == nil).
		OnConflictColumns(mirroredpackage.FieldUpstream, mirroredpackage.FieldName).
		UpdateNewValues().
		Exec(ctx)
	if err != nil {
		return cacheError(err)
	}
	return nil
}

func (s *Service) fromUpstream(ctx context.Context, u Upstream, name string) (Package, error) {
	row, err := s.cachedRow(ctx, u, name)
	if err != nil {
		return Package{}, err
	}
	var cached []byte
	if !row.Missing && len(row.Payload) > 0 {
		cached = row.Payload
	}
	fresh := !row.FetchedAt.IsZero() && s.now().Sub(row.FetchedAt) < s.MaxAge
	if fresh && row.Missing {
		s.Stats.Hits.Add(1)
		return Package{}, ErrNotFound
	}
	if fresh && cached != nil {
		if p, err := hexrepo.DecodePackageSigned(cached, u.Key, u.Name, name); err == nil {
			s.Stats.Hits.Add(1)
			return p, nil
		}
		cached = nil // a damaged row is refetched
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
	if cached != nil && row.Etag != "" {
		req.Header.Set("If-None-Match", row.Etag)
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
		s.Stats.Revalidations.Add(1)
		// Only the revalidated payload is marked fresh: if another
		// instance stored a newer one meanwhile, its row stays as it is.
		err = s.DB.MirroredPackage.Update().
			Where(mirroredpackage.Upstream(u.Name), mirroredpackage.Name(name), mirroredpackage.Etag(row.Etag), mirroredpackage.Missing(false)).
			SetFetchedAt(s.now()).
			Exec(ctx)
		if err != nil {
			return p, cacheError(err)
		}
		return p, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden:
		// repo.hex.pm answers 403 for a package it does not have.
		s.Stats.Misses.Add(1)
		return Package{}, errors.Join(ErrNotFound, s.store(ctx, u, name, nil, ""))
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
	if err := s.store(ctx, u, name, body, resp.Header.Get("ETag")); err != nil {
		return Package{}, err
	}
	return p, nil
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
	// The blob store is content addressed, so the key is the outer
	// checksum: a cached tarball is never fetched again, and a payload that
	// changes the checksum never gets the old bytes.
	outer := hex.EncodeToString(rel.OuterChecksum)
	if body, size, ok, err := s.cachedTarball(ctx, outer); err != nil || ok {
		return body, size, outer, err
	}
	_, err, _ = s.flight.Do("tar\x00"+u.Name+"\x00"+outer, func() (any, error) { return nil, s.fetchTarball(ctx, u, name, version, outer) })
	if err != nil {
		return nil, 0, "", err
	}
	body, size, err := s.Blobs.Open(ctx, outer)
	if err != nil {
		return nil, 0, "", cacheError(err)
	}
	return body, size, outer, nil
}

// cachedTarball opens the stored tarball under outer. The store is
// content addressed, so whatever it holds under the checksum is the
// verified tarball; no row needs reading first. A blob that is missing
// (never fetched, or deleted by hand) is fetched.
func (s *Service) cachedTarball(ctx context.Context, outer string) (io.ReadCloser, int64, bool, error) {
	body, size, err := s.Blobs.Open(ctx, outer)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, cacheError(err)
	}
	s.Stats.Hits.Add(1)
	return body, size, true, nil
}

// fetchTarball streams name-version from the upstream into the blob store,
// verifying its size and outer checksum on the way (a mismatch stores
// nothing), then records it.
func (s *Service) fetchTarball(ctx context.Context, u Upstream, name, version, outer string) error {
	fail := func(cause error) error {
		s.Stats.UpstreamErrors.Add(1)
		s.log().WarnContext(ctx, "mirror upstream tarball error", "upstream", u.Name, "package", name, "version", version, "err", cause)
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, u.Name, cause)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.URL+"/tarballs/"+name+"-"+url.PathEscape(version)+".tar", nil)
	if err != nil {
		return err
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("GET tarball %s-%s: status %d", name, version, resp.StatusCode))
	}
	ref, checkErr, storeErr := blob.PutChecked(ctx, s.Blobs, resp.Body, func(r io.Reader) error {
		h := sha256.New()
		n, err := io.Copy(h, io.LimitReader(r, MaxTarball+1))
		switch {
		case err != nil:
			return err
		case n > MaxTarball:
			return fmt.Errorf("tarball %s-%s exceeds %d bytes", name, version, MaxTarball)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != outer {
			return fmt.Errorf("tarball %s-%s has checksum %s, the signed payload says %s", name, version, got, outer)
		}
		return nil
	})
	if checkErr != nil {
		return fail(checkErr)
	}
	if storeErr != nil {
		return cacheError(storeErr)
	}
	s.Stats.Misses.Add(1)
	err = s.DB.MirroredTarball.Create().
		SetUpstream(u.Name).SetName(name).SetVersion(version).SetBlobKey(ref.Key).SetSize(ref.Size).SetStoredAt(s.now()).
		OnConflictColumns(mirroredtarball.FieldUpstream, mirroredtarball.FieldName, mirroredtarball.FieldVersion).
		UpdateNewValues().
		Exec(ctx)
	if err != nil {
		return cacheError(err)
	}
	return nil
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

// NameGuard is Guard as the registry's publish hook, or nil when
// mirroring is off (so publishing asks nothing).
func (s *Service) NameGuard() func(ctx context.Context, name string) error {
	if !s.Enabled() {
		return nil
	}
	return s.Guard
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

// Cached is every package the cache holds a verified payload of, by name,
// each from the first upstream that has it (as Package resolves a name),
// with when it was fetched. Repository in each is the upstream's name.
func (s *Service) Cached(ctx context.Context) ([]CachedPackage, error) {
	if !s.Enabled() {
		return nil, nil
	}
	var out []CachedPackage
	err := s.eachCached(ctx, []predicate.MirroredPackage{}, func(u Upstream, row *ent.MirroredPackage) bool {
		p, err := hexrepo.DecodePackageSigned(row.Payload, u.Key, u.Name, row.Name)
		if err != nil {
			return false // damaged: Package refetches it on the next request
		}
		out = append(out, CachedPackage{Package: p, FetchedAt: row.FetchedAt})
		return true
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b CachedPackage) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// eachCached calls take for every cached row matching where (not missing,
// a valid name the upstream is allowed to serve), upstream by upstream in
// their configured order, as Package resolves a name; once take accepts a
// name (returns true), later upstreams' rows of it are passed over.
func (s *Service) eachCached(ctx context.Context, where []predicate.MirroredPackage, take func(Upstream, *ent.MirroredPackage) bool) error {
	seen := map[string]bool{}
	for _, u := range s.Upstreams {
		rows, err := s.DB.MirroredPackage.Query().
			Where(append([]predicate.MirroredPackage{mirroredpackage.Upstream(u.Name), mirroredpackage.Missing(false)}, where...)...).
			Select(mirroredpackage.FieldName, mirroredpackage.FieldPayload, mirroredpackage.FieldFetchedAt).
			All(ctx)
		if err != nil {
			return cacheError(err)
		}
		for _, row := range rows {
			if seen[row.Name] || !validName(row.Name) || !u.allows(row.Name) {
				continue
			}
			if take(u, row) {
				seen[row.Name] = true
			}
		}
	}
	return nil
}

// CachedPackage is one entry of Cached.
type CachedPackage struct {
	Package
	FetchedAt time.Time
}
