// Package etf is Depot's own codec for the Erlang External Term Format, the body
// format the Hex HTTP API (served by Depot under /api) speaks with mix and rebar3.
//
// It is deliberately small and defensive: Decode accepts only the term types hexpm
// request bodies use, refuses everything else with a typed *Error, bounds input
// size, nesting depth and element counts (a length that exceeds the remaining bytes
// is refused before anything is allocated), and never creates atoms the caller did
// not expect: atoms other than true/false/nil decode to Atom so callers can refuse
// "atom where a binary belongs".
package etf

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"sort"
)

// Tags of the External Term Format.
const (
	version        = 131
	tagNewFloat    = 70
	tagCompressed  = 80
	tagSmallInt    = 97
	tagInt         = 98
	tagAtom        = 100
	tagSmallTuple  = 104
	tagNil         = 106
	tagString      = 107
	tagList        = 108
	tagBinary      = 109
	tagSmallBig    = 110
	tagSmallAtom   = 115
	tagMap         = 116
	tagAtomUTF8    = 118
	tagSmallAtomU8 = 119
)

// Defaults used when Options leaves a bound zero.
const (
	DefaultMaxSize  = 1 << 20
	DefaultMaxDepth = 32
)

// Atom is an Erlang atom other than true, false and nil.
type Atom string

// Tuple is an Erlang tuple (SMALL_TUPLE_EXT).
type Tuple []any

// Pair is one key/value of a Map.
type Pair struct {
	K string
	V any
}

// Map is an ordered map with binary keys; Encode writes it in this order.
type Map []Pair

// Get returns the value under key k.
func (m Map) Get(k string) (any, bool) {
	for _, p := range m {
		if p.K == k {
			return p.V, true
		}
	}
	return nil, false
}

// Error reports why a body is not an acceptable term, and where.
type Error struct {
	Offset int
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("etf: %s at byte %d", e.Reason, e.Offset) }

// Options bound Decode; zero fields take the defaults.
type Options struct {
	MaxSize  int
	MaxDepth int
}

// Decode reads one term. Maps decode to map[string]any when all keys are binaries
// (any other key is refused), binaries and STRING_EXT to string, integers to int64,
// floats to float64, lists to []any, true/false to bool, nil to nil, other atoms to
// Atom and small tuples to Tuple.
func Decode(b []byte, o Options) (any, error) {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if len(b) > o.MaxSize {
		return nil, &Error{0, fmt.Sprintf("body of %d bytes exceeds the limit of %d", len(b), o.MaxSize)}
	}
	if len(b) == 0 {
		return nil, &Error{0, "empty body"}
	}
	if b[0] != version {
		if b[0] == '{' || b[0] == '[' {
			return nil, &Error{0, "body looks like JSON, not Erlang term format (version byte 131 expected)"}
		}
		return nil, &Error{0, fmt.Sprintf("version byte %d, want 131", b[0])}
	}
	d := &decoder{b: b, pos: 1, maxDepth: o.MaxDepth}
	v, err := d.term(0)
	if err != nil {
		return nil, err
	}
	if d.pos != len(b) {
		return nil, &Error{d.pos, fmt.Sprintf("%d trailing bytes after the term", len(b)-d.pos)}
	}
	return v, nil
}

type decoder struct {
	b        []byte
	pos      int
	maxDepth int
}

func (d *decoder) fail(format string, a ...any) error {
	return &Error{d.pos, fmt.Sprintf(format, a...)}
}

func (d *decoder) need(n int) error {
	if n < 0 || n > len(d.b)-d.pos {
		return d.fail("truncated: need %d bytes, %d left", n, len(d.b)-d.pos)
	}
	return nil
}

func (d *decoder) u8() (int, error) {
	if err := d.need(1); err != nil {
		return 0, err
	}
	d.pos++
	return int(d.b[d.pos-1]), nil
}

func (d *decoder) u16() (int, error) {
	if err := d.need(2); err != nil {
		return 0, err
	}
	d.pos += 2
	return int(binary.BigEndian.Uint16(d.b[d.pos-2:])), nil
}

func (d *decoder) u32() (int, error) {
	if err := d.need(4); err != nil {
		return 0, err
	}
	d.pos += 4
	v := binary.BigEndian.Uint32(d.b[d.pos-4:])
	if uint64(v) > uint64(len(d.b)) {
		return 0, d.fail("length %d exceeds the body", v)
	}
	return int(v), nil
}

func (d *decoder) bytes(n int) ([]byte, error) {
	if err := d.need(n); err != nil {
		return nil, err
	}
	d.pos += n
	return d.b[d.pos-n : d.pos], nil
}

func (d *decoder) term(depth int) (any, error) {
	if depth > d.maxDepth {
		return nil, d.fail("nesting deeper than %d", d.maxDepth)
	}
	start := d.pos
	tag, err := d.u8()
	if err != nil {
		return nil, err
	}
	switch tag {
	case tagSmallInt:
		v, err := d.u8()
		return int64(v), err
	case tagInt:
		if err := d.need(4); err != nil {
			return nil, err
		}
		d.pos += 4
		return int64(int32(binary.BigEndian.Uint32(d.b[d.pos-4:]))), nil
	case tagSmallBig:
		n, err := d.u8()
		if err != nil {
			return nil, err
		}
		sign, err := d.u8()
		if err != nil {
			return nil, err
		}
		digits, err := d.bytes(n)
		if err != nil {
			return nil, err
		}
		if sign > 1 {
			return nil, &Error{start, "bad bignum sign"}
		}
		var mag uint64
		for i := len(digits) - 1; i >= 0; i-- {
			if mag > math.MaxUint64>>8 {
				return nil, &Error{start, "integer out of int64 range"}
			}
			mag = mag<<8 | uint64(digits[i])
		}
		if sign == 0 {
			if mag > math.MaxInt64 {
				return nil, &Error{start, "integer out of int64 range"}
			}
			return int64(mag), nil
		}
		if mag > 1<<63 {
			return nil, &Error{start, "integer out of int64 range"}
		}
		return -int64(mag), nil // -(1<<63) wraps to MinInt64, which is right
	case tagNewFloat:
		if err := d.need(8); err != nil {
			return nil, err
		}
		d.pos += 8
		f := math.Float64frombits(binary.BigEndian.Uint64(d.b[d.pos-8:]))
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, &Error{start, "float is not finite"}
		}
		return f, nil
	case tagAtom, tagAtomUTF8:
		n, err := d.u16()
		if err != nil {
			return nil, err
		}
		return d.atom(n)
	case tagSmallAtom, tagSmallAtomU8:
		n, err := d.u8()
		if err != nil {
			return nil, err
		}
		return d.atom(n)
	case tagBinary:
		n, err := d.u32()
		if err != nil {
			return nil, err
		}
		s, err := d.bytes(n)
		return string(s), err
	case tagString:
		n, err := d.u16()
		if err != nil {
			return nil, err
		}
		s, err := d.bytes(n)
		return string(s), err
	case tagNil:
		return []any{}, nil
	case tagList:
		n, err := d.u32()
		if err != nil {
			return nil, err
		}
		// Every element takes at least one byte, the tail too.
		if err := d.need(n + 1); err != nil {
			return nil, err
		}
		out := make([]any, 0, n)
		for range n {
			v, err := d.term(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if t, err := d.u8(); err != nil {
			return nil, err
		} else if t != tagNil {
			return nil, &Error{d.pos - 1, "improper list"}
		}
		return out, nil
	case tagSmallTuple:
		n, err := d.u8()
		if err != nil {
			return nil, err
		}
		if err := d.need(n); err != nil {
			return nil, err
		}
		out := make(Tuple, 0, n)
		for range n {
			v, err := d.term(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case tagMap:
		n, err := d.u32()
		if err != nil {
			return nil, err
		}
		if err := d.need(2 * n); err != nil {
			return nil, err
		}
		out := make(map[string]any, n)
		for range n {
			kpos := d.pos
			k, err := d.term(depth + 1)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok || d.b[kpos] != tagBinary {
				return nil, &Error{kpos, "map key is not a binary"}
			}
			v, err := d.term(depth + 1)
			if err != nil {
				return nil, err
			}
			if _, dup := out[ks]; dup {
				return nil, &Error{kpos, fmt.Sprintf("duplicate map key %q", ks)}
			}
			out[ks] = v
		}
		return out, nil
	case tagCompressed:
		return nil, &Error{start, "compressed terms are not accepted"}
	default:
		return nil, &Error{start, fmt.Sprintf("term type %d is not accepted", tag)}
	}
}

func (d *decoder) atom(n int) (any, error) {
	s, err := d.bytes(n)
	if err != nil {
		return nil, err
	}
	switch string(s) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "nil":
		return nil, nil
	}
	return Atom(s), nil
}

// Encode writes v as a term with version byte 131. It accepts Map, map[string]any
// (keys sorted, so output is deterministic), []any, []map[string]any, []string,
// string and []byte (as binaries), int, int64, float64, bool, nil, Atom and Tuple.
func Encode(v any) ([]byte, error) {
	return appendTerm([]byte{version}, v, 0)
}

func appendTerm(b []byte, v any, depth int) ([]byte, error) {
	if depth > DefaultMaxDepth {
		return nil, fmt.Errorf("etf: encode: nesting deeper than %d", DefaultMaxDepth)
	}
	var err error
	switch x := v.(type) {
	case nil:
		return appendAtom(b, "nil"), nil
	case bool:
		if x {
			return appendAtom(b, "true"), nil
		}
		return appendAtom(b, "false"), nil
	case Atom:
		if len(x) > 255 {
			return nil, fmt.Errorf("etf: encode: atom longer than 255 bytes")
		}
		return appendAtom(b, string(x)), nil
	case string:
		return appendBinary(b, []byte(x)), nil
	case []byte:
		return appendBinary(b, x), nil
	case int:
		return appendInt(b, int64(x)), nil
	case int64:
		return appendInt(b, x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("etf: encode: float is not finite")
		}
		b = append(b, tagNewFloat)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(x)), nil
	case Map:
		b = append(b, tagMap)
		b = binary.BigEndian.AppendUint32(b, uint32(len(x)))
		for _, p := range x {
			b = appendBinary(b, []byte(p.K))
			if b, err = appendTerm(b, p.V, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := make(Map, len(keys))
		for i, k := range keys {
			m[i] = Pair{k, x[k]}
		}
		return appendTerm(b, m, depth)
	case []any:
		return appendList(b, len(x), func(i int) any { return x[i] }, depth)
	case []map[string]any:
		return appendList(b, len(x), func(i int) any { return x[i] }, depth)
	case []Map:
		return appendList(b, len(x), func(i int) any { return x[i] }, depth)
	case []string:
		return appendList(b, len(x), func(i int) any { return x[i] }, depth)
	case Tuple:
		if len(x) > 255 {
			return nil, fmt.Errorf("etf: encode: tuple of %d elements", len(x))
		}
		b = append(b, tagSmallTuple, byte(len(x)))
		for _, e := range x {
			if b, err = appendTerm(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	default:
		return nil, fmt.Errorf("etf: encode: unsupported type %T", v)
	}
}

func appendList(b []byte, n int, at func(int) any, depth int) ([]byte, error) {
	if n == 0 {
		return append(b, tagNil), nil
	}
	b = append(b, tagList)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	var err error
	for i := range n {
		if b, err = appendTerm(b, at(i), depth+1); err != nil {
			return nil, err
		}
	}
	return append(b, tagNil), nil
}

func appendAtom(b []byte, s string) []byte {
	b = append(b, tagSmallAtomU8, byte(len(s)))
	return append(b, s...)
}

func appendBinary(b, s []byte) []byte {
	b = append(b, tagBinary)
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func appendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= 255:
		return append(b, tagSmallInt, byte(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		b = append(b, tagInt)
		return binary.BigEndian.AppendUint32(b, uint32(int32(v)))
	}
	mag := new(big.Int).Abs(big.NewInt(v)).Bytes() // big-endian
	sign := byte(0)
	if v < 0 {
		sign = 1
	}
	b = append(b, tagSmallBig, byte(len(mag)), sign)
	for i := len(mag) - 1; i >= 0; i-- {
		b = append(b, mag[i])
	}
	return b
}
