package schema

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/ent/intercept"
	"github.com/depot-registry/depot/viewer"
)

// Interceptors filters private rows by the viewer in the context.
func (PrivateMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{
		intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
			if p := PrivateRows(ctx); p != nil {
				q.WhereP(p)
			}
			return nil
		}),
	}
}

// PrivateRows is the filter of private rows the viewer in ctx may not
// read (nil: the system reads everything). The interceptor applies it to
// every query; hand-built subqueries over such a table (registry's search
// candidates) apply it too.
func PrivateRows(ctx context.Context) func(*sql.Selector) {
	v := viewer.FromContext(ctx)
	if v.IsSystem() {
		return nil
	}
	ids := v.PrivateOrgIDs()
	return func(s *sql.Selector) {
		col := s.C("private_org_id")
		if len(ids) == 0 {
			s.Where(sql.IsNull(col))
			return
		}
		s.Where(sql.Or(sql.IsNull(col), sql.InInts(col, ids...)))
	}
}
