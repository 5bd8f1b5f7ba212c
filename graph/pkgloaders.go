package graph

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"golang.org/x/sync/errgroup"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/apikey"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/repository"
	"github.com/depot-registry/depot/ent/requirement"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/graph/loader"
)

// pkgLoaders batch the per-package and per-release fields of package lists
// (shape "50 packages, each with its 10 latest releases" costs a fixed
// number of statements).
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
	// listed are the package ids of the lists resolved so far, primed into
	// each versions loader when it is made.
	listed []int
	// listedReleases are the release ids of the lists resolved so far, for
	// the download loaders.
	listedReleases []int
}

func (r *Resolver) newPkgLoaders() *pkgLoaders {
	db := r.DB
	return &pkgLoaders{
		pkgs: loader.New(func(ctx context.Context, ids []int) (map[int]*ent.Pkg, error) {
			ps, err := db.Pkg.Query().Where(pkg.IDIn(ids...)).All(ctx)
			return byID(ps, func(x *ent.Pkg) int { return x.ID }), err
		}, batchWait),
		repos: loader.New(func(ctx context.Context, ids []int) (map[int]*ent.Repository, error) {
			rs, err := db.Repository.Query().Where(repository.IDIn(ids...)).All(ctx)
			return byID(rs, func(x *ent.Repository) int { return x.ID }), err
		}, batchWait),
		owners: loader.New(func(ctx context.Context, ids []int) (map[int][]*ent.PackageOwner, error) {
			return packageOwners(ctx, db, ids)
		}, batchWait),
		retirements: loader.New(func(ctx context.Context, ids []int) (map[int]*ent.Retirement, error) {
			rs, err := db.Retirement.Query().Where(retirement.ReleaseIDIn(ids...)).All(ctx)
			return byID(rs, func(x *ent.Retirement) int { return x.ReleaseID }), err
		}, batchWait),
		requirements: loader.New(func(ctx context.Context, ids []int) (map[int][]*ent.Requirement, error) {
			rs, err := db.Requirement.Query().Where(requirement.ReleaseIDIn(ids...)).Order(ent.Asc(requirement.FieldName)).All(ctx)
			return groupBy(rs, func(x *ent.Requirement) int { return x.ReleaseID }), err
		}, batchWait),
		users: loader.New(func(ctx context.Context, ids []int) (map[int]*ent.User, error) {
			us, err := db.User.Query().Where(user.IDIn(ids...)).All(ctx)
			return byID(us, func(x *ent.User) int { return x.ID }), err
		}, batchWait),
		apiKeys: loader.New(func(ctx context.Context, ids []int) (map[int]*ent.APIKey, error) {
			ks, err := db.APIKey.Query().Where(apikey.IDIn(ids...)).All(ctx)
			return byID(ks, func(x *ent.APIKey) int { return x.ID }), err
		}, batchWait),
		releases: newReleasesLoader(db),
		versions: map[string]*loader.Loader[int, []*ent.Release]{},
	}
}

// packageOwners loads the owners of packages with their accounts in three
// statements sent at once — the owner rows, and the users and organizations
// owning any of the packages — where Ent's eager loading would send them
// one after another: a package page waits one round trip here, not three.
func packageOwners(ctx context.Context, db *ent.Client, ids []int) (map[int][]*ent.PackageOwner, error) {
	var (
		owners []*ent.PackageOwner
		users  []*ent.User
		orgs   []*ent.Organization
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		owners, err = db.PackageOwner.Query().Where(packageowner.PackageIDIn(ids...)).Order(ent.Asc(packageowner.FieldID)).All(gctx)
		return err
	})
	g.Go(func() (err error) {
		users, err = db.User.Query().Where(ownerIn(user.FieldID, packageowner.FieldUserID, packageowner.FieldPackageID, ids...)).All(gctx)
		return err
	})
	g.Go(func() (err error) {
		orgs, err = db.Organization.Query().Where(ownerIn(organization.FieldID, packageowner.FieldOrganizationID, packageowner.FieldPackageID, ids...)).All(gctx)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	userByID := byID(users, func(x *ent.User) int { return x.ID })
	orgByID := byID(orgs, func(x *ent.Organization) int { return x.ID })
	for _, o := range owners {
		if o.UserID != nil {
			o.Edges.User = userByID[*o.UserID]
		}
		if o.OrganizationID != nil {
			o.Edges.Organization = orgByID[*o.OrganizationID]
		}
	}
	return groupBy(owners, func(x *ent.PackageOwner) int { return x.PackageID }), nil
}

// ownerIn is the predicate "idCol IN (SELECT col FROM package_owners WHERE
// by IN (ids))", e.g. the users owning any of some packages, or the
// packages a user owns. Ent's HasXWith writes it as a correlated EXISTS,
// which SQLite runs as a scan of the outer table probing package_owners per
// row (10,000 probes for one user's dashboard); the IN form reads the few
// matching owner rows through their index first. PostgreSQL plans both as
// the same semi-join.
func ownerIn(idCol, col, by string, ids ...int) func(*sql.Selector) {
	return func(s *sql.Selector) {
		d := sql.Dialect(s.Dialect())
		t := d.Table(packageowner.Table)
		s.Where(sql.In(s.C(idCol), d.Select(t.C(col)).From(t).Where(sql.InInts(t.C(by), ids...))))
	}
}

// versionsLoader returns the loader for pages of n releases per package
// (latest: the one latest release, stable preferred), reading the columns
// the field's selection needs. When the selection asks for retirements,
// they are read at the same time as the page (by the same page query, see
// pageIDs) and handed to the retirements loader: a package page waits for
// one round trip here, not two.
func (r *Resolver) versionsLoader(ctx context.Context, n int, latest bool) *loader.Loader[int, []*ent.Release] {
	cols, colKey := releaseColumns(ctx)
	withRetirements := selects(ctx, "retirement")
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
		if len(ids) == 0 {
			return nil, nil
		}
		page, args := pageIDs(r.Dialect, ids, n, latest)
		var (
			rels []*ent.Release
			rets []*ent.Retirement
		)
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() (err error) {
			q := r.DB.Release.Query().Where(inPage(release.FieldID, page, args)).Order(ent.Desc(release.FieldVersionKey))
			rels, err = q.Select(cols...).All(gctx)
			return err
		})
		if withRetirements {
			g.Go(func() (err error) {
				rets, err = r.DB.Retirement.Query().Where(inPage(retirement.FieldReleaseID, page, args)).All(gctx)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		if withRetirements {
			relIDs := make([]int, len(rels))
			for i, rel := range rels {
				relIDs[i] = rel.ID
			}
			l.pkg.retirements.Set(relIDs, byID(rets, func(x *ent.Retirement) int { return x.ReleaseID }))
		}
		r.primeReleases(ctx, rels)
		return groupBy(rels, func(x *ent.Release) int { return x.PackageID }), nil
	}, batchWait)
	v.Prime(l.pkg.listed...)
	l.pkg.versions[key] = v
	return v
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

// pageIDs is the SQL (with ? placeholders, and its arguments) selecting the
// ids of the n highest releases (SemVer precedence, via version_key) of each
// package, so a page of releases for many packages is one statement: the
// limit applies per package, not to the whole result (an eager-loaded edge
// with Limit would do the latter). With latest it prefers stable releases
// over pre-releases (the latest release is the highest stable one, else the
// highest pre-release).
func pageIDs(dialectName string, pkgIDs []int, n int, latest bool) (string, []any) {
	order := "version_key DESC"
	if latest {
		order = "prerelease ASC, version_key DESC"
	}
	args := make([]any, len(pkgIDs))
	ph := make([]string, len(pkgIDs))
	for i, id := range pkgIDs {
		args[i] = id
		ph[i] = "?"
	}
	// PostgreSQL walks the (package_id, version_key) index once per package
	// with LATERAL ... LIMIT; SQLite has no LATERAL and numbers the rows.
	if dialectName == dialect.Postgres {
		return fmt.Sprintf("SELECT l.id FROM packages p CROSS JOIN LATERAL (SELECT id FROM releases WHERE package_id = p.id ORDER BY %s LIMIT %d) l WHERE p.id IN (%s)",
			order, n, strings.Join(ph, ",")), args
	}
	return fmt.Sprintf("SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY package_id ORDER BY %s) AS rn FROM releases WHERE package_id IN (%s)) ranked WHERE rn <= %d",
		order, strings.Join(ph, ","), n), args
}

// inPage is the predicate "col IN (page)" for a pageIDs query, its ?
// placeholders rewritten to the dialect's.
func inPage(col, page string, args []any) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) {
			b.Ident(s.C(col)).WriteString(" IN (")
			parts := strings.Split(page, "?")
			for i, p := range parts {
				b.WriteString(p)
				if i < len(args) {
					b.Arg(args[i])
				}
			}
			b.WriteString(")")
		}))
	}
}

func byID[T any](xs []T, key func(T) int) map[int]T {
	m := make(map[int]T, len(xs))
	for _, x := range xs {
		m[key(x)] = x
	}
	return m
}

func groupBy[T any](xs []T, key func(T) int) map[int][]T {
	m := map[int][]T{}
	for _, x := range xs {
		m[key(x)] = append(m[key(x)], x)
	}
	return m
}
