// Package term reads and writes the Erlang term text that Hex packages use
// for metadata.config: one "Term." per entry, as file:consult/1 reads it.
//
// The parser never evaluates anything. It builds plain Go values for the
// subset of Erlang's term syntax that data files use: atoms (bare and
// 'quoted'), integers, floats, "strings" (char lists), binaries (<<"text">>,
// <<"text"/utf8>>, <<1,2,3>>), tuples, lists, maps (#{K => V}) and %
// comments. It enforces limits on nesting depth, term count and input size
// so that hostile input cannot exhaust the stack or memory.
//
// Hex clients read metadata.config with hex_core's safe_erl_term, a smaller
// dialect than Erlang itself: no comments, no floats, no \x escapes, octal
// escapes only with exactly three digits, and only atoms that already exist
// in the client's VM. Options.Hex restricts parsing to what Hex clients read
// the same way Erlang does, and ValidateHex checks a term before writing.
// Escapes whose meaning differs between the two readers (\x.., one- or
// two-digit octal, a backslash before whitespace) are refused in every mode,
// so a file can never mean one thing to Depot and another to a client.
//
// Format writes text that both file:consult/1 and hex_core read back to the
// same term: Parse(Format(t)) is Equal to t.
package term

import (
	"fmt"
	"math"
)

// Term is one Erlang term: Atom, Integer, Float, Binary, Charlist, Tuple,
// List or Map.
type Term interface{ isTerm() }

// Atom is an Erlang atom such as true, nil or 'Hello world'.
type Atom string

// Integer is an Erlang integer. Integers beyond 64 bits are refused.
type Integer int64

// Float is an Erlang float. Hex clients cannot read floats in metadata.
type Float float64

// Binary is an Erlang binary; the string holds its raw bytes, which need not
// be UTF-8.
type Binary string

// Charlist is an Erlang "string", a list of code points, held as UTF-8. It is
// kept apart from List so that "abc" and [97,98,99] each format back as
// written.
type Charlist string

// Tuple is {E1, E2, ...}.
type Tuple []Term

// List is a proper list [E1, E2, ...]. Improper lists are not supported.
type List []Term

// Map is #{K1 => V1, ...}, in source order. Duplicate keys are kept as read.
type Map []MapEntry

// MapEntry is one K => V association of a Map.
type MapEntry struct {
	Key, Value Term
}

func (Atom) isTerm()     {}
func (Integer) isTerm()  {}
func (Float) isTerm()    {}
func (Binary) isTerm()   {}
func (Charlist) isTerm() {}
func (Tuple) isTerm()    {}
func (List) isTerm()     {}
func (Map) isTerm()      {}

// Equal reports whether a and b are the same term. Floats compare by bit
// pattern, so -0.0 and 0.0 differ, as they do after a round trip; nil and
// empty Tuple/List/Map are equal.
func Equal(a, b Term) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case Atom:
		b, ok := b.(Atom)
		return ok && a == b
	case Integer:
		b, ok := b.(Integer)
		return ok && a == b
	case Float:
		b, ok := b.(Float)
		return ok && math.Float64bits(float64(a)) == math.Float64bits(float64(b))
	case Binary:
		b, ok := b.(Binary)
		return ok && a == b
	case Charlist:
		b, ok := b.(Charlist)
		return ok && a == b
	case Tuple:
		b, ok := b.(Tuple)
		return ok && equalSlices(a, b)
	case List:
		b, ok := b.(List)
		return ok && equalSlices(a, b)
	case Map:
		b, ok := b.(Map)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !Equal(a[i].Key, b[i].Key) || !Equal(a[i].Value, b[i].Value) {
				return false
			}
		}
		return true
	}
	return false
}

func equalSlices(a, b []Term) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// HexAtoms are the only atoms that Hex metadata may contain: hex_core writes
// every other atom as a binary, and reads atoms only if they already exist
// in the client's VM, which only these are sure to.
var HexAtoms = map[Atom]bool{"true": true, "false": true, "nil": true}

// ValidateHex reports the first part of t that Hex clients cannot read back
// as the same term: a float, or an atom outside HexAtoms.
func ValidateHex(t Term) error {
	return validateHex(t, 0)
}

func validateHex(t Term, depth int) error {
	if depth > DefaultLimits.MaxDepth {
		return fmt.Errorf("term nested deeper than %d levels", DefaultLimits.MaxDepth)
	}
	switch t := t.(type) {
	case Float:
		return fmt.Errorf("float %v cannot be read by Hex clients", float64(t))
	case Atom:
		if !HexAtoms[t] {
			return fmt.Errorf("atom %s cannot be read by Hex clients (only true, false and nil)", formatAtom(string(t)))
		}
	case Tuple:
		return validateHexAll(t, depth)
	case List:
		return validateHexAll(t, depth)
	case Map:
		for _, e := range t {
			if err := validateHex(e.Key, depth+1); err != nil {
				return err
			}
			if err := validateHex(e.Value, depth+1); err != nil {
				return err
			}
		}
	case nil:
		return fmt.Errorf("missing term")
	}
	return nil
}

func validateHexAll(ts []Term, depth int) error {
	for _, e := range ts {
		if err := validateHex(e, depth+1); err != nil {
			return err
		}
	}
	return nil
}
