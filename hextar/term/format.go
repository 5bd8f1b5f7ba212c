package term

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format writes each term as "Term.\n", the layout of metadata.config. The
// text uses only syntax that file:consult/1 and hex_core's reader both read
// back to the same term; see AppendTerm.
func Format(terms ...Term) ([]byte, error) {
	var b []byte
	for _, t := range terms {
		var err error
		if b, err = AppendTerm(b, t); err != nil {
			return nil, err
		}
		b = append(b, ".\n"...)
	}
	return b, nil
}

// FormatTerm returns the text of one term, without the final dot.
func FormatTerm(t Term) (string, error) {
	b, err := AppendTerm(nil, t)
	return string(b), err
}

// AppendTerm appends the text of t to b. Binaries that are UTF-8 with
// non-ASCII text are written <<"..."/utf8>> with the characters as they are;
// other binaries are written <<"...">> with three-digit octal escapes for
// bytes outside printable ASCII. Only escapes that Erlang and hex_core read
// alike are used. Errors: nil terms, NaN or infinite floats, atoms and
// char lists that are not valid UTF-8, and atoms longer than 255 characters.
func AppendTerm(b []byte, t Term) ([]byte, error) {
	return appendTerm(b, t, 0)
}

func appendTerm(b []byte, t Term, depth int) ([]byte, error) {
	if depth > DefaultLimits.MaxDepth {
		return nil, fmt.Errorf("term nested deeper than %d levels", DefaultLimits.MaxDepth)
	}
	var err error
	switch t := t.(type) {
	case Atom:
		if !utf8.ValidString(string(t)) {
			return nil, fmt.Errorf("atom %q is not valid UTF-8", string(t))
		}
		if utf8.RuneCountInString(string(t)) > maxAtomLen {
			return nil, fmt.Errorf("atom longer than %d characters", maxAtomLen)
		}
		return append(b, formatAtom(string(t))...), nil
	case Integer:
		return strconv.AppendInt(b, int64(t), 10), nil
	case Float:
		return appendFloat(b, float64(t))
	case Binary:
		return appendBinary(b, string(t)), nil
	case Charlist:
		if !utf8.ValidString(string(t)) {
			return nil, fmt.Errorf("char list %q is not valid UTF-8", string(t))
		}
		return appendQuoted(b, string(t), '"', false), nil
	case Tuple:
		return appendSeq(append(b, '{'), t, '}', depth)
	case List:
		return appendSeq(append(b, '['), t, ']', depth)
	case Map:
		b = append(b, "#{"...)
		for i, e := range t {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendTerm(b, e.Key, depth+1); err != nil {
				return nil, err
			}
			b = append(b, " => "...)
			if b, err = appendTerm(b, e.Value, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case nil:
		return nil, errors.New("cannot format a nil term")
	}
	return nil, fmt.Errorf("cannot format %T", t)
}

func appendSeq(b []byte, ts []Term, close byte, depth int) ([]byte, error) {
	var err error
	for i, e := range ts {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendTerm(b, e, depth+1); err != nil {
			return nil, err
		}
	}
	return append(b, close), nil
}

// appendFloat writes the shortest text that reads back to f, in Erlang's
// float syntax, which needs digits on both sides of the point: 1.0e+21.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("float %v has no Erlang form", f)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	mant, exp, hasExp := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	b = append(b, mant...)
	if hasExp {
		b = append(b, 'e')
		b = append(b, exp...)
	}
	return b, nil
}

func appendBinary(b []byte, s string) []byte {
	b = append(b, "<<"...)
	if s == "" {
		return append(b, ">>"...)
	}
	if utf8.ValidString(s) && !isASCII(s) {
		b = appendQuoted(b, s, '"', false)
		return append(b, "/utf8>>"...)
	}
	b = appendQuoted(b, s, '"', true)
	return append(b, ">>"...)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// appendQuoted writes s between quote characters. With bytes set, s is raw
// bytes and every byte outside printable ASCII is an octal escape; without,
// s is UTF-8 text and only ASCII control characters are escaped.
func appendQuoted(b []byte, s string, quote byte, bytes bool) []byte {
	b = append(b, quote)
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 && !bytes {
			_, n := utf8.DecodeRuneInString(s[i:])
			b = append(b, s[i:i+n]...)
			i += n
			continue
		}
		i++
		switch {
		case c == quote || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c < ' ' || c >= 0x7f:
			b = append(b, '\\', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
		default:
			b = append(b, c)
		}
	}
	return append(b, quote)
}

// formatAtom writes an atom bare when Erlang reads it back that way, quoted
// otherwise.
func formatAtom(s string) string {
	if isBareAtom(s) {
		return s
	}
	return string(appendQuoted(nil, s, '\'', false))
}

func isBareAtom(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || reserved[s] {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '@') {
			return false
		}
	}
	return true
}
