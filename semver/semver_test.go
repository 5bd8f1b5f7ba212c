package semver

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in   string
		want Version
	}{
		{"0.0.0", Version{}},
		{"1.2.3", Version{Major: 1, Minor: 2, Patch: 3}},
		{"10.20.30", Version{Major: 10, Minor: 20, Patch: 30}},
		{"1.0.0-alpha", Version{Major: 1, Pre: "alpha"}},
		{"1.0.0-alpha.1", Version{Major: 1, Pre: "alpha.1"}},
		{"1.0.0-0.3.7", Version{Major: 1, Pre: "0.3.7"}},
		{"1.0.0-x.7.z.92", Version{Major: 1, Pre: "x.7.z.92"}},
		{"1.0.0-x-y-z.--", Version{Major: 1, Pre: "x-y-z.--"}},
		{"1.0.0-alpha0.valid", Version{Major: 1, Pre: "alpha0.valid"}},
		{"1.0.0-0A.is.legal", Version{Major: 1, Pre: "0A.is.legal"}},
		{"18446744073709551615.0.0", Version{Major: 18446744073709551615}},
		{"1.0.0-" + strings.Repeat("a", 64), Version{Major: 1, Pre: strings.Repeat("a", 64)}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in, reason string
	}{
		{"", "empty"},
		{"1", "MAJOR.MINOR.PATCH"},
		{"1.2", "MAJOR.MINOR.PATCH"},
		{"1.2.3.4", "MAJOR.MINOR.PATCH"},
		{"01.2.3", "leading zero"},
		{"1.02.3", "leading zero"},
		{"1.2.03", "leading zero"},
		{"1.2.3-01", "leading zero"},
		{"1.2.3-alpha.01", "leading zero"},
		{"1.2.3-", "empty"},
		{"1.2.3-alpha..1", "empty identifier"},
		{"1.2.3-alpha.", "empty identifier"},
		{"1.2.3-al_pha", "outside [0-9A-Za-z-]"},
		{"1.2.3-é", "outside [0-9A-Za-z-]"},
		{"v1.2.3", "not a number"},
		{" 1.2.3", "not a number"},
		{"1.2.3 ", "not a number"},
		{"1.-2.3", "MAJOR.MINOR.PATCH"},
		{"1..3", "empty"},
		{"18446744073709551616.0.0", "too large"},
		{"1.0.0-" + strings.Repeat("a", 65), "longer than 64 bytes"},
		{"1.2.3" + strings.Repeat("9", 600), "too long"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error", tt.in)
			continue
		}
		if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrBuildMetadata) {
			t.Errorf("Parse(%q) error %v does not match ErrInvalid only", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("Parse(%q) error %q does not mention %q", tt.in, err, tt.reason)
		}
	}
}

func TestParseBuildMetadataRefused(t *testing.T) {
	for _, in := range []string{"1.0.0+build", "1.0.0-rc.1+build.5", "1.0.0+001", "1.0.0+exp.sha.5114f85"} {
		_, err := Parse(in)
		if !errors.Is(err, ErrBuildMetadata) {
			t.Errorf("Parse(%q) = %v, want ErrBuildMetadata", in, err)
		}
		if errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q): build metadata error must be distinct from ErrInvalid", in)
		}
	}
	// Malformed build metadata is simply invalid.
	for _, in := range []string{"1.0.0+", "1.0.0+a..b", "1.0.0+a_b"} {
		if _, err := Parse(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", in, err)
		}
	}
}

// The precedence chain from SemVer 2.0.0 §11, plus core-number cases.
var chain = []string{
	"0.0.0-0",
	"0.0.0",
	"0.0.1",
	"0.1.0",
	"0.9.0",
	"0.10.0",
	"1.0.0-0",
	"1.0.0-1",
	"1.0.0-2",
	"1.0.0-10",
	"1.0.0-99999999999999999999999", // numeric beyond 64 bits
	"1.0.0-A",
	"1.0.0-Z",
	"1.0.0-alpha",
	"1.0.0-alpha.1",
	"1.0.0-alpha.beta",
	"1.0.0-beta",
	"1.0.0-beta.2",
	"1.0.0-beta.11",
	"1.0.0-rc.1",
	"1.0.0",
	"1.0.1",
	"1.1.0",
	"2.0.0-rc.1",
	"2.0.0",
	"10.0.0",
	"18446744073709551615.0.0",
}

func TestComparePrecedenceChain(t *testing.T) {
	vs := make([]Version, len(chain))
	for i, s := range chain {
		vs[i] = MustParse(s)
	}
	for i := range vs {
		for j := range vs {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := vs[i].Compare(vs[j]); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", vs[i], vs[j], got, want)
			}
			if got := Less(vs[i], vs[j]); got != (want < 0) {
				t.Errorf("Less(%s, %s) = %v", vs[i], vs[j], got)
			}
		}
	}
}

func TestSpecExampleChain(t *testing.T) {
	spec := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"}
	for i := 0; i+1 < len(spec); i++ {
		a, b := MustParse(spec[i]), MustParse(spec[i+1])
		if a.Compare(b) != -1 || b.Compare(a) != 1 {
			t.Errorf("want %s < %s", a, b)
		}
	}
}

func TestSort(t *testing.T) {
	vs := make([]Version, len(chain))
	for i, s := range chain {
		vs[i] = MustParse(s)
	}
	want := slices.Clone(vs)
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		r.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
		Sort(vs)
		if !slices.Equal(vs, want) {
			t.Fatalf("Sort = %v, want %v", vs, want)
		}
	}
}

func TestIsPrerelease(t *testing.T) {
	if MustParse("1.0.0").IsPrerelease() || !MustParse("1.0.0-rc.1").IsPrerelease() {
		t.Fatal("IsPrerelease wrong")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range chain {
		f.Add(s)
	}
	f.Add("1.0.0+build")
	f.Add("01.0.0")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrBuildMetadata) {
				t.Fatalf("Parse(%q): unexpected error kind %v", s, err)
			}
			return
		}
		if v.String() != s {
			t.Fatalf("Parse(%q).String() = %q: not canonical", s, v.String())
		}
		w, err := Parse(v.String())
		if err != nil {
			t.Fatalf("Parse(%q) round trip: %v", v.String(), err)
		}
		if w != v || w.Compare(v) != 0 {
			t.Fatalf("round trip %q: %#v != %#v", s, w, v)
		}
		if len(v.Pre) > MaxPrereleaseLen {
			t.Fatalf("pre-release of %q longer than the limit", s)
		}
	})
}
