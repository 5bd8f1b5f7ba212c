package registry

import (
	"strings"
	"unicode/utf8"
)

// Misspellings are decided here, in Go, the same for both databases: the
// index only proposes candidates (names sharing a three-letter substring
// with the word, or with a word starting with its first two letters), and
// a candidate matches when the word is within a few edits (insertions,
// deletions, substitutions, swaps of neighbours) of the name or of one of
// its words. "phonix" is one edit from phoenix, "ecot" one swap from ecto.

// maxEdits is how far a word may be from what it means: none for short
// words (every three-letter word is near hundreds of names), one up to
// seven letters, two beyond.
func maxEdits(w string) int {
	switch n := utf8.RuneCountInString(w); {
	case n < 4:
		return 0
	case n < 8:
		return 1
	default:
		return 2
	}
}

// nameMatches reports whether name matches w the way the index does
// without typos: it starts with w, or one of its words (after an _) does.
func nameMatches(w, name string) bool {
	return strings.HasPrefix(name, w) || strings.Contains(name, "_"+w)
}

// nameDistance is the fewest edits from w to name or to one of its words.
func nameDistance(w, name string, limit int) int {
	best := editDistance(w, name, limit)
	if strings.Contains(name, "_") {
		for _, part := range strings.Split(name, "_") {
			if d := editDistance(w, part, limit); d < best {
				best = d
			}
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b,
// or limit+1 when it is larger than limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if d := prev[len(rb)]; d <= limit {
		return d
	}
	return limit + 1
}

// trigrams are w's three-letter substrings (none for shorter words).
func trigrams(w string) []string {
	r := []rune(w)
	var out []string
	seen := map[string]bool{}
	for i := 0; i+3 <= len(r); i++ {
		t := string(r[i : i+3])
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// firstTwo is w's first two letters.
func firstTwo(w string) string {
	r := []rune(w)
	if len(r) > 2 {
		r = r[:2]
	}
	return string(r)
}
