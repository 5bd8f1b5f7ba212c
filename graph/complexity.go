package graph

import (
	"entgo.io/contrib/entgql"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/graph/generated"
	"github.com/depot-registry/depot/graph/model"
)

// Lists without a page size (members, a user's organizations) are priced at
// a typical size of 10: their real sizes are bounded by seats and
// memberships, not by the query.
//
// listCost prices a list field: its items' cost times how many may come back.
func listCost(child int, first *int, fallback int) int {
	n := fallback
	if first != nil {
		n = min(max(*first, 1), 100)
	}
	return 1 + n*child
}

// Complexity prices the list fields by their page size, so that
// MaxComplexity bounds the rows a query can ask for. Fields not listed cost
// one plus their selection.
func Complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Query.Packages = func(child int, _ *string, _ *string, _ *ent.PackageWhereInput, _ *ent.PackageOrder, first *int, _ *entgql.Cursor[int], last *int, _ *entgql.Cursor[int]) int {
		if last != nil {
			first = last
		}
		return listCost(child, first, 20)
	}
	c.Query.AuditLog = func(child int, _ *string, _ *entgql.Cursor[int], first *int) int { return listCost(child, first, 20) }
	c.Query.ReleaseEvents = func(child int, first *int, _ *string, _ *model.ReleaseEventFilter) int {
		return listCost(child, first, 20)
	}
	c.Query.Nodes = func(child int, ids []int) int { return 1 + len(ids)*child }
	c.Package.Releases = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.ReleaseOrder, _ *ent.ReleaseWhereInput) int {
		if last != nil {
			first = last
		}
		return listCost(child, first, 20)
	}
	c.Package.Versions = func(child int, first *int) int { return listCost(child, first, 100) }
	c.Package.Dependents = func(child int, first *int) int { return listCost(child, first, 20) }
	c.Organization.Members = func(child int) int { return listCost(child, nil, 10) }
	c.Organization.Packages = func(child int, first *int, _ *entgql.Cursor[int]) int { return listCost(child, first, 20) }
	c.Query.Organizations = func(child int, first *int, _ *entgql.Cursor[int]) int { return listCost(child, first, 20) }
	c.Query.MirroredPackages = func(child int, _ *string, first *int, _ *entgql.Cursor[int]) int { return listCost(child, first, 20) }
	c.User.Organizations = func(child int) int { return listCost(child, nil, 10) }
	c.User.Packages = func(child int, first *int, _ *entgql.Cursor[int]) int { return listCost(child, first, 20) }
	c.Package.DownloadsByDay = func(child int, from, to *string) int { return downloadDaysCost(child, from, to) }
	c.Release.DownloadsByDay = func(child int, from, to *string) int { return downloadDaysCost(child, from, to) }
	return c
}
