package graph

import (
	"context"
	"sync"
	"time"

	"entgo.io/contrib/entgql"

	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/graph/loader"
	"github.com/depot-registry/depot/org"
	"github.com/depot-registry/depot/viewer"
)

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// pageSize bounds `first` arguments: default 20, at most 100.
func pageSize(first *int) *int {
	n := 20
	if first != nil {
		n = min(max(*first, 0), 100)
	}
	return &n
}

// loaders are the per-request batch loaders (see package loader).
type loaders struct {
	members *loader.Loader[int, []*ent.Membership]
	userOrg *loader.Loader[int, []*ent.Membership]
	pkg     *pkgLoaders
	mu      sync.Mutex
	// downloads are the download stats and series loaders, by kind and range.
	downloads map[string]any
	// suggestions are the "did you mean" terms of the searches resolved
	// so far (PackageConnection.suggestion), guarded by mu.
	suggestions map[*ent.PackageConnection]string
}

type loadersKey struct{}

const batchWait = 2 * time.Millisecond

func (r *Resolver) newLoaders() *loaders {
	return &loaders{
		pkg: r.newPkgLoaders(),
		members: loader.New(func(ctx context.Context, orgIDs []int) (map[int][]*ent.Membership, error) {
			ms, err := r.DB.Membership.Query().Where(membership.OrganizationIDIn(orgIDs...)).
				WithUser().Order(ent.Asc(membership.FieldID)).All(ctx)
			out := map[int][]*ent.Membership{}
			for _, m := range ms {
				out[m.OrganizationID] = append(out[m.OrganizationID], m)
			}
			return out, err
		}, batchWait),
		userOrg: loader.New(func(ctx context.Context, userIDs []int) (map[int][]*ent.Membership, error) {
			ms, err := r.DB.Membership.Query().Where(membership.UserIDIn(userIDs...)).
				WithOrganization().Order(ent.Asc(membership.FieldID)).All(ctx)
			out := map[int][]*ent.Membership{}
			for _, m := range ms {
				out[m.UserID] = append(out[m.UserID], m)
			}
			return out, err
		}, batchWait),
	}
}

// WithLoaders returns ctx with fresh loaders for one operation.
func (r *Resolver) WithLoaders(ctx context.Context) context.Context {
	return context.WithValue(ctx, loadersKey{}, r.newLoaders())
}

func (r *Resolver) loaders(ctx context.Context) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	return r.newLoaders()
}

// orgMembers lists members with their users; only members see them.
func (r *Resolver) orgMembers(ctx context.Context, o *ent.Organization) ([]*ent.Membership, error) {
	if !org.MembersVisible(viewer.FromContext(ctx), o.ID) {
		return []*ent.Membership{}, nil
	}
	return r.loaders(ctx).members.Load(ctx, o.ID)
}

// userOrganizations lists a user's organizations: all of them for the user
// themself, the shared ones for anyone else (org.MembershipVisible, so a
// narrow key sees none).
func (r *Resolver) userOrganizations(ctx context.Context, u *ent.User) ([]*ent.Organization, error) {
	ms, err := r.loaders(ctx).userOrg.Load(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	v := viewer.FromContext(ctx)
	out := []*ent.Organization{}
	for _, m := range ms {
		if org.MembershipVisible(v, u.ID, m.OrganizationID) {
			out = append(out, m.Edges.Organization)
		}
	}
	return out, nil
}

func (r *Resolver) userPackages(ctx context.Context, u *ent.User, first *int, after *entgql.Cursor[int]) (*ent.PackageConnection, error) {
	return r.packageConnection(ctx, r.Registry.UserPackages(u.ID), first, after)
}

func (r *Resolver) orgPackages(ctx context.Context, o *ent.Organization, first *int, after *entgql.Cursor[int]) (*ent.PackageConnection, error) {
	return r.packageConnection(ctx, r.Registry.OrganizationPackages(o.ID), first, after)
}

func (r *Resolver) packageConnection(ctx context.Context, q *ent.PkgQuery, first *int, after *entgql.Cursor[int]) (*ent.PackageConnection, error) {
	conn, err := q.Paginate(ctx, after, pageSize(first), nil, nil,
		ent.WithPackageOrder(&ent.PackageOrder{Field: ent.PkgOrderFieldName, Direction: entgql.OrderDirectionAsc}))
	if err != nil {
		return nil, err
	}
	ps := make([]*ent.Pkg, 0, len(conn.Edges))
	for _, e := range conn.Edges {
		ps = append(ps, e.Node)
	}
	r.primePackages(ctx, ps)
	return conn, nil
}

// primeOrgs announces a list's organizations to the members loader.
func (r *Resolver) primeOrgs(ctx context.Context, conn *ent.OrganizationConnection) {
	ids := make([]int, 0, len(conn.Edges))
	for _, e := range conn.Edges {
		ids = append(ids, e.Node.ID)
	}
	r.loaders(ctx).members.Prime(ids...)
}

// auditLog pages the entries audit.Readable allows.
func (r *Resolver) auditLog(ctx context.Context, orgName *string, after *entgql.Cursor[int], first *int) (*ent.AuditLogConnection, error) {
	q, err := audit.Readable(ctx, r.DB, deref(orgName))
	if err != nil {
		return nil, err
	}
	conn, err := q.Paginate(ctx, after, pageSize(first), nil, nil,
		ent.WithAuditLogOrder(&ent.AuditLogOrder{Field: ent.AuditLogOrderFieldCreatedAt, Direction: entgql.OrderDirectionDesc}))
	if err != nil {
		return nil, err
	}
	l := r.loaders(ctx).pkg
	for _, e := range conn.Edges {
		if e.Node.ActorID != nil {
			l.users.Prime(*e.Node.ActorID)
		}
		if e.Node.APIKeyID != nil {
			l.apiKeys.Prime(*e.Node.APIKeyID)
		}
	}
	return conn, nil
}

// becomeViewer makes the request's viewer the user who just signed in or
// up, so the payload's fields (email, organizations) resolve as theirs.
func (r *Resolver) becomeViewer(ctx context.Context, userID int) error {
	v, err := r.Accounts.ViewerFor(ctx, userID)
	if err != nil {
		return err
	}
	*viewer.FromContext(ctx) = *v
	return nil
}
