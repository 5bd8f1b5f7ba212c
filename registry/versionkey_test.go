package registry

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/depot-registry/depot/semver"
)

func TestVersionKeyOrderExamples(t *testing.T) {
	t.Parallel()
	// SemVer 2.0.0 §11's example chain plus edges of the encoding: byte
	// boundaries of numbers, numeric vs alphanumeric identifiers, and long
	// numeric identifiers beyond 64 bits.
	ordered := []string{
		"0.0.0-0",
		"0.0.0",
		"0.0.1",
		"0.1.0",
		"1.0.0-0",
		"1.0.0-1",
		"1.0.0-2",
		"1.0.0-10",
		"1.0.0-99999999999999999999999",
		"1.0.0-A",
		"1.0.0-alpha",
		"1.0.0-alpha.1",
		"1.0.0-alpha.beta",
		"1.0.0-beta",
		"1.0.0-beta.2",
		"1.0.0-beta.11",
		"1.0.0-rc.1",
		"1.0.0",
		"1.0.255",
		"1.0.256",
		"1.2.0",
		"2.0.0",
		"255.0.0",
		"256.0.0",
		"18446744073709551615.0.0",
	}
	for i := 1; i < len(ordered); i++ {
		a, b := semver.MustParse(ordered[i-1]), semver.MustParse(ordered[i])
		if c := bytes.Compare(VersionKey(a), VersionKey(b)); c >= 0 {
			t.Errorf("key(%s) vs key(%s) = %d, want < 0", a, b, c)
		}
	}
}

func TestVersionKeyMatchesSemverCompare(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	versions := make([]semver.Version, 3000)
	for i := range versions {
		versions[i] = randomVersion(r)
	}
	for i := 0; i < 200_000; i++ {
		a, b := versions[r.IntN(len(versions))], versions[r.IntN(len(versions))]
		want := a.Compare(b)
		got := bytes.Compare(VersionKey(a), VersionKey(b))
		if got != want {
			t.Fatalf("Compare(%s, %s) = %d but key order is %d", a, b, want, got)
		}
	}
	// Sorting by key must give the same sequence as sorting by precedence.
	byKey := slices.Clone(versions)
	slices.SortStableFunc(byKey, func(a, b semver.Version) int { return bytes.Compare(VersionKey(a), VersionKey(b)) })
	for i := 1; i < len(byKey); i++ {
		if byKey[i-1].Compare(byKey[i]) > 0 {
			t.Fatalf("key order puts %s before %s", byKey[i-1], byKey[i])
		}
	}
}

// randomVersion draws from small alphabets so that equal prefixes, equal
// numbers and shared identifiers are frequent: that is where encodings break.
func randomVersion(r *rand.Rand) semver.Version {
	num := func() uint64 {
		switch r.IntN(6) {
		case 0:
			return r.Uint64()
		case 1:
			return uint64(r.IntN(70000))
		default:
			return uint64(r.IntN(4))
		}
	}
	v := semver.Version{Major: num(), Minor: num(), Patch: num()}
	if r.IntN(3) == 0 {
		return v
	}
	words := []string{"alpha", "beta", "rc", "a", "ab", "A", "Z", "x-y", "-", "0a", "1a"}
	var ids []string
	for n := 1 + r.IntN(4); n > 0; n-- {
		switch r.IntN(3) {
		case 0:
			ids = append(ids, words[r.IntN(len(words))])
		case 1:
			ids = append(ids, fmt.Sprint(r.IntN(12)))
		default:
			ids = append(ids, fmt.Sprint(r.Uint64()))
		}
	}
	v.Pre = strings.Join(ids, ".")
	if len(v.Pre) > semver.MaxPrereleaseLen {
		v.Pre = v.Pre[:semver.MaxPrereleaseLen]
		v.Pre = strings.Trim(v.Pre, ".")
	}
	// Keep only versions the parser accepts (the truncation can leave a
	// leading-zero or empty identifier).
	if _, err := semver.Parse(v.String()); err != nil {
		v.Pre = "rc"
	}
	return v
}
