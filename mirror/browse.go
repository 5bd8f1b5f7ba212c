package mirror

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/mirroredpackage"
	"github.com/depot-registry/depot/ent/mirroredtarball"
	"github.com/depot-registry/depot/ent/predicate"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/semver"
)

// This file is the read side of the cache for people (GraphQL and the web
// app): what is cached, as it is served. It reads the cache only and never
// asks an upstream, so browsing costs upstreams nothing and answers the
// same when they are down. A mirrored package is not a local package: the
// registry payload carries no owners, descriptions, docs or downloads, so
// it is a Listing of its own.

// Listing is one cached mirrored package as Depot serves it: the releases
// a client can fetch (those with an outer checksum), newest first.
type Listing struct {
	Name string
	// Upstream is the configured upstream's name (its repository name).
	Upstream string
	// RepositoryURL is the upstream's repository URL when it is safe to
	// show (no user info, query or fragment); nil otherwise.
	RepositoryURL *string
	// Versions are newest first by SemVer precedence, as Package.versions.
	Versions []Release
	// LatestVersion is the registry's one latest rule over Versions.
	LatestVersion string
	// CachedAt is when the upstream last confirmed the cached payload.
	CachedAt time.Time
}

// Release is one mirrored release.
type Release struct {
	Version string
	// Retired is nil for a release in good standing (carried from upstream).
	Retired *hexrepo.Retirement
	// OuterChecksum is the SHA-256 of the tarball (hex), from the signed
	// payload.
	OuterChecksum string
	// TarballCached says the tarball is in the cache already.
	TarballCached bool
}

// LocalNames reports which of names the local public repository holds. A
// local package always wins over a mirrored one, so those are not listed.
type LocalNames func(ctx context.Context, names []string) (map[string]bool, error)

// SearchCursor is a position in a search's order: after the entry of this
// rank and name.
type SearchCursor struct {
	Rank int
	Name string
}

// SearchQuery asks the cache for packages whose name matches Term.
type SearchQuery struct {
	// Term is matched against names: exact first, then prefix, then
	// substring, ties by name. Empty lists every cached package by name.
	Term string
	// After is the cursor of the last entry of the previous page.
	After *SearchCursor
	// First is the page size (default 20, at most 100).
	First int
	Local LocalNames
}

// SearchPage is one page of Search.
type SearchPage struct {
	Packages []Listing
	// Cursors[i] is the cursor of Packages[i].
	Cursors []SearchCursor
	// Total counts every match, on every page.
	Total   int
	HasNext bool
}

// Rank of a name for a search term: exact, prefix, substring.
func rank(name, term string) int {
	switch {
	case term == "" || name == term:
		return 0
	case strings.HasPrefix(name, term):
		return 1
	default:
		return 2
	}
}

// Search lists the cached, verified, not-missing packages whose name
// matches q.Term, minus those a local package shadows.
func (s *Service) Search(ctx context.Context, q SearchQuery) (SearchPage, error) {
	page := SearchPage{Packages: []Listing{}}
	if !s.Enabled() {
		return page, nil
	}
	term := strings.ToLower(strings.TrimSpace(q.Term))
	var where []predicate.MirroredPackage
	if term != "" {
		where = append(where, mirroredpackage.NameContains(term))
	}
	all, err := s.listings(ctx, q.Local, where...)
	if err != nil {
		return page, err
	}
	type hit struct {
		l Listing
		c SearchCursor
	}
	var hits []hit
	for _, l := range all {
		if strings.Contains(l.Name, term) {
			hits = append(hits, hit{l, SearchCursor{rank(l.Name, term), l.Name}})
		}
	}
	order := func(a, b SearchCursor) int {
		return cmp.Or(cmp.Compare(a.Rank, b.Rank), strings.Compare(a.Name, b.Name))
	}
	slices.SortFunc(hits, func(a, b hit) int { return order(a.c, b.c) })
	page.Total = len(hits)
	n := q.First
	if n <= 0 {
		n = 20
	}
	n = min(n, 100)
	start := 0
	if q.After != nil {
		start, _ = slices.BinarySearchFunc(hits, *q.After, func(h hit, c SearchCursor) int {
			if order(h.c, c) <= 0 {
				return -1
			}
			return 1
		})
	}
	rest := hits[start:]
	if len(rest) > n {
		rest, page.HasNext = rest[:n], true
	}
	for _, h := range rest {
		page.Packages = append(page.Packages, h.l)
		page.Cursors = append(page.Cursors, h.c)
	}
	if err := s.markTarballs(ctx, page.Packages); err != nil {
		return page, err
	}
	return page, nil
}

// Find is the cached listing of name, nil when the cache holds no verified
// payload of it (or a local package shadows it).
func (s *Service) Find(ctx context.Context, name string, local LocalNames) (*Listing, error) {
	if !s.Enabled() || !validName(name) {
		return nil, nil
	}
	ls, err := s.listings(ctx, local, mirroredpackage.Name(name))
	if err != nil || len(ls) == 0 {
		return nil, err
	}
	if err := s.markTarballs(ctx, ls); err != nil {
		return nil, err
	}
	return &ls[0], nil
}

// listings reads the cached rows matching where, first upstream first (as
// Package resolves a name), keeping only those that verify with their
// upstream's key and have a servable release, by name.
func (s *Service) listings(ctx context.Context, local LocalNames, where ...predicate.MirroredPackage) ([]Listing, error) {
	var out []Listing
	err := s.eachCached(ctx, where, func(u Upstream, row *ent.MirroredPackage) bool {
		l, ok := s.browsed.get(u, row)
		if ok {
			out = append(out, l)
		}
		return ok
	})
	if err != nil {
		return nil, err
	}
	if local != nil && len(out) > 0 {
		names := make([]string, len(out))
		for i, l := range out {
			names[i] = l.Name
		}
		shadowed, err := local(ctx, names)
		if err != nil {
			return nil, err
		}
		out = slices.DeleteFunc(out, func(l Listing) bool { return shadowed[l.Name] })
	}
	slices.SortFunc(out, func(a, b Listing) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// listing is p as served: releases with an outer checksum and a SemVer
// version (others cannot be fetched or ordered), newest first.
func listing(u Upstream, p hexrepo.Package) (Listing, bool) {
	byVersion := map[string]hexrepo.Release{}
	var vs []semver.Version
	for _, r := range p.Releases {
		v, err := semver.Parse(r.Version)
		if err != nil || len(r.OuterChecksum) == 0 {
			continue
		}
		if _, dup := byVersion[v.String()]; !dup {
			vs = append(vs, v)
		}
		byVersion[v.String()] = r
	}
	latest, ok := registry.LatestVersion(vs)
	if !ok {
		return Listing{}, false
	}
	registry.SortNewest(vs)
	l := Listing{Name: p.Name, Upstream: u.Name, RepositoryURL: u.PublicURL(), LatestVersion: latest.String()}
	for _, v := range vs {
		r := byVersion[v.String()]
		l.Versions = append(l.Versions, Release{Version: r.Version, Retired: r.Retired, OuterChecksum: hex.EncodeToString(r.OuterChecksum)})
	}
	return l, true
}

// markTarballs fills TarballCached of ls's releases in one query.
func (s *Service) markTarballs(ctx context.Context, ls []Listing) error {
	if len(ls) == 0 {
		return nil
	}
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	rows, err := s.DB.MirroredTarball.Query().
		Where(mirroredtarball.NameIn(names...)).
		Select(mirroredtarball.FieldUpstream, mirroredtarball.FieldName, mirroredtarball.FieldVersion).
		All(ctx)
	if err != nil {
		return cacheError(err)
	}
	have := map[[3]string]bool{}
	for _, r := range rows {
		have[[3]string{r.Upstream, r.Name, r.Version}] = true
	}
	for i := range ls {
		for j := range ls[i].Versions {
			ls[i].Versions[j].TarballCached = have[[3]string{ls[i].Upstream, ls[i].Name, ls[i].Versions[j].Version}]
		}
	}
	return nil
}

// listingMemo remembers the listing of each verified payload by the
// digest of upstream, name and payload bytes, so that browsing does not
// check an RSA signature per row per search (most of its cost): a payload
// that changed in any byte is verified afresh, one that does not verify is
// never remembered. It holds at most maxMemo entries and starts over when
// full.
type listingMemo struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]Listing
}

const maxMemo = 20000

// get is row's listing as served, ok false when the row does not verify
// with u's key or has no servable release.
func (m *listingMemo) get(u Upstream, row *ent.MirroredPackage) (Listing, bool) {
	h := sha256.New()
	h.Write([]byte(u.Name + "\x00" + row.Name + "\x00"))
	h.Write(row.Payload)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	m.mu.Lock()
	l, ok := m.m[k]
	m.mu.Unlock()
	if !ok {
		p, err := hexrepo.DecodePackageSigned(row.Payload, u.Key, u.Name, row.Name)
		if err != nil {
			return Listing{}, false // damaged: never shown; Package refetches it when asked
		}
		if l, ok = listing(u, p); !ok {
			return Listing{}, false
		}
		m.mu.Lock()
		if m.m == nil || len(m.m) >= maxMemo {
			m.m = map[[sha256.Size]byte]Listing{}
		}
		m.m[k] = l
		m.mu.Unlock()
	}
	l.Versions = slices.Clone(l.Versions) // markTarballs writes into them
	l.CachedAt = row.FetchedAt
	return l, true
}

// PublicURL is the upstream's repository URL when showing it reveals
// nothing secret: an http(s) URL without user info, query or fragment
// (where credentials or tokens would sit). Nil otherwise.
func (u Upstream) PublicURL() *string {
	p, err := url.Parse(u.URL)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.User != nil || p.RawQuery != "" || p.Fragment != "" || p.Host == "" || strings.ContainsAny(u.URL, "?#@") {
		return nil
	}
	s := u.URL
	return &s
}
