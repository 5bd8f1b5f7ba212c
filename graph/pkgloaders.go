package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/graph/loader"
	"github.com/depot-registry/depot/registry"
)

// pkgLoaders batch the per-package and per-release fields of package lists
// (shape "50 packages, each with its 10 latest releases" costs a fixed
// number of statements). They gather a request's keys; the reads
// themselves are the registry's read model (registry/readmodel.go).
type pkgLoaders struct {
	pkgs         *loader.Loader[int, *ent.Pkg]
	repos        *loader.Loader[int, *ent.Repository]
	owners       *loader.Loader[int, []*ent.PackageOwner]
	retirements  *loader.Loader[int, *ent.Retirement]
	requirements *loader.Loader[int, []*ent.Requirement]
	users        *loader.Loader[int, *ent.User]
	apiKeys      *loader.Loader[int, *ent.APIKey]
	releases     *loader.Loader[int, *ent.Release]
	// versions (and latest releases) are keyed by kind, page size and
	// column set: one batch per distinct `first` and selection.
	versions map[string]*loader.Loader[int, []*ent.Release]
	// versionsBySel remembers versionsLoader's answer by selection.
	versionsBySel map[versionsMemo]*loader.Loader[int, []*ent.Release]
	// dependents are keyed by page size: one batch per distinct `first`.
	dependents map[int]*loader.Loader[int, []*ent.Pkg]
	// listed are the package ids of the lists resolved so far, primed into
	// each versions loader when it is made.
	listed []int
	// listedReleases are the release ids of the lists resolved so far, for
	// the download loaders.
	listedReleases []int
}

func (r *Resolver) newPkgLoaders() *pkgLoaders {
	reg := r.Registry
	return &pkgLoaders{
		pkgs:          loader.New(reg.PackagesByID, batchWait),
		repos:         loader.New(reg.RepositoriesByID, batchWait),
		owners:        loader.New(reg.OwnersOf, batchWait),
		retirements:   loader.New(reg.RetirementsOf, batchWait),
		requirements:  loader.New(reg.RequirementsOf, batchWait),
		users:         loader.New(reg.UsersByID, batchWait),
		apiKeys:       loader.New(reg.APIKeysByID, batchWait),
		releases:      newReleasesLoader(reg),
		versions:      map[string]*loader.Loader[int, []*ent.Release]{},
		versionsBySel: map[versionsMemo]*loader.Loader[int, []*ent.Release]{},
		dependents:    map[int]*loader.Loader[int, []*ent.Pkg]{},
	}
}

// versionsLoader returns the loader for pages of n releases per package
// (latest: the registry's latest release), read by registry.ReleasePages
// with the columns the field's selection needs. When the selection asks
// for retirements, they are read in the same round trip and handed to the
// retirements loader.
//
// Each item of a list asks for it with the same selection: the loader is
// remembered by the selection (gqlgen collects a selection set's fields
// once per request, so equal selections share their slice), and the
// columns are worked out once per list, not once per item.
func (r *Resolver) versionsLoader(ctx context.Context, n int, latest bool) *loader.Loader[int, []*ent.Release] {
	var mk versionsMemo
	if fc := graphql.GetFieldContext(ctx); fc != nil && len(fc.Field.Selections) > 0 {
		mk = versionsMemo{sel: &fc.Field.Selections[0], len: len(fc.Field.Selections), n: n, latest: latest}
		l := r.loaders(ctx)
		l.mu.Lock()
		v, ok := l.pkg.versionsBySel[mk]
		l.mu.Unlock()
		if ok {
			return v
		}
	}
	cols, colKey := releaseColumns(ctx)
	v := r.versionsLoaderFor(ctx, n, latest, selects(ctx, "retirement"), cols, colKey)
	if mk.sel != nil {
		l := r.loaders(ctx)
		l.mu.Lock()
		l.pkg.versionsBySel[mk] = v
		l.mu.Unlock()
	}
	return v
}

// versionsMemo names a versions loader by the selection asking for it.
type versionsMemo struct {
	sel    *ast.Selection
	len, n int
	latest bool
}

// versionsLoaderFor is versionsLoader for a selection given by its parts
// (releaseColumns, whether it asks for retirements), so a list resolver can
// fill the loader its items' fields will use.
func (r *Resolver) versionsLoaderFor(ctx context.Context, n int, latest, withRetirements bool, cols []string, colKey string) *loader.Loader[int, []*ent.Release] {
	if latest {
		n = 1
	}
	key := fmt.Sprintf("%t:%d:%t:%s", latest, n, withRetirements, colKey)
	l := r.loaders(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.pkg.versions[key]; ok {
		return v
	}
	v := loader.New(func(ctx context.Context, ids []int) (map[int][]*ent.Release, error) {
		pages, rets, err := r.Registry.ReleasePages(ctx, ids, registry.ReleasePage{N: n, Latest: latest, Columns: cols, WithRetirements: withRetirements})
		if err != nil {
			return nil, err
		}
		var rels []*ent.Release
		for _, id := range ids {
			rels = append(rels, pages[id]...)
		}
		if withRetirements {
			relIDs := make([]int, len(rels))
			for i, rel := range rels {
				relIDs[i] = rel.ID
			}
			l.pkg.retirements.Set(relIDs, rets)
		}
		r.primeReleases(ctx, rels)
		return pages, nil
	}, batchWait)
	v.Prime(l.pkg.listed...)
	l.pkg.versions[key] = v
	return v
}

// dependentsLoader returns the loader for pages of n dependents per
// package, read by registry.DependentsOf; the dependents it reads are
// announced as a list, so their own fields batch too.
func (r *Resolver) dependentsLoader(ctx context.Context, n int) *loader.Loader[int, []*ent.Pkg] {
	l := r.loaders(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if d, ok := l.pkg.dependents[n]; ok {
		return d
	}
	d := loader.New(func(ctx context.Context, ids []int) (map[int][]*ent.Pkg, error) {
		pages, err := r.Registry.DependentsOf(ctx, ids, n)
		if err != nil {
			return nil, err
		}
		var ps []*ent.Pkg
		for _, id := range ids {
			ps = append(ps, pages[id]...)
		}
		r.primePackages(ctx, ps)
		return pages, nil
	}, batchWait)
	d.Prime(l.pkg.listed...)
	l.pkg.dependents[n] = d
	return d
}

// primePackages announces the packages of a list to the loaders their
// fields use (see package loader: this makes batching independent of
// timing).
func (r *Resolver) primePackages(ctx context.Context, ps []*ent.Pkg) {
	l := r.loaders(ctx)
	ids := make([]int, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.ID)
		l.pkg.repos.Prime(p.RepositoryID)
	}
	l.pkg.owners.Prime(ids...)
	l.pkg.pkgs.Prime(ids...)
	l.mu.Lock()
	l.pkg.listed = append(l.pkg.listed, ids...)
	for _, v := range l.pkg.versions {
		v.Prime(ids...)
	}
	for _, d := range l.pkg.dependents {
		d.Prime(ids...)
	}
	l.mu.Unlock()
}

// primeReleases announces releases to the loaders of release fields.
func (r *Resolver) primeReleases(ctx context.Context, rels []*ent.Release) {
	l := r.loaders(ctx)
	l.mu.Lock()
	for _, rel := range rels {
		l.pkg.listedReleases = append(l.pkg.listedReleases, rel.ID)
	}
	l.mu.Unlock()
	for _, rel := range rels {
		l.pkg.retirements.Prime(rel.ID)
		l.pkg.requirements.Prime(rel.ID)
		l.pkg.pkgs.Prime(rel.PackageID)
		if rel.PublisherID != nil {
			l.pkg.users.Prime(*rel.PublisherID)
		}
	}
}

// setLatest hands the latest releases a search read with its page
// (registry.SearchResult.Latest) to the loader of the page's latestRelease
// fields (columns cols, key colKey, no retirements): they are not read
// again.
func (r *Resolver) setLatest(ctx context.Context, cols []string, colKey string, latest map[int]*ent.Release) {
	v := r.versionsLoaderFor(ctx, 1, true, false, cols, colKey)
	ids := make([]int, 0, len(latest))
	vals := make(map[int][]*ent.Release, len(latest))
	var rels []*ent.Release
	for id, rel := range latest {
		ids = append(ids, id)
		if rel != nil {
			vals[id] = []*ent.Release{rel}
			rels = append(rels, rel)
		}
	}
	v.Set(ids, vals)
	r.primeReleases(ctx, rels)
}
