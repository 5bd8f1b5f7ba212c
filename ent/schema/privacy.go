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
			v := viewer.FromContext(ctx)
			if v.IsSystem() {
				return nil
			}
			ids := v.PrivateOrgIDs()
			q.WhereP(func(s *sql.Selector) {
				col := s.C("private_org_id")
				if len(ids) == 0 {
					s.Where(sql.IsNull(col))
					return
				}
				s.Where(sql.Or(sql.IsNull(col), sql.InInts(col, ids...)))
			})
			return nil
		}),
	}
}
