package registry

import (
	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/predicate"
	"github.com/depot-registry/depot/store"
)

// The top of a one-word search, read without reading every match.
//
// A broad word (a common prefix such as "phoenix") matches thousands of
// packages; ranking them all to keep 20 costs time in proportion to the
// matches. For a query of one word of letters and digits, the page's rows
// are among a few candidate sets, each read as the n most downloaded rows
// of a set the index walks in download order (store/search.go's
// packages_search_rank), so each stops after about n / (the set's share
// of packages) index entries, or reads the whole set from the word index
// when the set is small, as the planner decides:
//
//	A1: names starting with the word (ranks 0 and 1);
//	A2: names with a word starting with it (A1 plus rank 2);
//	A3: descriptions with a word starting with it, read only when A1 and
//	    A2 together hold fewer than n rows (A3 minus them is rank 3).
//
// Why the n best of the union are all there: rank 2 is A2 minus A1, so
// the n most downloaded of A2 hold at least n − |A1| of rank 2, the best
// ones; rank 3 is needed only when ranks 0–2 have fewer than n rows, and
// then the n most downloaded of A3 hold at most |A1 ∪ A2| rows of better
// ranks. The candidates are then filtered by the whole match condition and
// ranked by byRelevance, exactly like the query over every match, so the
// answer is the same on both databases by construction; only its cost
// changes. Close misspellings follow as before.
//
// PostgreSQL only: SQLite reads every candidate set whole (see
// topCandidates), so it keeps the query over every match.
//
// The word must be a single token: for "phoenix_live" or "web api", A2
// minus A1 is no longer rank 2 exactly, and those searches take the
// general query.

// topWord is the query's only word when the top-candidates plan applies.
func (q searchQuery) topWord() (searchTerm, bool) {
	if len(q.groups) != 1 || len(q.groups[0]) != 1 {
		return searchTerm{}, false
	}
	t := q.groups[0][0]
	if t.field != fieldAny && t.field != fieldName {
		return searchTerm{}, false
	}
	for _, r := range t.word {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return searchTerm{}, false
		}
	}
	return t, t.word != "" && len(t.tokens) == 1 && t.tokens[0] == t.word
}

// topCandidates narrows the query to the candidates of t's n best rows
// (see above) and to the rows matching q. The candidate queries apply the
// query's filters and the viewer's privacy (private, nil for the system),
// so a row the page would not show never takes a place among them.
func (q searchQuery) topCandidates(t searchTerm, n int, filters []predicate.Pkg, private func(*sql.Selector)) predicate.Pkg {
	return func(s *sql.Selector) {
		c := colsOf(s)
		if !c.pg {
			// SQLite's planner reads each candidate set whole and sorts it
			// (no statistics say which sets are large), three times the
			// work of the query over every match: keep that one.
			s.Where(q.matchesPredicate(s))
			return
		}
		top := func(cond func(b *sql.Builder)) *sql.Selector {
			sub := sql.Dialect(s.Dialect()).Select(c.id).From(sql.Table(pkg.Table))
			for _, f := range filters {
				f(sub)
			}
			if private != nil {
				private(sub)
			}
			sub.Where(sql.P(cond))
			sub.OrderBy(sql.Desc(c.downloads))
			sub.OrderExpr(sql.Expr(c.name + ` COLLATE "C"`))
			sub.OrderBy(c.id)
			sub.Limit(n)
			return sub
		}
		a1 := top(func(b *sql.Builder) {
			b.Ident(c.name).WriteString(" LIKE ").Arg(t.word + "%")
		})
		a2 := top(func(b *sql.Builder) {
			b.Ident(c.searchName).WriteString(" @@ CAST(").Arg(tsquery(t.tokens)).WriteString(" AS tsquery)")
		})
		var a3 *sql.Selector
		if t.field == fieldAny {
			a3 = top(func(b *sql.Builder) {
				b.WriteString("(SELECT COUNT(DISTINCT id) FROM search_top) < ").Arg(n).WriteString(" AND ")
				descCond(b, c, t)
			})
		}
		s.Where(q.matchesPredicate(s))
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString(store.CustomPlan).Ident(c.id).WriteString(" IN (WITH search_top AS MATERIALIZED (SELECT id FROM (").Join(a1).
				WriteString(") AS a1 UNION ALL SELECT id FROM (").Join(a2).WriteString(") AS a2) SELECT id FROM search_top")
			if a3 != nil {
				b.WriteString(" UNION ALL SELECT id FROM (").Join(a3).WriteString(") AS a3")
			}
			b.WriteString(")")
		}))
	}
}
