package registry

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/predicate"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/semver"
	"github.com/depot-registry/depot/viewer"
)

// orderTerm is one column of a release ordering.
type orderTerm struct {
	col  string
	desc bool
}

// releaseOrder is an ordering of releases, written once and rendered as
// Ent order options (one package: Latest), as SQL (the per-package pages
// of inPage, many packages in one statement) and as a Go comparison
// (LatestVersion, for data outside the database), so they cannot drift
// apart.
type releaseOrder []orderTerm

var (
	// latestOrder is the one "latest" rule of Depot: stable releases before
	// pre-releases, each by SemVer precedence (version_key, see VersionKey)
	// highest first. The first release in this order is the latest — the
	// highest stable version, else the highest pre-release.
	latestOrder = releaseOrder{{release.FieldPrerelease, false}, {release.FieldVersionKey, true}}
	// newestOrder is SemVer precedence, highest first (version lists).
	newestOrder = releaseOrder{{release.FieldVersionKey, true}}
	// oldestOrder is SemVer precedence, lowest first: the order of a Hex
	// repository's version lists (repoindex.go).
	oldestOrder = releaseOrder{{release.FieldVersionKey, false}}
)

// ent is the ordering as Ent order options.
func (o releaseOrder) ent() []release.OrderOption {
	opts := make([]release.OrderOption, len(o))
	for i, t := range o {
		dir := sql.OrderAsc()
		if t.desc {
			dir = sql.OrderDesc()
		}
		opts[i] = sql.OrderByField(t.col, dir).ToFunc()
	}
	return opts
}

// sql is the ordering as an ORDER BY list of unqualified columns.
func (o releaseOrder) sql() string {
	parts := make([]string, len(o))
	for i, t := range o {
		parts[i] = t.col + " ASC"
		if t.desc {
			parts[i] = t.col + " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

// compare orders two versions as the database orders their releases.
func (o releaseOrder) compare(a, b semver.Version) int {
	for _, t := range o {
		var c int
		switch t.col {
		case release.FieldPrerelease:
			c = cmp.Compare(boolRank(a.IsPrerelease()), boolRank(b.IsPrerelease()))
		case release.FieldVersionKey:
			c = bytes.Compare(VersionKey(a), VersionKey(b))
		default:
			panic("releaseOrder: no Go comparison for column " + t.col)
		}
		if t.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// LatestVersion applies the latest rule to versions in memory (data built
// outside the database, such as bench's generated registry); ok is false
// when vs is empty.
func LatestVersion(vs []semver.Version) (latest semver.Version, ok bool) {
	for _, v := range vs {
		if !ok || latestOrder.compare(v, latest) < 0 {
			latest, ok = v, true
		}
	}
	return latest, ok
}

// SortNewest orders versions newest first by SemVer precedence, as
// Package.versions lists releases (newestOrder), for data outside the
// database such as a mirrored payload.
func SortNewest(vs []semver.Version) {
	slices.SortStableFunc(vs, newestOrder.compare)
}

// latestRelease is the latest release of a package (nil when it has none).
func latestRelease(ctx context.Context, c *ent.ReleaseClient, pkgID int) (*ent.Release, error) {
	return Latest(ctx, c, release.PackageID(pkgID))
}

// Latest applies the latest rule (latestOrder) to the releases matching
// where (a package's releases; those with docs, for /docs/PKG/). It returns
// nil when none matches. LatestReleases is the same rule for many packages
// at once.
func Latest(ctx context.Context, c *ent.ReleaseClient, where ...predicate.Release) (*ent.Release, error) {
	rel, err := c.Query().Where(where...).Order(latestOrder.ent()...).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest release: %w", err)
	}
	return rel, nil
}

// refreshPackage keeps the package's denormalized summary (latest version,
// its description, update time) true after its releases changed.
func refreshPackage(ctx context.Context, tx *ent.Tx, p *ent.Pkg, now time.Time) (*ent.Pkg, error) {
	sys := viewer.System(ctx)
	latest, err := latestRelease(sys, tx.Release, p.ID)
	if err != nil {
		return nil, err
	}
	u := tx.Pkg.UpdateOne(p).SetUpdatedAt(now)
	if latest != nil {
		u.SetLatestVersion(latest.Version).SetDescription(latest.Description)
	}
	updated, err := u.Save(sys)
	if err != nil {
		return nil, fmt.Errorf("update package %s: %w", p.Name, err)
	}
	return updated, nil
}

// HexLatest is a package's latest versions as hexpm's package view names
// them (PackageView "show", Release.latest_version): latest_version is the
// highest version, pre-releases included (newestOrder's first),
// latest_stable_version the highest stable one. Depot's own latest
// (latestOrder) is the stable one when there is one, else the highest —
// the release hexpm's dependency snippets name (Pick). Both are derived
// here so that every answer of the Hex API agrees.
type HexLatest struct {
	// Version is the highest version, pre-releases included.
	Version string
	// Stable is the highest stable version; "" when every release is a
	// pre-release.
	Stable string
}

// Pick is Depot's latest: Stable when there is one, else Version.
func (l HexLatest) Pick() string {
	if l.Stable != "" {
		return l.Stable
	}
	return l.Version
}

// HexLatestOf is HexLatest for packages, by package id, in one statement:
// each package's highest release (newestOrder), beside its stored latest
// (Pkg.LatestVersion, which refreshPackage keeps equal to latestOrder's
// first): that one is the highest stable release exactly when it is not a
// pre-release. A package without a visible release is absent.
func (s *Service) HexLatestOf(ctx context.Context, ps []*Package) (map[int]HexLatest, error) {
	ids := make([]int, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	pages, _, err := s.ReleasePages(ctx, ids, ReleasePage{N: 1, Columns: []string{release.FieldID, release.FieldPackageID, release.FieldVersion}})
	if err != nil {
		return nil, err
	}
	out := make(map[int]HexLatest, len(ps))
	for _, p := range ps {
		rels := pages[p.ID]
		if len(rels) == 0 {
			continue
		}
		l := HexLatest{Version: rels[0].Version}
		if v, err := semver.Parse(p.LatestVersion); err == nil && !v.IsPrerelease() {
			l.Stable = p.LatestVersion
		}
		out[p.ID] = l
	}
	return out, nil
}
