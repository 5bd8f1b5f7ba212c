package registry

import (
	"strings"
	"unicode"
)

// A search term is parsed once, here, for every front (GraphQL's
// packages(search:), the Hex API's search=), in hex.pm's syntax:
//
//	plug cowboy          both words must match (name or description)
//	plug OR cowboy       either side may match; AND binds tighter than OR
//	name:plug            the name only
//	description:"web"    the description only (quotes keep spaces)
//	depends:ecto         packages whose latest release requires ecto
//
// A trailing * (hex.pm's name:phx_*) is accepted and ignored: every word
// already matches as a prefix.

// termField is what a term is matched against.
type termField int

const (
	fieldAny termField = iota
	fieldName
	fieldDescription
	fieldDepends
)

// searchTerm is one word of a query.
type searchTerm struct {
	field termField
	// word is lower case; for fieldDepends it is a package name.
	word string
	// tokens are the word's letter-and-digit runs: the words the full-text
	// index stores. A word without any is no term.
	tokens []string
}

// searchQuery is a disjunction of groups, each a conjunction of terms.
type searchQuery struct {
	groups [][]searchTerm
	// words are the raw tokens, to rebuild the query as a suggestion.
	words []rawWord
}

type rawWord struct {
	text string
	term *searchTerm // nil for OR and unusable words
}

func (q searchQuery) empty() bool { return len(q.groups) == 0 }

// parseQuery reads a search term. It never fails: what it cannot read is
// taken as plain words.
func parseQuery(s string) searchQuery {
	var (
		q     searchQuery
		group []searchTerm
	)
	type pending struct {
		raw   int
		group int
		index int
	}
	var refs []pending
	flush := func() {
		if len(group) > 0 {
			q.groups = append(q.groups, group)
		}
		group = nil
	}
	for _, tok := range splitQuery(s) {
		if tok == "OR" {
			flush()
			q.words = append(q.words, rawWord{text: tok})
			continue
		}
		field, value := fieldAny, tok
		if i := strings.IndexByte(tok, ':'); i > 0 {
			switch strings.ToLower(tok[:i]) {
			case "name":
				field = fieldName
			case "description":
				field = fieldDescription
			case "depends":
				field = fieldDepends
			}
			if field != fieldAny {
				value = tok[i+1:]
			}
		}
		value = strings.Trim(value, `"`)
		// A quoted value may hold several words: each is a term of the
		// same field.
		words := strings.Fields(value)
		if field == fieldDepends {
			words = []string{strings.TrimSpace(value)}
		}
		prefix := ""
		if field != fieldAny {
			prefix = tok[:strings.IndexByte(tok, ':')+1]
		}
		for _, w := range words {
			w = strings.ToLower(strings.TrimRight(w, "*"))
			t := searchTerm{field: field, word: w, tokens: wordTokens(w)}
			if w == "" || (field != fieldDepends && len(t.tokens) == 0) {
				continue
			}
			refs = append(refs, pending{raw: len(q.words), group: len(q.groups), index: len(group)})
			q.words = append(q.words, rawWord{text: prefix + w})
			group = append(group, t)
		}
	}
	flush()
	for _, r := range refs {
		q.words[r.raw].term = &q.groups[r.group][r.index]
	}
	return q
}

// splitQuery splits at white space outside double quotes.
func splitQuery(s string) []string {
	var (
		out    []string
		cur    strings.Builder
		quoted bool
	)
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case unicode.IsSpace(r) && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// wordTokens splits w at every character that is not a letter or digit,
// as both databases' full-text indexes split what they store.
func wordTokens(w string) []string {
	return strings.FieldsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// suggestion rebuilds the query with corrected words (nil entries keep
// theirs); "" when nothing changed.
func (q searchQuery) suggestion(fix map[*searchTerm]string) string {
	changed := false
	parts := make([]string, 0, len(q.words))
	for _, w := range q.words {
		if w.term != nil {
			if c, ok := fix[w.term]; ok && c != w.term.word {
				changed = true
				switch w.term.field {
				case fieldName:
					parts = append(parts, "name:"+c)
				default:
					parts = append(parts, c)
				}
				continue
			}
		}
		parts = append(parts, w.text)
	}
	if !changed {
		return ""
	}
	return strings.Join(parts, " ")
}
