// Package text is the rule for text Depot accepts from clients, the same on
// every front (GraphQL arguments, tarball metadata) and every database:
// valid UTF-8 without NUL or other control characters. PostgreSQL refuses
// NUL in text columns while SQLite stores it, so without one rule at the
// edge the same input would be an internal error on one database and
// stored on the other; other control characters have no business in names,
// and only confuse logs and terminals.
package text

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Kind says which whitespace controls a value may hold.
type Kind int

const (
	// Line is single-line text: names, logins, versions, URLs.
	Line Kind = iota
	// Multiline is free text (descriptions, messages, addresses,
	// passwords), which may also hold tab, line feed and carriage return.
	Multiline
)

// Error says what is wrong with a value and where.
type Error struct {
	Offset int  // byte offset of the first offending byte
	Rune   rune // the offending character; utf8.RuneError for invalid UTF-8
	Valid  bool // false when the bytes are not valid UTF-8
}

func (e *Error) Error() string {
	if !e.Valid {
		return fmt.Sprintf("is not valid UTF-8 (at byte %d)", e.Offset)
	}
	if e.Rune == 0 {
		return fmt.Sprintf("must not contain NUL (U+0000) (at byte %d)", e.Offset)
	}
	return fmt.Sprintf("must not contain the control character U+%04X (at byte %d)", e.Rune, e.Offset)
}

// Check returns nil when s is acceptable text of kind k, else an *Error
// naming the first offending character.
func Check(s string, k Kind) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				return &Error{Offset: i, Rune: r}
			}
			continue // a real U+FFFD
		}
		if !unicode.IsControl(r) {
			continue
		}
		if k == Multiline && (r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		return &Error{Offset: i, Rune: r, Valid: true}
	}
	return nil
}
