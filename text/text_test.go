package text

import "testing"

func TestCheck(t *testing.T) {
	cases := []struct {
		s         string
		line, any bool // accepted as Line, as Multiline
	}{
		{"plain", true, true},
		{"ünïcødé ✓ \uFFFD", true, true},
		{"", true, true},
		{"a\x00b", false, false},
		{"\xff", false, false},
		{"a\xc3", false, false},
		{"tab\there", false, true},
		{"two\nlines\r\n", false, true},
		{"bell\x07", false, false},
		{"del\x7f", false, false},
		{"c1\u0085", false, false},
	}
	for _, c := range cases {
		if got := Check(c.s, Line) == nil; got != c.line {
			t.Errorf("Check(%q, Line) ok = %v, want %v", c.s, got, c.line)
		}
		if got := Check(c.s, Multiline) == nil; got != c.any {
			t.Errorf("Check(%q, Multiline) ok = %v, want %v", c.s, got, c.any)
		}
	}
}
