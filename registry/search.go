package registry

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/predicate"
)

// OrderField is what a package list can be sorted by without a search term.
type OrderField string

// Order fields, named like the GraphQL PackageOrderField values.
const (
	OrderName      OrderField = "NAME"
	OrderDownloads OrderField = "DOWNLOADS"
	OrderUpdatedAt OrderField = "UPDATED_AT"
	OrderCreatedAt OrderField = "CREATED_AT"
)

// Order sorts a package list.
type Order struct {
	Field OrderField
	Desc  bool
}

// SearchInput asks for one page of packages.
type SearchInput struct {
	// Term, when not empty, filters and ranks: exact name first, then names
	// starting with it, then descriptions containing it (case-insensitive).
	Term string
	// Repository limits the list to one repository ("" = every repository
	// the viewer can read, public included).
	Repository string
	// First is the page size (default 20, at most 100).
	First int
	// After is the cursor of the previous page's last result.
	After string
	// OrderBy sorts when Term is empty (default: name ascending); ignored
	// with a term, where relevance decides.
	OrderBy *Order
	// Where narrows the list further (the GraphQL where input).
	Where predicate.Pkg
	// Count asks for Total; counting costs a scan, so only when wanted.
	Count bool
}

// SearchResult is one page.
type SearchResult struct {
	Packages []*ent.Pkg
	// Cursors[i] resumes after Packages[i].
	Cursors []string
	HasNext bool
	// Total is the number of matches, -1 unless SearchInput.Count.
	Total int
}

// Search lists packages with one SQL query for the page (plus one count),
// the ranking done by the database with ORDER BY CASE, so it works the same
// on SQLite and PostgreSQL. Cursors are opaque offsets: a list ranked by
// relevance has no stable keyset, and an offset is enough for browsing.
func (s *Service) Search(ctx context.Context, in SearchInput) (SearchResult, error) {
	first := in.First
	if first <= 0 {
		first = 20
	}
	if first > 100 {
		first = 100
	}
	offset, err := decodeCursor(in.After)
	if err != nil {
		return SearchResult{}, err
	}
	q := s.DB.Pkg.Query()
	if in.Repository != "" {
		r, err := s.resolveRepo(ctx, s.DB.Repository, in.Repository)
		if err != nil {
			return SearchResult{}, err
		}
		q = q.Where(pkg.RepositoryID(r.ID))
	}
	if in.Where != nil {
		q = q.Where(in.Where)
	}
	term := strings.ToLower(strings.TrimSpace(in.Term))
	if term != "" {
		q = q.Where(matches(term))
	}
	total := -1
	if in.Count {
		n, err := q.Clone().Count(ctx)
		if err != nil {
			return SearchResult{}, fmt.Errorf("count packages: %w", err)
		}
		total = n
	}
	if term != "" {
		q = q.Order(byRelevance(term), ent.Desc(pkg.FieldDownloads), ent.Asc(pkg.FieldName), ent.Asc(pkg.FieldID))
	} else {
		q = q.Order(orderBy(in.OrderBy)...)
	}
	ps, err := q.Offset(offset).Limit(first + 1).All(ctx)
	if err != nil {
		return SearchResult{}, fmt.Errorf("search packages: %w", err)
	}
	res := SearchResult{Total: total, HasNext: len(ps) > first}
	if res.HasNext {
		ps = ps[:first]
	}
	res.Packages = ps
	for i := range ps {
		res.Cursors = append(res.Cursors, encodeCursor(offset+i+1))
	}
	return res, nil
}

// escapeLike makes % and _ in user input match themselves.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// matches keeps packages whose name equals or starts with term or whose
// description contains it. Names are lower case already; descriptions are
// compared lower-cased so the match is case-insensitive on both databases
// (SQLite's LIKE folds ASCII case, PostgreSQL's does not).
func matches(term string) predicate.Pkg {
	prefix := escapeLike(term) + "%"
	contains := "%" + escapeLike(term) + "%"
	return func(s *sql.Selector) {
		name, desc := s.C(pkg.FieldName), s.C(pkg.FieldDescription)
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString("(").Ident(name).WriteString(" = ").Arg(term).
				WriteString(" OR ").Ident(name).WriteString(" LIKE ").Arg(prefix).WriteString(` ESCAPE '\'`).
				WriteString(" OR LOWER(").Ident(desc).WriteString(") LIKE ").Arg(contains).WriteString(` ESCAPE '\')`)
		}))
	}
}

func byRelevance(term string) pkg.OrderOption {
	prefix := escapeLike(term) + "%"
	return func(s *sql.Selector) {
		name := s.C(pkg.FieldName)
		// ExprFunc, not OrderExprFunc: the latter renders to a string and
		// drops the arguments.
		s.OrderExpr(sql.ExprFunc(func(b *sql.Builder) {
			b.WriteString("CASE WHEN ").Ident(name).WriteString(" = ").Arg(term).WriteString(" THEN 0 WHEN ").
				Ident(name).WriteString(" LIKE ").Arg(prefix).WriteString(` ESCAPE '\' THEN 1 ELSE 2 END`)
		}))
	}
}

func orderBy(o *Order) []pkg.OrderOption {
	if o == nil {
		o = &Order{Field: OrderName}
	}
	dir := sql.OrderAsc()
	if o.Desc {
		dir = sql.OrderDesc()
	}
	field := pkg.FieldName
	switch o.Field {
	case OrderDownloads:
		field = pkg.FieldDownloads
	case OrderUpdatedAt:
		field = pkg.FieldUpdatedAt
	case OrderCreatedAt:
		field = pkg.FieldCreatedAt
	}
	// The id breaks ties so pages never overlap.
	return []pkg.OrderOption{sql.OrderByField(field, dir).ToFunc(), sql.OrderByField(pkg.FieldID, dir).ToFunc()}
}

const cursorPrefix = "pkg:"

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && strings.HasPrefix(string(raw), cursorPrefix) {
		if n, err := strconv.Atoi(strings.TrimPrefix(string(raw), cursorPrefix)); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, apperr.Invalid("after", "invalid cursor")
}
