package registry

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/predicate"
	"github.com/depot-registry/depot/ent/schema"
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
	// Term, when not empty, filters and ranks in hex.pm's syntax (see
	// query.go): exact name first, then names starting with a word, then
	// names with a word starting with it, then descriptions with a word
	// starting with it, then close misspellings of names; ties by
	// downloads. Every word must match unless the term says OR.
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
	// Latest, when not nil, asks for each result's latest release with
	// these release columns (see searchlatest.go): read by the search's
	// own statement where the database allows it and the columns are
	// among LatestSummaryColumns, else not at all (SearchResult.Latest
	// is nil and the caller reads them as it would otherwise).
	Latest []string
	// Columns, when not nil, are the package columns the caller reads
	// from the page's exact matches (the id, name, privacy and repository
	// columns are always read): a list showing names skips parsing
	// timestamps and descriptions it does not show. Nil reads them all.
	Columns []string
}

// searchCore are the package columns every search page reads.
var searchCore = []string{pkg.FieldID, pkg.FieldName, pkg.FieldPrivateOrgID, pkg.FieldRepositoryID}

// SearchResult is one page.
type SearchResult struct {
	Packages []*ent.Pkg
	// Cursors[i] resumes after Packages[i].
	Cursors []string
	HasNext bool
	// Total is the number of matches, -1 unless SearchInput.Count.
	Total int
	// Suggestion is a corrected term ("did you mean") when nothing matched
	// the term as written: "" otherwise. Only names the viewer may read are
	// ever suggested.
	Suggestion string
	// Latest holds, when SearchInput.Latest was honoured, the latest
	// release of the packages the search statement read, by package id
	// (nil: none the viewer may read). Packages without an entry (close
	// misspellings, read by another statement) were not looked up.
	Latest map[int]*ent.Release
}

// fuzzyLimit bounds the misspelling candidates read for one word; beyond
// it the most downloaded are kept.
const fuzzyLimit = 2000

// Search lists packages. With a term, the exact and word matches are one
// indexed SQL query for the page (plus one count), ranked by the database;
// misspellings follow them, found by a second indexed query only when the
// page is not full, and decided in Go so both databases agree. Cursors are
// opaque offsets: a list ranked by relevance has no stable keyset, and an
// offset is enough for browsing.
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
	// filters narrow the list whatever the term (the viewer's privacy is
	// added by the schema's interceptor).
	var filters []predicate.Pkg
	if in.Repository != "" {
		r, err := s.resolveRepo(ctx, s.DB.Repository, in.Repository)
		if err != nil {
			return SearchResult{}, err
		}
		filters = append(filters, pkg.RepositoryID(r.ID))
	}
	if in.Where != nil {
		filters = append(filters, in.Where)
	}
	base := s.DB.Pkg.Query().Where(filters...)
	sq := parseQuery(in.Term)
	if sq.empty() {
		return listPage(ctx, base, in, first, offset)
	}
	strict := base.Clone().Where(sq.matches())
	total := -1
	if in.Count {
		if total, err = strict.Clone().Count(ctx); err != nil {
			return SearchResult{}, fmt.Errorf("count packages: %w", err)
		}
	}
	pageQ := strict.Clone().Order(sq.byRelevance())
	if t, ok := sq.topWord(); ok {
		// One word: rank only its best candidates (searchtop.go).
		pageQ = base.Clone().Order(sq.byRelevance()).Where(sq.topCandidates(t, offset+first+1, filters, schema.PrivateRows(ctx)))
	}
	if in.Columns != nil {
		cols := slices.Clone(searchCore)
		for _, c := range in.Columns {
			if !slices.Contains(cols, c) {
				cols = append(cols, c)
			}
		}
		pageQ.Select(cols...)
	}
	folded := false
	if in.Latest != nil && latestFoldable(in.Latest) {
		pageQ.Modify(selectLatest(schema.PrivateRows(ctx), &folded))
	}
	ps, err := pageQ.Offset(offset).Limit(first + 1).All(ctx)
	if err != nil {
		return SearchResult{}, fmt.Errorf("search packages: %w", err)
	}
	res := SearchResult{Total: total}
	if folded {
		if res.Latest, err = latestOf(ps); err != nil {
			return SearchResult{}, fmt.Errorf("search packages: %w", err)
		}
	}
	if len(ps) > first && !in.Count {
		// The exact matches fill the page and nothing is counted: the
		// misspellings, which follow them, would not be shown, and no
		// suggestion is made when something matched. No statement for them.
		return page(res, ps, first, offset), nil
	}
	// Misspellings follow the exact matches.
	fuzzy, fix, err := s.misspelled(ctx, base, sq, fuzzyLimit)
	if err != nil {
		return SearchResult{}, err
	}
	strictTotal := total
	if strictTotal < 0 {
		if strictTotal = offset + len(ps); len(ps) == 0 && offset > 0 {
			if strictTotal, err = strict.Clone().Count(ctx); err != nil {
				return SearchResult{}, fmt.Errorf("count packages: %w", err)
			}
		}
	}
	if in.Count {
		res.Total = strictTotal + len(fuzzy)
	}
	for i := max(0, offset-strictTotal); i < len(fuzzy) && len(ps) <= first; i++ {
		ps = append(ps, fuzzy[i])
	}
	if strictTotal == 0 {
		res.Suggestion = sq.suggestion(fix)
	}
	return page(res, ps, first, offset), nil
}

// listPage lists without a term, in the order asked for.
func listPage(ctx context.Context, q *ent.PkgQuery, in SearchInput, first, offset int) (SearchResult, error) {
	res := SearchResult{Total: -1}
	if in.Count {
		n, err := q.Clone().Count(ctx)
		if err != nil {
			return SearchResult{}, fmt.Errorf("count packages: %w", err)
		}
		res.Total = n
	}
	ps, err := q.Order(orderBy(in.OrderBy)...).Offset(offset).Limit(first + 1).All(ctx)
	if err != nil {
		return SearchResult{}, fmt.Errorf("list packages: %w", err)
	}
	return page(res, ps, first, offset), nil
}

func page(res SearchResult, ps []*ent.Pkg, first, offset int) SearchResult {
	res.HasNext = len(ps) > first
	if res.HasNext {
		ps = ps[:first]
	}
	res.Packages = ps
	for i := range ps {
		res.Cursors = append(res.Cursors, encodeCursor(offset+i+1))
	}
	return res
}

// misspelled lists the packages that match the query only with typos in
// names, most downloaded first, reading at most limit candidates per group
// of the query from the index; Go keeps those within maxEdits. It also
// returns, for each name word of the query, the nearest name or name word
// among the candidates (allowing one edit more, so a suggestion can come
// when no result does), or the word itself when a candidate's name matches
// it. When nothing matches exactly, the candidates are all the names near
// each word, which is when the corrections are used.
func (s *Service) misspelled(ctx context.Context, base *ent.PkgQuery, sq searchQuery, limit int) ([]*ent.Pkg, map[*searchTerm]string, error) {
	seen := map[int]bool{}
	fix := map[*searchTerm]string{}
	var out []*ent.Pkg
	for gi := range sq.groups {
		g := sq.groups[gi]
		fuzzyable := false
		for _, t := range g {
			if (t.field == fieldAny || t.field == fieldName) && maxEdits(t.word) > 0 {
				fuzzyable = true
			}
		}
		n := limit
		if !fuzzyable {
			// Short words have no misspellings. The query still runs,
			// reading nothing, so the statements a search costs depend on
			// the shape of its term (how many OR groups), never on its
			// words: an invariant the benchmarks check.
			n = 0
		}
		q := base.Clone().
			Where(func(s *sql.Selector) { s.Where(sql.Not(sq.matchesPredicate(s))) }).
			Where(groupCandidates(g)).
			Order(ent.Desc(pkg.FieldDownloads), ent.Asc(pkg.FieldID))
		if n == 0 {
			// Ent reads Limit(0) as no limit; FALSE lets the database
			// answer without reading a row.
			q = q.Where(func(s *sql.Selector) { s.Where(sql.False()) })
		} else {
			q = q.Limit(n)
		}
		cands, err := q.All(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("search misspellings: %w", err)
		}
		for ti := range g {
			if c, ok := correction(g[ti], cands); ok {
				fix[&sq.groups[gi][ti]] = c
			}
		}
	next:
		for _, p := range cands {
			if seen[p.ID] {
				continue
			}
			for _, t := range g {
				if t.field != fieldAny && t.field != fieldName {
					continue // checked by the query
				}
				k := maxEdits(t.word)
				if !nameMatches(t.word, p.Name) && (k == 0 || nameDistance(t.word, p.Name, k) > k) {
					continue next
				}
			}
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *ent.Pkg) int {
		if a.Downloads != b.Downloads {
			return cmp.Compare(b.Downloads, a.Downloads)
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, fix, nil
}

// correction is the nearest name or name word to t among cands, within
// one edit more than misspellings allow (ties: more downloads, then
// alphabetical); false when t is no name word, when a candidate's name
// matches t as written, or when none is near.
func correction(t searchTerm, cands []*ent.Pkg) (string, bool) {
	k := maxEdits(t.word)
	if (t.field != fieldAny && t.field != fieldName) || k == 0 {
		return "", false
	}
	k++
	best, bestD, bestN := "", k+1, int64(-1)
	for _, p := range cands {
		if nameMatches(t.word, p.Name) {
			return "", false
		}
		words := []string{p.Name}
		if strings.Contains(p.Name, "_") {
			words = append(words, strings.Split(p.Name, "_")...)
		}
		for _, c := range words {
			d := editDistance(t.word, c, k)
			if d < bestD || d == bestD && (p.Downloads > bestN || p.Downloads == bestN && c < best) {
				best, bestD, bestN = c, d, p.Downloads
			}
		}
	}
	return best, best != "" && bestD <= k
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
