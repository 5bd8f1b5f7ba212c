package registry

import (
	"context"
	"fmt"

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
	"github.com/depot-registry/depot/ent/schema"
	"github.com/depot-registry/depot/ent/user"
)

// The package read model: packages, releases, owners, retirements and
// requirements read by id in batches, for the fronts' per-request loaders
// (graph/loader gathers a request's keys; each function here reads one
// batch in a fixed number of statements, whatever its size). Reads run as
// the context's viewer: Ent's privacy rules filter what it may not see.

// PackagesByID reads packages by id.
func (s *Service) PackagesByID(ctx context.Context, ids []int) (map[int]*ent.Pkg, error) {
	ps, err := s.DB.Pkg.Query().Where(pkg.IDIn(ids...)).All(ctx)
	return byID(ps, func(x *ent.Pkg) int { return x.ID }), err
}

// RepositoriesByID reads repositories by id.
func (s *Service) RepositoriesByID(ctx context.Context, ids []int) (map[int]*ent.Repository, error) {
	rs, err := s.DB.Repository.Query().Where(repository.IDIn(ids...)).All(ctx)
	return byID(rs, func(x *ent.Repository) int { return x.ID }), err
}

// ReleasesByID reads releases by id.
func (s *Service) ReleasesByID(ctx context.Context, ids []int) (map[int]*ent.Release, error) {
	rs, err := s.DB.Release.Query().Where(release.IDIn(ids...)).All(ctx)
	return byID(rs, func(x *ent.Release) int { return x.ID }), err
}

// RetirementsOf reads the retirements of releases, by release id (a
// release that is not retired has none).
func (s *Service) RetirementsOf(ctx context.Context, releaseIDs []int) (map[int]*ent.Retirement, error) {
	rs, err := s.DB.Retirement.Query().Where(retirement.ReleaseIDIn(releaseIDs...)).All(ctx)
	return byID(rs, func(x *ent.Retirement) int { return x.ReleaseID }), err
}

// RequirementsOf reads the requirements of releases by release id, each
// release's by name.
func (s *Service) RequirementsOf(ctx context.Context, releaseIDs []int) (map[int][]*ent.Requirement, error) {
	rs, err := s.DB.Requirement.Query().Where(requirement.ReleaseIDIn(releaseIDs...)).Order(ent.Asc(requirement.FieldName)).All(ctx)
	return groupBy(rs, func(x *ent.Requirement) int { return x.ReleaseID }), err
}

// UsersByID reads the users that publish and own packages, by id.
func (s *Service) UsersByID(ctx context.Context, ids []int) (map[int]*ent.User, error) {
	us, err := s.DB.User.Query().Where(user.IDIn(ids...)).All(ctx)
	return byID(us, func(x *ent.User) int { return x.ID }), err
}

// APIKeysByID reads the API keys releases were published with, by id.
func (s *Service) APIKeysByID(ctx context.Context, ids []int) (map[int]*ent.APIKey, error) {
	ks, err := s.DB.APIKey.Query().Where(apikey.IDIn(ids...)).All(ctx)
	return byID(ks, func(x *ent.APIKey) int { return x.ID }), err
}

// OwnersOf reads the owners of packages, with their accounts, by package
// id: three statements sent at once — the owner rows, and the users and
// organizations owning any of the packages — where Ent's eager loading
// would send them one after another, so a package page waits one round
// trip here, not three.
func (s *Service) OwnersOf(ctx context.Context, pkgIDs []int) (map[int][]*ent.PackageOwner, error) {
	var (
		owners []*ent.PackageOwner
		users  []*ent.User
		orgs   []*ent.Organization
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		owners, err = s.DB.PackageOwner.Query().Where(packageowner.PackageIDIn(pkgIDs...)).Order(ent.Asc(packageowner.FieldID)).All(gctx)
		return err
	})
	g.Go(func() (err error) {
		users, err = s.DB.User.Query().Where(ownerIn(user.FieldID, packageowner.FieldUserID, packageowner.FieldPackageID, pkgIDs...)).All(gctx)
		return err
	})
	g.Go(func() (err error) {
		orgs, err = s.DB.Organization.Query().Where(ownerIn(organization.FieldID, packageowner.FieldOrganizationID, packageowner.FieldPackageID, pkgIDs...)).All(gctx)
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

// UserPackages is the query of the packages userID owns (the viewer's
// privacy rules apply when it runs), for a front to order and page.
func (s *Service) UserPackages(userID int) *ent.PkgQuery {
	return s.DB.Pkg.Query().Where(ownerIn(pkg.FieldID, packageowner.FieldPackageID, packageowner.FieldUserID, userID))
}

// OrganizationPackages is the query of the packages orgID owns.
func (s *Service) OrganizationPackages(orgID int) *ent.PkgQuery {
	return s.DB.Pkg.Query().Where(ownerIn(pkg.FieldID, packageowner.FieldPackageID, packageowner.FieldOrganizationID, orgID))
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

// ReleasePage asks ReleasePages for the same page of releases of many
// packages.
type ReleasePage struct {
	// N is the page size per package: its N highest releases by SemVer
	// precedence.
	N int
	// Latest asks for each package's latest release (latestOrder) instead;
	// N is then 1.
	Latest bool
	// Columns are the release columns to read; nil reads all.
	Columns []string
	// WithRetirements also reads the retirements of the page's releases, at
	// the same time (by the same page query): one round trip, not two.
	WithRetirements bool
}

// ReleasePages reads a page of releases for each package in one statement
// (the page size applies per package, which an eager-loaded edge with a
// limit would apply to the whole result), each package's newest first, and
// with p.WithRetirements the retirements of those releases by release id.
func (s *Service) ReleasePages(ctx context.Context, pkgIDs []int, p ReleasePage) (map[int][]*ent.Release, map[int]*ent.Retirement, error) {
	if len(pkgIDs) == 0 {
		return nil, nil, nil
	}
	n, order := p.N, newestOrder
	if p.Latest {
		n, order = 1, latestOrder
	}
	if n < 1 {
		return nil, nil, fmt.Errorf("release pages: page size %d", n)
	}
	var (
		rels []*ent.Release
		rets []*ent.Retirement
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		q := s.DB.Release.Query().Where(inPage(release.FieldID, pkgIDs, n, order)).Order(newestOrder.ent()...)
		if p.Columns != nil {
			rels, err = q.Select(p.Columns...).All(gctx)
		} else {
			rels, err = q.All(gctx)
		}
		return err
	})
	if p.WithRetirements {
		g.Go(func() (err error) {
			rets, err = s.DB.Retirement.Query().Where(inPage(retirement.FieldReleaseID, pkgIDs, n, order)).All(gctx)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, fmt.Errorf("release pages: %w", err)
	}
	var retired map[int]*ent.Retirement
	if p.WithRetirements {
		retired = byID(rets, func(x *ent.Retirement) int { return x.ReleaseID })
	}
	return groupBy(rels, func(x *ent.Release) int { return x.PackageID }), retired, nil
}

// LatestReleases is the latest rule for many packages in one statement:
// each package's latest release, by package id (absent when it has none
// visible).
func (s *Service) LatestReleases(ctx context.Context, pkgIDs []int) (map[int]*ent.Release, error) {
	pages, _, err := s.ReleasePages(ctx, pkgIDs, ReleasePage{Latest: true})
	if err != nil {
		return nil, err
	}
	latest := make(map[int]*ent.Release, len(pages))
	for id, rels := range pages {
		latest[id] = rels[0]
	}
	return latest, nil
}

// inPage is the predicate "col IN (ids of the first n releases of each of
// pkgIDs in order)". PostgreSQL walks the (package_id, version_key) index
// once per package with LATERAL ... LIMIT; SQLite has no LATERAL and
// numbers the rows.
func inPage(col string, pkgIDs []int, n int, order releaseOrder) func(*sql.Selector) {
	return func(s *sql.Selector) {
		var page string
		if s.Dialect() == dialect.Postgres {
			page = fmt.Sprintf("SELECT l.id FROM %s p CROSS JOIN LATERAL (SELECT id FROM %s WHERE package_id = p.id ORDER BY %s LIMIT %d) l WHERE p.id IN (",
				pkg.Table, release.Table, order.sql(), n)
		} else {
			page = fmt.Sprintf("SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY package_id ORDER BY %s) AS rn FROM %s WHERE package_id IN (",
				order.sql(), release.Table)
		}
		s.Where(sql.P(func(b *sql.Builder) {
			b.Ident(s.C(col)).WriteString(" IN (").WriteString(page)
			for i, id := range pkgIDs {
				if i > 0 {
					b.WriteString(",")
				}
				b.Arg(id)
			}
			b.WriteString(")")
			if s.Dialect() != dialect.Postgres {
				b.WriteString(fmt.Sprintf(") ranked WHERE rn <= %d", n))
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

// DependentsOf reads the dependents of packages by package id: for each,
// the packages other than itself with a release that depends on it, by
// name, at most limit of them (limit <= 0: up to 500), visible to the
// viewer. One statement for the whole batch: the viewer's privacy applies
// before each package's dependents are ranked, so hidden ones never take a
// place in the page.
func (s *Service) DependentsOf(ctx context.Context, pkgIDs []int, limit int) (map[int][]*ent.Pkg, error) {
	if len(pkgIDs) == 0 {
		return map[int][]*ent.Pkg{}, nil
	}
	const depCol = "dependency_of"
	q := s.DB.Pkg.Query()
	q.Modify(func(sel *sql.Selector) {
		page := dependentsPage(sql.Dialect(sel.Dialect()), pkgIDs, clampLimit(limit), schema.PrivateRows(ctx))
		sel.Join(page).On(sel.C(pkg.FieldID), page.C("pid")).
			AppendSelectAs(page.C("dep"), depCol).
			OrderBy(sel.C(pkg.FieldName), sel.C(pkg.FieldID))
	})
	ps, err := q.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list dependents: %w", err)
	}
	out := make(map[int][]*ent.Pkg, len(pkgIDs))
	for _, p := range ps {
		v, err := p.Value(depCol)
		if err != nil {
			return nil, fmt.Errorf("list dependents: %w", err)
		}
		dep, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("list dependents: %s is %T", depCol, v)
		}
		out[int(dep)] = append(out[int(dep)], p)
	}
	return out, nil
}

// dependentsPage is the table (dep, pid) of the first n dependents pid of
// each package dep of pkgIDs, by name then id, among the packages private
// lets through (nil: all). A package with several releases depending on
// dep is one dependent.
func dependentsPage(d *sql.DialectBuilder, pkgIDs []int, n int, private func(*sql.Selector)) *sql.Selector {
	req := sql.Table(requirement.Table).As("dep_req")
	rel := sql.Table(release.Table).As("dep_rel")
	pairs := d.Select(sql.As(req.C(requirement.FieldDependencyID), "dep"), sql.As(rel.C(release.FieldPackageID), "pid")).
		Distinct().
		From(req).
		Join(rel).On(rel.C(release.FieldID), req.C(requirement.FieldReleaseID)).
		Where(sql.And(
			sql.InInts(req.C(requirement.FieldDependencyID), pkgIDs...),
			sql.ColumnsNEQ(rel.C(release.FieldPackageID), req.C(requirement.FieldDependencyID)),
		)).
		As("dep_pairs")
	dependent := sql.Table(pkg.Table).As("dependent")
	ranked := d.Select(pairs.C("dep"), pairs.C("pid")).
		AppendSelectExprAs(sql.RowNumber().PartitionBy(pairs.C("dep")).OrderBy(dependent.C(pkg.FieldName), dependent.C(pkg.FieldID)), "rn").
		From(dependent).
		Join(pairs).On(dependent.C(pkg.FieldID), pairs.C("pid"))
	if private != nil {
		private(ranked)
	}
	ranked.As("dep_ranked")
	return d.Select(ranked.C("dep"), ranked.C("pid")).From(ranked).Where(sql.LTE(ranked.C("rn"), n)).As("dep_page")
}
