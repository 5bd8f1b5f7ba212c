package registry

import (
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/predicate"
)

// The SQL of a search, for the index store.migrateSearch builds. Every
// term is one condition that says exactly whether it matches, and that the
// database can answer from an index:
//
//   - name: the name starts with the word, or one of its words (after an
//     _) does. The full-text index of name words proposes candidates (a
//     superset), LIKE decides.
//   - description: the description has words starting with each of the
//     word's tokens (PostgreSQL tsquery 'tok':*, SQLite FTS5 "tok"*).
//   - depends: the latest release has a requirement with that name.
//
// Both databases split text into words at every character that is not a
// letter or digit, so they agree on every answer; ties are ordered by
// name in byte order on both.

// cols are the selector's columns and dialect.
type cols struct {
	pg                     bool
	id, name, downloads    string
	searchName, searchDesc string
}

// like writes " LIKE pattern". On SQLite the pattern is a cast, not a bare
// parameter: SQLite marks a statement whose WHERE clause has `x LIKE ?`
// to be prepared again whenever the bound pattern changes (to weigh its
// LIKE optimization, which a case-insensitive LIKE over these BINARY
// indexes never takes), so every new search word re-parsed and re-planned
// the whole search statement: a quarter of the server's CPU under search
// load. PostgreSQL plans a prepared statement the same way either way.
func (c cols) like(b *sql.Builder, pattern string) *sql.Builder {
	b.WriteString(" LIKE ")
	if c.pg {
		return b.Arg(pattern)
	}
	return b.WriteString("CAST(").Arg(pattern).WriteString(" AS TEXT)")
}

func colsOf(s *sql.Selector) cols {
	return cols{
		pg: s.Dialect() == dialect.Postgres,
		id: s.C(pkg.FieldID), name: s.C(pkg.FieldName), downloads: s.C(pkg.FieldDownloads),
		searchName: s.C("search_name"), searchDesc: s.C("search_description"),
	}
}

// tsquery is the PostgreSQL prefix query for tokens (all required). It is
// sent as a tsquery parameter, not through to_tsquery(): a prepared
// statement's generic plan would parse it again for every row. The tokens
// are lower-case letters and digits, what to_tsvector('simple') stores.
func tsquery(tokens []string) string {
	parts := make([]string, len(tokens))
	for i, t := range tokens {
		parts[i] = "'" + t + "':*"
	}
	return strings.Join(parts, " & ")
}

// ftsQuery is the SQLite FTS5 prefix query for tokens in column.
func ftsQuery(column string, tokens []string) string {
	parts := make([]string, len(tokens))
	for i, t := range tokens {
		parts[i] = ftsString(t) + "*"
	}
	return column + " : (" + strings.Join(parts, " AND ") + ")"
}

func ftsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// inWords writes id IN (rows of packages_words matching m) (SQLite).
func inWords(b *sql.Builder, c cols, m string) {
	b.Ident(c.id).WriteString(" IN (SELECT rowid FROM packages_words WHERE packages_words MATCH ").Arg(m).WriteString(")")
}

// nameLike writes the exact name condition of w. On PostgreSQL the
// column is written as an expression no index covers: the word index
// already proposed the rows, and adding the trigram index's answer to the
// bitmap costs more than rechecking the candidates.
func nameLike(b *sql.Builder, c cols, w string) {
	col := func() {
		b.Ident(c.name)
		if c.pg {
			b.WriteString(" || ''")
		}
	}
	b.WriteString("(")
	col()
	c.like(b, escapeLike(w)+"%").WriteString(` ESCAPE '\' OR `)
	col()
	c.like(b, "%\\_"+escapeLike(w)+"%").WriteString(` ESCAPE '\')`)
}

// nameCond: the name matches t, through the index of name words.
func nameCond(b *sql.Builder, c cols, t searchTerm) {
	b.WriteString("(")
	if c.pg {
		b.Ident(c.searchName).WriteString(" @@ CAST(").Arg(tsquery(t.tokens)).WriteString(" AS tsquery)")
	} else {
		inWords(b, c, ftsQuery("name", t.tokens))
	}
	b.WriteString(" AND ")
	nameLike(b, c, t.word)
	b.WriteString(")")
}

// descCond: the description has t's words.
func descCond(b *sql.Builder, c cols, t searchTerm) {
	if c.pg {
		b.Ident(c.searchDesc).WriteString(" @@ CAST(").Arg(tsquery(t.tokens)).WriteString(" AS tsquery)")
		return
	}
	inWords(b, c, ftsQuery("description", t.tokens))
}

// dependsCond: the latest release requires package t.word.
func dependsCond(b *sql.Builder, c cols, t searchTerm) {
	b.Ident(c.id).WriteString(" IN (SELECT dr.package_id FROM requirements dq" +
		" JOIN releases dr ON dr.id = dq.release_id" +
		" JOIN packages dp ON dp.id = dr.package_id AND dp.latest_version = dr.version" +
		" WHERE dq.name = ").Arg(t.word).WriteString(")")
}

// termCond writes whether t matches exactly (no typos).
func termCond(b *sql.Builder, c cols, t searchTerm) {
	switch t.field {
	case fieldName:
		nameCond(b, c, t)
	case fieldDescription:
		descCond(b, c, t)
	case fieldDepends:
		dependsCond(b, c, t)
	default:
		b.WriteString("(")
		nameCond(b, c, t)
		b.WriteString(" OR ")
		descCond(b, c, t)
		b.WriteString(")")
	}
}

// termTier writes t's rank for a row: 0 exact name, 1 name prefix, 2 name
// word prefix, 3 description, 9 no match.
func termTier(b *sql.Builder, c cols, t searchTerm) {
	b.WriteString("(CASE")
	if t.field == fieldDepends {
		b.WriteString(" WHEN ")
		dependsCond(b, c, t)
		b.WriteString(" THEN 0 ELSE 9 END)")
		return
	}
	if t.field != fieldDescription {
		b.WriteString(" WHEN ").Ident(c.name).WriteString(" = ").Arg(t.word).WriteString(" THEN 0")
		b.WriteString(" WHEN ").Ident(c.name)
		c.like(b, escapeLike(t.word)+"%").WriteString(` ESCAPE '\' THEN 1`)
		b.WriteString(" WHEN ").Ident(c.name)
		c.like(b, "%\\_"+escapeLike(t.word)+"%").WriteString(` ESCAPE '\' THEN 2`)
	}
	if t.field != fieldName {
		b.WriteString(" WHEN ")
		descCond(b, c, t)
		b.WriteString(" THEN 3")
	}
	b.WriteString(" ELSE 9 END)")
}

// each writes fn for every item joined by sep, or the SQL function fnName
// around them when there are several (SQLite's one-argument max is an
// aggregate, so one item is written bare).
func each[T any](b *sql.Builder, items []T, fnName string, fn func(T)) {
	if len(items) == 1 {
		fn(items[0])
		return
	}
	b.WriteString(fnName + "(")
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		fn(it)
	}
	b.WriteString(")")
}

func joined[T any](b *sql.Builder, items []T, sep string, fn func(T)) {
	b.WriteString("(")
	for i, it := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		fn(it)
	}
	b.WriteString(")")
}

// matchesPredicate: some group has all its terms matching. On SQLite
// each group is one FTS5 query proposing candidates (every term's tokens,
// in the term's columns) and the exact conditions decide; the planner can
// only use an index for each side of an OR when the side has one
// indexable condition of its own.
func (q searchQuery) matchesPredicate(s *sql.Selector) *sql.Predicate {
	c := colsOf(s)
	return sql.P(func(b *sql.Builder) {
		joined(b, q.groups, " OR ", func(g []searchTerm) {
			if m := groupFTS(g); !c.pg && m != "" {
				b.WriteString("(")
				inWords(b, c, m)
				b.WriteString(" AND ")
				joined(b, g, " AND ", func(t searchTerm) { exactCond(b, c, t) })
				b.WriteString(")")
				return
			}
			joined(b, g, " AND ", func(t searchTerm) { termCond(b, c, t) })
		})
	})
}

// groupFTS is the FTS5 query every row matching all of g's name and
// description terms also matches ("" when g has none).
func groupFTS(g []searchTerm) string {
	var parts []string
	for _, t := range g {
		switch t.field {
		case fieldAny:
			parts = append(parts, ftsQuery("{name description}", t.tokens))
		case fieldName:
			parts = append(parts, ftsQuery("name", t.tokens))
		case fieldDescription:
			parts = append(parts, ftsQuery("description", t.tokens))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ") AND (") + ")"
}

// exactCond is termCond without the name index, for rows an index
// already proposed.
func exactCond(b *sql.Builder, c cols, t searchTerm) {
	switch t.field {
	case fieldName:
		nameLike(b, c, t.word)
	case fieldAny:
		b.WriteString("(")
		nameLike(b, c, t.word)
		b.WriteString(" OR ")
		descCond(b, c, t)
		b.WriteString(")")
	default:
		termCond(b, c, t)
	}
}

func (q searchQuery) matches() predicate.Pkg {
	return func(s *sql.Selector) { s.Where(q.matchesPredicate(s)) }
}

// byRelevance orders by the best group's worst term, then downloads, then
// name in byte order, then id.
func (q searchQuery) byRelevance() pkg.OrderOption {
	return func(s *sql.Selector) {
		c := colsOf(s)
		least, greatest := "MIN", "MAX"
		if c.pg {
			least, greatest = "LEAST", "GREATEST"
		}
		ranked := false
		for _, g := range q.groups {
			for _, t := range g {
				if t.field != fieldDepends || len(q.groups) > 1 {
					ranked = true
				}
			}
		}
		if ranked {
			// ExprFunc, not OrderExprFunc: the latter renders to a string
			// and drops the arguments.
			s.OrderExpr(sql.ExprFunc(func(b *sql.Builder) {
				each(b, q.groups, least, func(g []searchTerm) {
					terms := g
					if len(q.groups) == 1 {
						terms = nil
						for _, t := range g {
							if t.field != fieldDepends {
								terms = append(terms, t)
							}
						}
					}
					each(b, terms, greatest, func(t searchTerm) { termTier(b, c, t) })
				})
			}))
		}
		s.OrderBy(sql.Desc(c.downloads))
		if c.pg {
			s.OrderExpr(sql.Expr(c.name + ` COLLATE "C"`))
		} else {
			s.OrderBy(c.name)
		}
		s.OrderBy(c.id)
	}
}

// fuzzyCond writes the misspelling candidates of t: names with a word
// starting with t's first two letters, or sharing a three-letter
// substring with it.
func fuzzyCond(b *sql.Builder, c cols, t searchTerm) {
	two := firstTwo(t.tokens[0])
	tris := trigrams(t.word)
	b.WriteString("(")
	if c.pg {
		b.Ident(c.searchName).WriteString(" @@ CAST(").Arg(tsquery([]string{two})).WriteString(" AS tsquery)")
		for _, tri := range tris {
			b.WriteString(" OR ").Ident(c.name)
			c.like(b, "%"+escapeLike(tri)+"%").WriteString(` ESCAPE '\'`)
		}
	} else {
		inWords(b, c, ftsQuery("name", []string{two}))
		if len(tris) > 0 {
			m := make([]string, len(tris))
			for i, tri := range tris {
				m[i] = ftsString(tri)
			}
			b.WriteString(" OR ").Ident(c.id).WriteString(" IN (SELECT rowid FROM packages_trigrams WHERE packages_trigrams MATCH ").
				Arg(strings.Join(m, " OR ")).WriteString(")")
		}
	}
	b.WriteString(")")
}

// fuzzyCandidates: the rows fuzzyCond proposes for t.
func fuzzyCandidates(t searchTerm) predicate.Pkg {
	return func(s *sql.Selector) {
		c := colsOf(s)
		s.Where(sql.P(func(b *sql.Builder) { fuzzyCond(b, c, t) }))
	}
}

// groupCandidates: rows that may match every term of g with typos in
// names (description and depends terms must match exactly).
func groupCandidates(g []searchTerm) predicate.Pkg {
	return func(s *sql.Selector) {
		c := colsOf(s)
		s.Where(sql.P(func(b *sql.Builder) {
			joined(b, g, " AND ", func(t searchTerm) {
				switch {
				case (t.field == fieldAny || t.field == fieldName) && maxEdits(t.word) > 0:
					fuzzyCond(b, c, t)
				case t.field == fieldAny:
					nameCond(b, c, t)
				default:
					termCond(b, c, t)
				}
			})
		}))
	}
}

// likeEscaper is built once: a Replacer builds its tables on first use,
// and building them for every call was a sixth of a search's allocations.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// escapeLike makes % and _ in user input match themselves.
func escapeLike(s string) string { return likeEscaper.Replace(s) }
