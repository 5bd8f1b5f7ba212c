package term

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits bound the resources one Parse call may use.
type Limits struct {
	MaxSize  int // input bytes
	MaxDepth int // nesting of tuples, lists, maps and binaries
	MaxNodes int // terms built, at every depth
}

// DefaultLimits suit package metadata: real files are a few KB deep at most
// 5 levels; 1 Mi terms allow a file list of hundreds of thousands of names
// while keeping memory to tens of MB.
var DefaultLimits = Limits{MaxSize: 16 << 20, MaxDepth: 100, MaxNodes: 1 << 20}

// Options select limits and dialect for ParseWith.
type Options struct {
	Limits Limits // zero fields take DefaultLimits
	// Hex restricts input to what Hex clients read the same way: no
	// comments, no floats, and only the atoms in HexAtoms.
	Hex bool
}

// ErrLimit is wrapped by a SyntaxError when the input exceeds a Limits field.
var ErrLimit = errors.New("term limit exceeded")

// SyntaxError reports where and why the input is not acceptable.
type SyntaxError struct {
	Line, Column int // 1-based; Column counts characters
	Msg          string
	Err          error // ErrLimit for limit violations, else nil
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Parse reads a sequence of "Term." entries with DefaultLimits and the full
// dialect. Empty input yields no terms.
func Parse(data []byte) ([]Term, error) {
	return ParseWith(data, Options{})
}

// ParseWith is Parse with explicit limits and dialect.
func ParseWith(data []byte, opts Options) ([]Term, error) {
	l := opts.Limits
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultLimits.MaxSize
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultLimits.MaxNodes
	}
	p := &parser{src: data, lim: l, hex: opts.Hex}
	if len(data) > l.MaxSize {
		return nil, p.limitErr(0, fmt.Sprintf("input is larger than %d bytes", l.MaxSize))
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return nil, p.errAt(i, "input is not valid UTF-8")
	}
	var terms []Term
	for {
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) {
			return terms, nil
		}
		t, err := p.term(0)
		if err != nil {
			return nil, err
		}
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) || p.src[p.pos] != '.' {
			return nil, p.expected("'.' after the term")
		}
		p.pos++
		terms = append(terms, t)
	}
}

type parser struct {
	src   []byte
	pos   int
	lim   Limits
	hex   bool
	nodes int
}

func (p *parser) errAt(pos int, msg string) error {
	line, col := 1, 1
	for _, r := range string(p.src[:min(pos, len(p.src))]) {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &SyntaxError{Line: line, Column: col, Msg: msg}
}

func (p *parser) limitErr(pos int, msg string) error {
	err := p.errAt(pos, msg).(*SyntaxError)
	err.Err = ErrLimit
	return err
}

func (p *parser) expected(what string) error {
	if p.pos >= len(p.src) {
		return p.errAt(p.pos, "unexpected end of input, expected "+what)
	}
	r, _ := utf8.DecodeRune(p.src[p.pos:])
	return p.errAt(p.pos, fmt.Sprintf("unexpected %s, expected %s", describe(r), what))
}

func describe(r rune) string {
	if r < ' ' || r == 0x7f {
		return fmt.Sprintf("control character %U", r)
	}
	return strconv.QuoteRune(r)
}

// skipSpace skips whitespace (every character up to ' ', as Erlang does)
// and, outside the Hex dialect, % comments.
func (p *parser) skipSpace() error {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c <= ' ':
			p.pos++
		case c == '%':
			if p.hex {
				return p.errAt(p.pos, "comments are not allowed (Hex clients cannot read them)")
			}
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return nil
		}
	}
	return nil
}

func (p *parser) node() error {
	p.nodes++
	if p.nodes > p.lim.MaxNodes {
		return p.limitErr(p.pos, fmt.Sprintf("more than %d terms", p.lim.MaxNodes))
	}
	return nil
}

func (p *parser) term(depth int) (Term, error) {
	if depth >= p.lim.MaxDepth {
		return nil, p.limitErr(p.pos, fmt.Sprintf("terms nested deeper than %d levels", p.lim.MaxDepth))
	}
	if err := p.skipSpace(); err != nil {
		return nil, err
	}
	if err := p.node(); err != nil {
		return nil, err
	}
	if p.pos >= len(p.src) {
		return nil, p.expected("a term")
	}
	c := p.src[p.pos]
	switch {
	case c == '{':
		p.pos++
		elems, err := p.sequence(depth, '}')
		return Tuple(elems), err
	case c == '[':
		p.pos++
		elems, err := p.sequence(depth, ']')
		return List(elems), err
	case c == '#':
		return p.mapTerm(depth)
	case c == '<':
		return p.binary(depth)
	case c == '"':
		s, err := p.strings()
		return Charlist(s), err
	case c == '\'':
		return p.quotedAtom()
	case c >= 'a' && c <= 'z':
		return p.bareAtom()
	case c >= '0' && c <= '9', c == '-', c == '+':
		return p.number()
	case c >= 'A' && c <= 'Z', c == '_':
		return nil, p.errAt(p.pos, "variables are not allowed")
	}
	return nil, p.expected("a term")
}

// sequence reads "E1, E2, ... close" after the opening bracket.
func (p *parser) sequence(depth int, close byte) ([]Term, error) {
	var elems []Term
	if err := p.skipSpace(); err != nil {
		return nil, err
	}
	if p.pos < len(p.src) && p.src[p.pos] == close {
		p.pos++
		return elems, nil
	}
	for {
		t, err := p.term(depth + 1)
		if err != nil {
			return nil, err
		}
		elems = append(elems, t)
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.pos < len(p.src) {
			switch p.src[p.pos] {
			case ',':
				p.pos++
				continue
			case close:
				p.pos++
				return elems, nil
			case '|':
				if close == ']' {
					return nil, p.errAt(p.pos, "improper lists are not supported")
				}
			}
		}
		return nil, p.expected(fmt.Sprintf("',' or '%c'", close))
	}
}

func (p *parser) mapTerm(depth int) (Term, error) {
	p.pos++ // '#'
	if err := p.skipSpace(); err != nil {
		return nil, err
	}
	if p.pos >= len(p.src) || p.src[p.pos] != '{' {
		return nil, p.expected("'{' after '#' (records are not supported)")
	}
	p.pos++
	m := Map{}
	if err := p.skipSpace(); err != nil {
		return nil, err
	}
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return m, nil
	}
	for {
		k, err := p.term(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if !p.consume("=>") {
			return nil, p.expected("'=>'")
		}
		v, err := p.term(depth + 1)
		if err != nil {
			return nil, err
		}
		m = append(m, MapEntry{Key: k, Value: v})
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.consume(",") {
			continue
		}
		if p.consume("}") {
			return m, nil
		}
		return nil, p.expected("',' or '}'")
	}
}

func (p *parser) consume(s string) bool {
	if strings.HasPrefix(string(p.src[p.pos:min(len(p.src), p.pos+len(s))]), s) {
		p.pos += len(s)
		return true
	}
	return false
}

// binary reads <<Seg, ...>> where Seg is "text", "text"/utf8 or an integer
// 0..255.
func (p *parser) binary(depth int) (Term, error) {
	if !p.consume("<<") {
		return nil, p.expected("'<<'")
	}
	if depth+1 >= p.lim.MaxDepth {
		return nil, p.limitErr(p.pos, fmt.Sprintf("terms nested deeper than %d levels", p.lim.MaxDepth))
	}
	var b []byte
	if err := p.skipSpace(); err != nil {
		return nil, err
	}
	if p.consume(">>") {
		return Binary(""), nil
	}
	for {
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) {
			return nil, p.expected("a binary segment")
		}
		segStart := p.pos
		switch c := p.src[p.pos]; {
		case c == '"':
			s, err := p.strings()
			if err != nil {
				return nil, err
			}
			if err := p.skipSpace(); err != nil {
				return nil, err
			}
			if p.consume("/") {
				if err := p.skipSpace(); err != nil {
					return nil, err
				}
				if !p.consume("utf8") {
					return nil, p.expected("utf8 after '/' (the only binary type supported)")
				}
				b = append(b, s...)
			} else {
				for _, r := range s {
					if r > 255 {
						return nil, p.errAt(segStart, fmt.Sprintf("character %U does not fit in a byte; write the segment as \"...\"/utf8", r))
					}
					b = append(b, byte(r))
				}
			}
		case c >= '0' && c <= '9':
			start := p.pos
			for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
				p.pos++
			}
			n, err := strconv.Atoi(string(p.src[start:p.pos]))
			if err != nil || n > 255 {
				return nil, p.errAt(start, "binary segment "+string(p.src[start:p.pos])+" is not a byte (0..255)")
			}
			b = append(b, byte(n))
		default:
			return nil, p.expected("a string or a byte in the binary")
		}
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.consume(",") {
			continue
		}
		if p.consume(">>") {
			return Binary(b), nil
		}
		return nil, p.expected("',' or '>>'")
	}
}

// strings reads one or more adjacent "..." literals, which Erlang
// concatenates.
func (p *parser) strings() (string, error) {
	var sb strings.Builder
	for {
		s, err := p.quoted('"')
		if err != nil {
			return "", err
		}
		sb.WriteString(s)
		save := p.pos
		if err := p.skipSpace(); err != nil {
			return "", err
		}
		if p.pos < len(p.src) && p.src[p.pos] == '"' {
			continue
		}
		p.pos = save
		return sb.String(), nil
	}
}

// quoted reads a '...' or "..." literal with escapes, returning UTF-8 text.
func (p *parser) quoted(q byte) (string, error) {
	start := p.pos
	p.pos++ // opening quote
	var sb strings.Builder
	for {
		if p.pos >= len(p.src) {
			kind := "string"
			if q == '\'' {
				kind = "quoted atom"
			}
			return "", p.errAt(start, "unterminated "+kind)
		}
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return sb.String(), nil
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			sb.WriteRune(r)
		default:
			r, n := utf8.DecodeRune(p.src[p.pos:])
			sb.WriteRune(r)
			p.pos += n
		}
	}
}

// escape reads one backslash escape. Only escapes that Erlang and hex_core
// read identically are accepted.
func (p *parser) escape() (rune, error) {
	start := p.pos
	p.pos++ // backslash
	if p.pos >= len(p.src) {
		return 0, p.errAt(start, "unterminated escape")
	}
	c := p.src[p.pos]
	isOct := func(i int) bool { return i < len(p.src) && p.src[i] >= '0' && p.src[i] <= '7' }
	switch {
	case isOct(p.pos):
		if isOct(p.pos+1) && isOct(p.pos+2) {
			v := rune(p.src[p.pos]-'0')<<6 | rune(p.src[p.pos+1]-'0')<<3 | rune(p.src[p.pos+2]-'0')
			p.pos += 3
			return v, nil
		}
		return 0, p.errAt(start, "octal escapes must have exactly three digits (\\000 to \\377)")
	case c == 'x':
		return 0, p.errAt(start, "\\x escapes are not allowed (Hex clients read them differently); use a three-digit octal escape")
	case c <= ' ':
		return 0, p.errAt(start, "a backslash must not be followed by whitespace")
	case c == '^':
		if p.pos+1 >= len(p.src) {
			return 0, p.errAt(start, "unterminated escape")
		}
		r, n := utf8.DecodeRune(p.src[p.pos+1:])
		p.pos += 1 + n
		return r & 31, nil
	}
	p.pos++
	switch c {
	case 'b':
		return '\b', nil
	case 'd':
		return 0x7f, nil
	case 'e':
		return 0x1b, nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 's':
		return ' ', nil
	case 't':
		return '\t', nil
	case 'v':
		return '\v', nil
	}
	// Any other character stands for itself (\\, \", \', ...).
	p.pos--
	r, n := utf8.DecodeRune(p.src[p.pos:])
	p.pos += n
	return r, nil
}

const maxAtomLen = 255 // Erlang's limit, in characters

func (p *parser) quotedAtom() (Term, error) {
	start := p.pos
	s, err := p.quoted('\'')
	if err != nil {
		return nil, err
	}
	return p.atom(start, s)
}

func (p *parser) bareAtom() (Term, error) {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '@' {
			p.pos++
			continue
		}
		break
	}
	s := string(p.src[start:p.pos])
	if reserved[s] {
		return nil, p.errAt(start, fmt.Sprintf("%s is a reserved word; quote it as '%s'", s, s))
	}
	return p.atom(start, s)
}

func (p *parser) atom(start int, s string) (Term, error) {
	if utf8.RuneCountInString(s) > maxAtomLen {
		return nil, p.errAt(start, fmt.Sprintf("atom longer than %d characters", maxAtomLen))
	}
	if p.hex && !HexAtoms[Atom(s)] {
		return nil, p.errAt(start, fmt.Sprintf("atom %s is not allowed (Hex clients read only true, false and nil; write text as a binary)", formatAtom(s)))
	}
	return Atom(s), nil
}

// reserved are Erlang's reserved words, which file:consult does not read as
// bare atoms.
var reserved = map[string]bool{
	"after": true, "and": true, "andalso": true, "band": true, "begin": true, "bnot": true,
	"bor": true, "bsl": true, "bsr": true, "bxor": true, "case": true, "catch": true,
	"cond": true, "div": true, "else": true, "end": true, "fun": true, "if": true, "let": true,
	"maybe": true, "not": true, "of": true, "or": true, "orelse": true, "receive": true,
	"rem": true, "try": true, "when": true, "xor": true,
}

// number reads [+-] digits [. digits [e [+-] digits]].
func (p *parser) number() (Term, error) {
	start := p.pos
	neg := false
	if c := p.src[p.pos]; c == '-' || c == '+' {
		neg = c == '-'
		p.pos++
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
	}
	digits := func() int {
		s := p.pos
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		return p.pos - s
	}
	intStart := p.pos
	if digits() == 0 {
		return nil, p.expected("a number")
	}
	intEnd := p.pos
	isFloat := false
	if p.pos+1 < len(p.src) && p.src[p.pos] == '.' && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9' {
		isFloat = true
		p.pos++
		digits()
		if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
			save := p.pos
			p.pos++
			if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
				p.pos++
			}
			if digits() == 0 {
				p.pos = save
			}
		}
	}
	if p.pos < len(p.src) {
		if c := p.src[p.pos]; c == '#' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return nil, p.errAt(p.pos, "only plain decimal numbers are supported")
		}
	}
	if isFloat {
		if p.hex {
			return nil, p.errAt(start, "floats are not allowed (Hex clients cannot read them)")
		}
		f, err := strconv.ParseFloat(string(p.src[intStart:p.pos]), 64)
		if err != nil {
			return nil, p.errAt(start, "float out of range")
		}
		if neg {
			f = -f
		}
		return Float(f), nil
	}
	text := string(p.src[intStart:intEnd])
	if neg {
		text = "-" + text
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, p.errAt(start, "integer out of the 64-bit range")
	}
	return Integer(n), nil
}
