// Package semver parses and orders package versions the way Depot stores them:
// Semantic Versioning 2.0.0 without build metadata, with the pre-release part
// limited to 64 bytes. It also reads the version requirements that Hex
// metadata carries (see requirement.go).
//
// Parsing is strict so that a version has exactly one spelling: String
// returns the text that was parsed, and two versions are equal (==) exactly
// when their texts are equal. That lets Version serve as a map key and makes
// "1.0.0" and "01.0.0" impossible to publish side by side.
package semver

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MaxPrereleaseLen is the longest pre-release part (the text after '-')
// that Parse accepts, in bytes.
const MaxPrereleaseLen = 64

// maxInputLen bounds the whole input, build metadata included, so that
// hostile strings are refused before any work.
const maxInputLen = 512

var (
	// ErrInvalid is wrapped by every parse error except build metadata.
	ErrInvalid = errors.New("invalid version")
	// ErrBuildMetadata reports a version with a "+build" suffix: valid
	// SemVer, but Depot does not accept it because it plays no part in
	// precedence and would let two distinct releases compare equal.
	ErrBuildMetadata = errors.New("build metadata is not accepted")
)

// Error describes why a string is not an acceptable version.
type Error struct {
	Input  string
	Reason string
	Err    error // ErrInvalid or ErrBuildMetadata
}

func (e *Error) Error() string {
	return fmt.Sprintf("version %q: %s", e.Input, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

// Version is a parsed SemVer 2.0.0 version without build metadata.
// The zero value is 0.0.0. Versions are comparable with ==, which agrees with
// Compare(...) == 0 because build metadata is never present.
type Version struct {
	Major, Minor, Patch uint64
	// Pre is the pre-release part without the leading '-', e.g. "rc.1";
	// empty for a release.
	Pre string
}

// Parse reads a strict SemVer 2.0.0 version: MAJOR.MINOR.PATCH with an
// optional "-PRERELEASE". Numeric identifiers must not have leading zeros,
// numbers must fit in 64 bits, and build metadata ("+...") is refused with
// an error that matches ErrBuildMetadata.
func Parse(s string) (Version, error) {
	v, build, err := parse(s)
	if err != nil {
		return Version{}, err
	}
	if build != "" {
		return Version{}, &Error{Input: s, Reason: "build metadata (+" + build + ") is not accepted", Err: ErrBuildMetadata}
	}
	return v, nil
}

// MustParse is Parse for constants in code and tests; it panics on error.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// parse reads a version and returns its build metadata separately, so that
// callers decide whether to accept it.
func parse(s string) (Version, string, error) {
	bad := func(reason string) (Version, string, error) {
		return Version{}, "", &Error{Input: s, Reason: reason, Err: ErrInvalid}
	}
	if s == "" {
		return bad("empty")
	}
	if len(s) > maxInputLen {
		return bad("too long")
	}
	core, build, hasBuild := strings.Cut(s, "+")
	if hasBuild {
		if err := checkIdentifiers(build, false); err != "" {
			return bad("build metadata " + err)
		}
	}
	core, pre, hasPre := strings.Cut(core, "-")
	if hasPre {
		if len(pre) > MaxPrereleaseLen {
			return bad(fmt.Sprintf("pre-release part is longer than %d bytes", MaxPrereleaseLen))
		}
		if err := checkIdentifiers(pre, true); err != "" {
			return bad("pre-release " + err)
		}
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return bad("must have the form MAJOR.MINOR.PATCH")
	}
	var nums [3]uint64
	for i, p := range parts {
		n, reason := parseNumber(p)
		if reason != "" {
			return bad([]string{"major", "minor", "patch"}[i] + " " + reason)
		}
		nums[i] = n
	}
	return Version{Major: nums[0], Minor: nums[1], Patch: nums[2], Pre: pre}, build, nil
}

// parseNumber reads a numeric version component: digits only, no leading
// zero, at most 64 bits.
func parseNumber(p string) (uint64, string) {
	if p == "" {
		return 0, "is empty"
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, fmt.Sprintf("%q is not a number", p)
		}
	}
	if len(p) > 1 && p[0] == '0' {
		return 0, fmt.Sprintf("%q has a leading zero", p)
	}
	n, err := strconv.ParseUint(p, 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("%q is too large", p)
	}
	return n, ""
}

// checkIdentifiers validates a dot-separated list of identifiers made of
// [0-9A-Za-z-]. In a pre-release, numeric identifiers must not have leading
// zeros; build identifiers may.
func checkIdentifiers(s string, pre bool) string {
	if s == "" {
		return "is empty"
	}
	for id := range strings.SplitSeq(s, ".") {
		if id == "" {
			return "has an empty identifier"
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				numeric = false
			default:
				return fmt.Sprintf("identifier %q has a character outside [0-9A-Za-z-]", id)
			}
		}
		if pre && numeric && len(id) > 1 && id[0] == '0' {
			return fmt.Sprintf("identifier %q has a leading zero", id)
		}
	}
	return ""
}

// String returns the canonical text of v, which Parse reads back to v.
func (v Version) String() string {
	var b strings.Builder
	b.Grow(16 + len(v.Pre))
	b.WriteString(strconv.FormatUint(v.Major, 10))
	b.WriteByte('.')
	b.WriteString(strconv.FormatUint(v.Minor, 10))
	b.WriteByte('.')
	b.WriteString(strconv.FormatUint(v.Patch, 10))
	if v.Pre != "" {
		b.WriteByte('-')
		b.WriteString(v.Pre)
	}
	return b.String()
}

// IsPrerelease reports whether v has a pre-release part.
func (v Version) IsPrerelease() bool { return v.Pre != "" }

// Compare returns -1, 0 or +1 as v has lower, equal or higher precedence
// than w, following SemVer 2.0.0 §11: numbers compare numerically; a
// pre-release is lower than the release; pre-release identifiers compare
// one by one, numeric ones numerically and below alphanumeric ones, which
// compare in ASCII order; a shorter list that is a prefix of a longer one is
// lower.
func (v Version) Compare(w Version) int {
	if c := cmp.Compare(v.Major, w.Major); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Minor, w.Minor); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Patch, w.Patch); c != 0 {
		return c
	}
	return comparePre(v.Pre, w.Pre)
}

func comparePre(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1 // release > pre-release
	case b == "":
		return -1
	}
	for {
		ida, resta, moreA := strings.Cut(a, ".")
		idb, restb, moreB := strings.Cut(b, ".")
		if c := compareIdentifier(ida, idb); c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = resta, restb
	}
}

func compareIdentifier(a, b string) int {
	na, nb := isNumeric(a), isNumeric(b)
	switch {
	case na && nb:
		// No leading zeros, so a longer number is larger; equal lengths
		// compare as text. This works for numbers beyond 64 bits too.
		if c := cmp.Compare(len(a), len(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	case na:
		return -1
	case nb:
		return 1
	default:
		return strings.Compare(a, b)
	}
}

func isNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Less reports whether a has lower precedence than b.
func Less(a, b Version) bool { return a.Compare(b) < 0 }

// Sort orders vs by ascending precedence.
func Sort(vs []Version) {
	slices.SortStableFunc(vs, Version.Compare)
}
