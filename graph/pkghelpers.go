package graph

import (
	"context"
	"slices"
	"strconv"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/readcache"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/urls"
)

func (r *Resolver) packageOf(ctx context.Context, rel *ent.Release) (*ent.Pkg, error) {
	if rel.Edges.Package != nil {
		return rel.Edges.Package, nil
	}
	return r.loaders(ctx).pkg.pkgs.Load(ctx, rel.PackageID)
}

func (r *Resolver) releasePackageName(ctx context.Context, rel *ent.Release) (string, error) {
	p, err := r.packageOf(ctx, rel)
	if err != nil || p == nil {
		return "", err
	}
	return p.Name, nil
}

func (r *Resolver) revertableUntil(ctx context.Context, rel *ent.Release) (*time.Time, error) {
	p, err := r.packageOf(ctx, rel)
	if err != nil || p == nil {
		return nil, err
	}
	until := r.Registry.RevertableUntil(rel, p)
	if until != nil {
		readcache.NotAfter(ctx, *until) // the answer changes when the window closes
	}
	return until, nil
}

// repoName is the name of a package's repository in URLs: "" for the
// public one.
func (r *Resolver) repoName(ctx context.Context, p *ent.Pkg) (string, error) {
	if p.PrivateOrgID == nil {
		return "", nil
	}
	repo, err := r.loaders(ctx).pkg.repos.Load(ctx, p.RepositoryID)
	if err != nil || repo == nil {
		return "", err
	}
	return repo.Name, nil
}

func (r *Resolver) tarballURL(ctx context.Context, rel *ent.Release) (string, error) {
	p, err := r.packageOf(ctx, rel)
	if err != nil || p == nil {
		return "", err
	}
	repo, err := r.repoName(ctx, p)
	if err != nil {
		return "", err
	}
	return urls.Site{Base: r.PublicURL}.Tarball(repo, p.Name, rel.Version), nil
}

func (r *Resolver) docsURL(ctx context.Context, rel *ent.Release) (*string, error) {
	if rel.DocsBlobKey == nil {
		return nil, nil
	}
	p, err := r.packageOf(ctx, rel)
	if err != nil || p == nil {
		return nil, err
	}
	repo, err := r.repoName(ctx, p)
	if err != nil {
		return nil, err
	}
	u := urls.Site{Base: r.PublicURL}.DocsSite(repo, p.Name, rel.Version)
	return &u, nil
}

// packages serves Query.packages from registry.Search. Its cursors are
// opaque offsets (relevance ranking has no stable keyset); they travel in
// the Cursor scalar's value.
func (r *Resolver) packages(ctx context.Context, search, repository *string, where *ent.PackageWhereInput, orderBy *ent.PackageOrder,
	first *int, after *entgql.Cursor[int], last *int, before *entgql.Cursor[int]) (*ent.PackageConnection, error) {
	if last != nil || before != nil {
		return nil, apperr.Invalid("last", "packages are paged forwards only: use first and after")
	}
	in := registry.SearchInput{Term: deref(search), Repository: deref(repository), First: deref(pageSize(first)),
		Count: fieldRequested(ctx, "totalCount")}
	if after != nil {
		in.After, _ = after.Value.(string)
		if in.After == "" {
			in.After = strconv.Itoa(after.ID)
		}
	}
	if orderBy != nil && orderBy.Field != nil {
		in.OrderBy = &registry.Order{Field: registry.OrderField(orderBy.Field.String()), Desc: orderBy.Direction == entgql.OrderDirectionDesc}
	}
	if where != nil {
		p, err := where.P()
		if err != nil {
			return nil, err
		}
		in.Where = p
	}
	latestCols, latestKey, foldLatest := searchLatestSelection(ctx)
	if foldLatest {
		in.Latest = latestCols
	}
	if in.Term != "" {
		in.Columns = searchNodeColumns(ctx)
	}
	res, err := r.Registry.Search(ctx, in)
	if err != nil {
		return nil, err
	}
	r.primePackages(ctx, res.Packages)
	if res.Latest != nil {
		r.setLatest(ctx, latestCols, latestKey, res.Latest)
	}
	conn := &ent.PackageConnection{TotalCount: res.Total, PageInfo: entgql.PageInfo[int]{HasNextPage: res.HasNext, HasPreviousPage: in.After != ""}}
	for i, p := range res.Packages {
		c := entgql.Cursor[int]{ID: p.ID, Value: res.Cursors[i]}
		conn.Edges = append(conn.Edges, &ent.PackageEdge{Node: p, Cursor: c})
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	if res.Suggestion != "" {
		l := r.loaders(ctx)
		l.mu.Lock()
		if l.suggestions == nil {
			l.suggestions = map[*ent.PackageConnection]string{}
		}
		l.suggestions[conn] = res.Suggestion
		l.mu.Unlock()
	}
	return conn, nil
}

// suggestion is the "did you mean" term registry.Search gave for conn
// (nil when none, and for package lists that are no search).
func (r *Resolver) suggestion(ctx context.Context, conn *ent.PackageConnection) *string {
	l := r.loaders(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.suggestions[conn]; ok {
		return &s
	}
	return nil
}

// fieldRequested reports whether the current field's selection asks for
// name (so costly parts of an answer are computed only when wanted).
func fieldRequested(ctx context.Context, name string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// searchLatestSelection is the release columns (and their key, see
// releaseColumns) of the latestRelease fields under the list's
// edges.node, when every such field needs the same columns and no
// retirement: the search can then read the latest releases with its page.
// ok is false when no latestRelease is asked for, or when they differ.
func searchLatestSelection(ctx context.Context) (cols []string, key string, ok bool) {
	oc := graphql.GetOperationContext(ctx)
	found, same := false, true
	eachNodeField(ctx, func(lr graphql.CollectedField) bool {
		if lr.Name != "latestRelease" {
			return true
		}
		fields := graphql.CollectFields(oc, lr.Selections, nil)
		c, k := columnsOf(fields)
		if slices.ContainsFunc(fields, func(f graphql.CollectedField) bool { return f.Name == "retirement" }) ||
			found && k != key {
			same = false
		}
		cols, key, found = c, k, true
		return true
	})
	return cols, key, found && same
}

// eachNodeField calls fn with every field selected on a package list's
// edges.node (through fragments too), until fn returns false.
func eachNodeField(ctx context.Context, fn func(graphql.CollectedField) bool) {
	oc := graphql.GetOperationContext(ctx)
	for _, edges := range graphql.CollectFieldsCtx(ctx, []string{"PackageConnection"}) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(oc, edges.Selections, []string{"PackageEdge"}) {
			if node.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(oc, node.Selections, []string{"Package", "Node"}) {
				if !fn(f) {
					return
				}
			}
		}
	}
}

// packageFieldColumns are the package columns a Package field reads
// beyond the id, name, privacy and repository columns every search page
// reads; nodeFieldsOnCore are the fields (resolved by loaders keyed by
// the package id, or from those columns) that need none. Any other field
// reads every column.
var (
	packageFieldColumns = map[string]string{
		"createdAt": pkg.FieldCreatedAt, "updatedAt": pkg.FieldUpdatedAt, "description": pkg.FieldDescription,
		"latestVersion": pkg.FieldLatestVersion, "downloads": pkg.FieldDownloads, "firstPublishedAt": pkg.FieldFirstPublishedAt,
	}
	nodeFieldsOnCore = []string{
		"__typename", "id", "name", "latestRelease", "versions", "repositoryName", "private", "owners", "dependents",
		"downloadStats", "downloadsByDay",
	}
)

// searchNodeColumns is the package columns the list's edges.node
// selections need (nil: every column).
func searchNodeColumns(ctx context.Context) []string {
	cols, all := []string{}, false
	eachNodeField(ctx, func(f graphql.CollectedField) bool {
		if c, ok := packageFieldColumns[f.Name]; ok {
			if !slices.Contains(cols, c) {
				cols = append(cols, c)
			}
			return true
		}
		all = !slices.Contains(nodeFieldsOnCore, f.Name)
		return !all
	})
	if all {
		return nil
	}
	return cols
}
