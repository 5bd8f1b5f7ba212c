package semver

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrInvalidRequirement is wrapped by every ParseRequirement error.
var ErrInvalidRequirement = errors.New("invalid version requirement")

// maxRequirementLen bounds requirement strings; real ones are a few dozen
// bytes.
const maxRequirementLen = 1024

// Requirement is a parsed Hex (Elixir Version) requirement such as
// "~> 1.2", ">= 1.0.0 and < 2.0.0" or "1.0.0 or ~> 2.0".
//
// Grammar: clauses joined by "and" and "or", where "and" binds tighter than
// "or". A clause is OP VERSION with OP one of ==, !=, >, >=, <, <=, ~>, or a
// bare VERSION meaning ==. Whitespace between OP and VERSION is optional.
// VERSION is MAJOR.MINOR.PATCH[-PRE]; only ~> also accepts MAJOR.MINOR[-PRE].
// Build metadata in a requirement is accepted and ignored, as Elixir does.
//
// Semantics follow Elixir's Version:
//   - "~> 1.2" means ">= 1.2.0 and < 2.0.0-0"; "~> 1.2.3" means
//     ">= 1.2.3 and < 1.3.0-0". The "-0" upper bound keeps pre-releases of
//     the next version out.
//   - Pre-releases (Hex's allow_pre: false, simplified): a pre-release
//     version matches an "and" group only if that group itself names a
//     pre-release version; otherwise pre-releases never match. So "~> 1.0"
//     does not match 1.5.0-rc.1, while ">= 1.5.0-rc.0" does.
//
// The zero Requirement matches nothing.
type Requirement struct {
	text   string
	groups []group // alternatives ("or")
}

type group struct {
	conds    []cond // all must hold ("and")
	allowPre bool   // the group names a pre-release version
}

type cond struct {
	op string // ==, !=, >, >=, <, <=
	v  Version
}

// String returns the requirement text as given to ParseRequirement.
func (r Requirement) String() string { return r.text }

// Matches reports whether v satisfies the requirement.
func (r Requirement) Matches(v Version) bool {
	for _, g := range r.groups {
		if v.IsPrerelease() && !g.allowPre {
			continue
		}
		ok := true
		for _, c := range g.conds {
			if !c.holds(v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c cond) holds(v Version) bool {
	x := v.Compare(c.v)
	switch c.op {
	case "==":
		return x == 0
	case "!=":
		return x != 0
	case ">":
		return x > 0
	case ">=":
		return x >= 0
	case "<":
		return x < 0
	case "<=":
		return x <= 0
	}
	return false
}

// ParseRequirement parses a Hex version requirement; see Requirement.
func ParseRequirement(s string) (Requirement, error) {
	bad := func(format string, args ...any) (Requirement, error) {
		return Requirement{}, fmt.Errorf("%w %q: %s", ErrInvalidRequirement, s, fmt.Sprintf(format, args...))
	}
	if len(s) > maxRequirementLen {
		return bad("longer than %d bytes", maxRequirementLen)
	}
	toks := tokenize(s)
	if len(toks) == 0 {
		return bad("empty")
	}
	r := Requirement{text: s}
	var cur group
	expectClause := true
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !expectClause {
			switch t {
			case "and":
			case "or":
				r.groups = append(r.groups, cur)
				cur = group{}
			default:
				return bad("expected \"and\" or \"or\" before %q", t)
			}
			expectClause = true
			continue
		}
		op := "=="
		if isOperator(t) {
			op = t
			i++
			if i == len(toks) {
				return bad("operator %s has no version", t)
			}
			t = toks[i]
		}
		if t == "and" || t == "or" || isOperator(t) {
			return bad("expected a version, found %q", t)
		}
		v, partial, err := parseReqVersion(t)
		if err != nil {
			return bad("%v", err)
		}
		if partial && op != "~>" {
			return bad("%s needs MAJOR.MINOR.PATCH (only ~> accepts MAJOR.MINOR)", t)
		}
		if v.IsPrerelease() {
			cur.allowPre = true
		}
		if op != "~>" {
			cur.conds = append(cur.conds, cond{op: op, v: v})
		} else {
			cur.conds = append(cur.conds, cond{op: ">=", v: v})
			// Upper bound: next major for ~> M.m, next minor for ~> M.m.p.
			var upper Version
			overflow := false
			if partial {
				overflow = v.Major == math.MaxUint64
				upper = Version{Major: v.Major + 1, Pre: "0"}
			} else {
				overflow = v.Minor == math.MaxUint64
				upper = Version{Major: v.Major, Minor: v.Minor + 1, Pre: "0"}
			}
			if !overflow {
				cur.conds = append(cur.conds, cond{op: "<", v: upper})
			}
		}
		expectClause = false
	}
	if expectClause {
		return bad("ends with %q", toks[len(toks)-1])
	}
	r.groups = append(r.groups, cur)
	return r, nil
}

var operators = []string{"==", "!=", ">=", "<=", "~>", ">", "<"}

func isOperator(t string) bool {
	for _, op := range operators {
		if t == op {
			return true
		}
	}
	return false
}

// tokenize splits on whitespace and also separates a leading operator from
// a version written without a space (">=1.0.0").
func tokenize(s string) []string {
	var toks []string
	for f := range strings.FieldsSeq(s) {
		for _, op := range operators {
			if isOperator(f) {
				break
			}
			if strings.HasPrefix(f, op) && len(f) > len(op) {
				toks = append(toks, op)
				f = f[len(op):]
				break
			}
		}
		toks = append(toks, f)
	}
	return toks
}

// parseReqVersion reads a version inside a requirement: a full version, or
// MAJOR.MINOR[-PRE] (partial). Build metadata is dropped.
func parseReqVersion(t string) (Version, bool, error) {
	core, suffix := t, ""
	if i := strings.IndexAny(t, "-+"); i >= 0 {
		core, suffix = t[:i], t[i:]
	}
	if strings.Count(core, ".") == 1 {
		v, _, err := parse(core + ".0" + suffix)
		if err != nil {
			return Version{}, false, fmt.Errorf("version %q is not valid", t)
		}
		return v, true, nil
	}
	v, _, err := parse(t)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return Version{}, false, fmt.Errorf("version %q: %s", t, e.Reason)
		}
		return Version{}, false, err
	}
	return v, false, nil
}
