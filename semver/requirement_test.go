package semver

import (
	"errors"
	"testing"
)

func TestRequirementMatches(t *testing.T) {
	tests := []struct {
		req string
		yes []string
		no  []string
	}{
		{"~> 1.2", []string{"1.2.0", "1.2.9", "1.9.0", "1.99.99"}, []string{"1.1.9", "2.0.0", "2.0.0-rc.1", "1.5.0-rc.1", "0.9.0"}},
		{"~> 1.2.3", []string{"1.2.3", "1.2.10"}, []string{"1.2.2", "1.3.0", "1.3.0-rc.0", "2.0.0"}},
		{"~> 0.1", []string{"0.1.0", "0.9.9"}, []string{"1.0.0", "0.0.9"}},
		{">= 1.0.0 and < 2.0.0", []string{"1.0.0", "1.9.9"}, []string{"0.9.9", "2.0.0", "1.5.0-beta"}},
		{"== 1.0.0", []string{"1.0.0"}, []string{"1.0.1", "1.0.0-rc.1"}},
		{"1.0.0", []string{"1.0.0"}, []string{"1.0.1"}},
		{"1.0.0 or ~> 2.0", []string{"1.0.0", "2.0.0", "2.5.1"}, []string{"1.0.1", "3.0.0"}},
		{"!= 1.0.0", []string{"1.0.1", "0.1.0"}, []string{"1.0.0", "1.0.1-rc.1"}},
		{"> 1.0.0", []string{"1.0.1"}, []string{"1.0.0"}},
		{"<= 1.0.0", []string{"1.0.0", "0.1.0"}, []string{"1.0.1"}},
		{">=1.0.0 and <1.1.0", []string{"1.0.5"}, []string{"1.1.0"}},
		// Naming a pre-release opts in to pre-releases for that group.
		{">= 2.0.0-rc.0", []string{"2.0.0-rc.1", "2.0.0", "3.0.0"}, []string{"2.0.0-beta"}},
		{"~> 2.0.0-rc", []string{"2.0.0-rc", "2.0.0-rc.2", "2.0.5"}, []string{"2.1.0-rc.1", "2.1.0"}},
		{"== 1.0.0-rc.1", []string{"1.0.0-rc.1"}, []string{"1.0.0"}},
		{"~> 1.0 or >= 3.0.0-rc.1", []string{"1.5.0", "3.0.0-rc.2"}, []string{"1.5.0-rc.1"}},
		{"~> 1.0+build.1", []string{"1.0.0"}, nil},
		{"~> 18446744073709551615.0", []string{"18446744073709551615.3.0"}, []string{"1.0.0"}},
	}
	for _, tt := range tests {
		r, err := ParseRequirement(tt.req)
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", tt.req, err)
			continue
		}
		if r.String() != tt.req {
			t.Errorf("String() = %q, want %q", r.String(), tt.req)
		}
		for _, v := range tt.yes {
			if !r.Matches(MustParse(v)) {
				t.Errorf("%q should match %s", tt.req, v)
			}
		}
		for _, v := range tt.no {
			if r.Matches(MustParse(v)) {
				t.Errorf("%q should not match %s", tt.req, v)
			}
		}
	}
}

func TestRequirementInvalid(t *testing.T) {
	for _, s := range []string{
		"", "   ", "~>", "~> 1", ">= 1.0", "== 1.0", "1.0", "~> 1.0 and", "and ~> 1.0",
		"~> 1.0 or or ~> 2.0", "~> 1.0 ~> 2.0", ">= 01.0.0", "~> 1.0 xor 2.0.0", "=> 1.0.0",
		">= >= 1.0.0", "~> a.b", string(make([]byte, 2000)),
	} {
		if _, err := ParseRequirement(s); !errors.Is(err, ErrInvalidRequirement) {
			t.Errorf("ParseRequirement(%q) = %v, want ErrInvalidRequirement", s, err)
		}
	}
	var zero Requirement
	if zero.Matches(MustParse("1.0.0")) {
		t.Error("zero Requirement must match nothing")
	}
}

func FuzzParseRequirement(f *testing.F) {
	for _, s := range []string{"~> 1.2", ">= 1.0.0 and < 2.0.0", "1.0.0 or ~> 2.0", "== 1.0.0-rc.1"} {
		f.Add(s, "1.2.3")
	}
	f.Fuzz(func(t *testing.T, req, ver string) {
		r, err := ParseRequirement(req)
		if err != nil {
			if !errors.Is(err, ErrInvalidRequirement) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if v, err := Parse(ver); err == nil {
			_ = r.Matches(v)
		}
		r2, err := ParseRequirement(r.String())
		if err != nil || r2.String() != r.String() {
			t.Fatalf("re-parse %q: %v", r.String(), err)
		}
	})
}
