package registry

import (
	"strconv"

	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/predicate"
)

// The top of a one-word search, read without reading every match
// (PostgreSQL and SQLite).
//
// A broad word (a common prefix such as "phoenix") matches thousands of
// packages; ranking them all to keep 20 costs time in proportion to the
// matches. For a query of one word of letters and digits, the page's n
// rows are among the n most downloaded rows of a few candidate sets:
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
// ranks. Every candidate matches (see topCandidates), and they are ranked
// by byRelevance, exactly like the query over every match, so the answer is
// the same by construction; only its cost changes. Close
// misspellings follow as before.
//
// Each set's n most downloaded are found without trusting the planner's
// estimates (which cannot see a prepared statement's arguments, and which
// for a word prefix no statistic lists guess high enough to walk the whole
// table): a walk of the topWalk most downloaded packages in result order
// (packages_search_order, which carries the name and the privacy column,
// so the walk reads no table rows) stops at the n-th row
// of a common set; when it finds fewer, the set is rare among the popular
// packages and is read whole from an index that answers exactly it (names
// by byte range, the name words, the description words). A search then
// reads at most 2 × topWalk index entries plus the rows of the sets too
// rare for the walk, whatever the size of the registry.
//
// SQLite runs the same plan: its walk is packages_search_order (downloads,
// name, id, private_org_id: covering), the name conditions are checked on
// the walked names, and the sets too rare for the walk are read from the
// name index (A1) and FTS5 (A2, A3), gated by their LIMIT.
//
// The word must be a single token: for "phoenix_live" or "web api", A2
// minus A1 is no longer rank 2 exactly, and those searches take the
// general query.

// topWalk bounds the index entries a candidate walk reads (≈ 0.1 ms): a
// set holding at least n of the topWalk most downloaded packages is
// answered by the walk, any other is read whole from the word index.
const topWalk = 4000

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
// (see above), all of which match q. The candidate queries apply the
// query's filters and the viewer's privacy (private, nil for the system),
// so a row the page would not show never takes a place among them.
func (q searchQuery) topCandidates(t searchTerm, n int, filters []predicate.Pkg, private func(*sql.Selector)) predicate.Pkg {
	return func(s *sql.Selector) {
		c := colsOf(s)
		// byName is the name in byte order: SQLite's default collation
		// is bytes already.
		byName := c.name
		if c.pg {
			byName += ` COLLATE "C"`
		}
		from := func(cols ...string) *sql.Selector {
			sub := sql.Dialect(s.Dialect()).Select(cols...).From(sql.Table(pkg.Table))
			for _, f := range filters {
				f(sub)
			}
			if private != nil {
				private(sub)
			}
			return sub
		}
		// walk (SQLite): the first n rows meeting cond among the topWalk
		// most downloaded, in result order; it stops at the n-th. The
		// inner rows are named search_walk, cond reads their columns (cw).
		cw := colsOf(sql.Dialect(s.Dialect()).Select().From(sql.Table(pkg.Table).As("search_walk")))
		walk := func(b *sql.Builder, cond func(b *sql.Builder, c cols)) {
			inner := from(c.id, c.name)
			inner.OrderBy(sql.Desc(c.downloads))
			inner.OrderExpr(sql.Expr(byName))
			inner.OrderBy(c.id)
			inner.Limit(topWalk)
			b.WriteString("SELECT id FROM (").Join(inner).WriteString(") AS search_walk WHERE ")
			cond(b, cw)
			b.WriteString(" LIMIT ").WriteString(strconv.Itoa(n))
		}
		// whole: the n best rows meeting cond, read from the word index,
		// only when gate (the walk) found fewer than n. downloads + 0 keeps
		// the planner from walking the result order instead.
		// On PostgreSQL the gate is a one-time filter; SQLite would build
		// an FTS5 IN list before testing a WHERE term that reads no row,
		// so there the gate is the LIMIT (0 when closed), which it tests
		// before anything else.
		whole := func(b *sql.Builder, cond func(b *sql.Builder), gate string) {
			sub := from(c.id)
			sub.Where(sql.P(func(b *sql.Builder) {
				if c.pg {
					b.WriteString("(SELECT " + gate + ") < ").WriteString(strconv.Itoa(n)).WriteString(" AND ")
				}
				cond(b)
			}))
			sub.OrderExpr(sql.Expr(c.downloads + " + 0 DESC"))
			sub.OrderExpr(sql.Expr(byName))
			sub.OrderBy(c.id)
			if c.pg {
				sub.Limit(n)
			}
			b.WriteString("SELECT id FROM (").Join(sub)
			if !c.pg {
				b.WriteString(" LIMIT (CASE WHEN (SELECT " + gate + ") < " + strconv.Itoa(n) + " THEN " + strconv.Itoa(n) + " ELSE 0 END)")
			}
			b.WriteString(") AS whole")
		}
		prefix := func(b *sql.Builder, c cols) {
			b.Ident(c.name)
			c.like(b, t.word+"%")
		}
		// words: the name has a word starting with t (on SQLite the walk
		// checks the name itself, wordsWhole asks FTS5 first).
		words := func(b *sql.Builder, c cols) {
			if !c.pg {
				nameLike(b, c, t.word)
				return
			}
			b.Ident(c.searchName).WriteString(" @@ CAST(").Arg(tsquery(t.tokens)).WriteString(" AS tsquery)")
		}
		// pgWalk (PostgreSQL) is both walks in one: A1 ⊆ A2 (a name
		// starting with the word has it as its first word's prefix), so
		// the A2 rows of the walk up to its n-th A1 row hold the first n
		// of each; the running count of A1 rows is a window function
		// PostgreSQL stops at (a run condition), so the walk reads the
		// index once, as far as the longer of the two walks did. The name
		// words are checked with LIKE on the walked names (package names
		// are lower-case letters, digits and _, so their words are what
		// LIKE sees between the _), which costs less than the tsvector.
		pgWalk := func(b *sql.Builder) {
			inner := from(c.id, c.name, c.downloads)
			inner.OrderBy(sql.Desc(c.downloads))
			inner.OrderExpr(sql.Expr(byName))
			inner.OrderBy(c.id)
			inner.Limit(topWalk)
			b.WriteString("search_walk AS MATERIALIZED (SELECT id, search_p FROM (SELECT id, search_p, " +
				`count(*) FILTER (WHERE search_p) OVER (ORDER BY downloads DESC, name COLLATE "C", id) AS search_n FROM (` +
				"SELECT id, name, downloads, (")
			prefix(b, cw)
			b.WriteString(") AS search_p FROM (").Join(inner).WriteString(") AS search_walk WHERE (")
			prefix(b, cw)
			b.WriteString(" OR ").Ident(cw.name)
			cw.like(b, "%\\_"+t.word+"%").WriteString(` ESCAPE '\')`)
			b.WriteString(") AS search_w) AS search_w WHERE search_n <= ").WriteString(strconv.Itoa(n)).
				WriteString("), search_a1 AS MATERIALIZED (SELECT id FROM search_walk WHERE search_p LIMIT ").WriteString(strconv.Itoa(n)).
				WriteString("), search_a2 AS MATERIALIZED (SELECT id FROM search_walk LIMIT ").WriteString(strconv.Itoa(n)).WriteString(")")
		}
		wordsWhole := func(b *sql.Builder) { words(b, c) }
		if !c.pg {
			wordsWhole = func(b *sql.Builder) { nameCond(b, c, t) }
		}
		// Every candidate matches: the word is one token of letters and
		// digits, and a name's words are its letter-and-digit runs, so a
		// name starting with it, or with a word starting with it, has it
		// as a name word prefix (nameCond); A3 is descCond itself. The
		// match condition is not repeated: the planner would read every
		// match through it.
		s.Where(sql.P(func(b *sql.Builder) {
			if c.pg {
				b.Ident(c.id).WriteString(" IN (WITH ")
				pgWalk(b)
			} else {
				b.Ident(c.id).WriteString(" IN (WITH search_a1 AS MATERIALIZED (")
				walk(b, prefix)
				b.WriteString("), search_a2 AS MATERIALIZED (")
				walk(b, words)
				b.WriteString(")")
			}
			b.WriteString(", search_top AS MATERIALIZED (SELECT id FROM search_a1 UNION ALL SELECT id FROM search_a2 UNION ALL ")
			// A1 whole is a range of names in byte order (the word index
			// would also read every name with a later word starting so).
			whole(b, func(b *sql.Builder) {
				b.WriteString("(").WriteString(byName).WriteString(" >= ").Arg(t.word).
					WriteString(" AND ").WriteString(byName).WriteString(" < ").Arg(nextPrefix(t.word)).WriteString(") AND ")
				prefix(b, c)
			}, "COUNT(*) FROM search_a1")
			b.WriteString(" UNION ALL ")
			whole(b, wordsWhole, "COUNT(*) FROM search_a2")
			b.WriteString(") SELECT id FROM search_top")
			if t.field == fieldAny {
				b.WriteString(" UNION ALL ")
				whole(b, func(b *sql.Builder) { descCond(b, c, t) }, "COUNT(DISTINCT id) FROM search_top")
			}
			b.WriteString(")")
		}))
	}
}

// nextPrefix is the least string after every string starting with w, in
// byte order (w is letters and digits, so its last byte is below 0xff).
func nextPrefix(w string) string {
	return w[:len(w)-1] + string(rune(w[len(w)-1]+1))
}
