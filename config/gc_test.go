package config

import (
	"strings"
	"testing"
)

// The server's GC target: DefaultGCPercent unless DEPOT_GC_PERCENT or the
// flag says otherwise; 0 (the runtime's own value stands) whenever GOGC is
// set, whatever Depot's setting; out of range refused.
func TestGCPercent(t *testing.T) {
	tests := []struct {
		name, gogc, depot string
		args              []string
		want              int
		refused           bool
	}{
		{name: "default", want: DefaultGCPercent},
		{name: "from the environment", depot: "200", want: 200},
		{name: "the flag wins", depot: "200", args: []string{"-gc-percent", "800"}, want: 800},
		{name: "GOGC set", gogc: "150", depot: "200", want: 0},
		{name: "GOGC off", gogc: "off", want: 0},
		{name: "too small", args: []string{"-gc-percent", "5"}, refused: true},
		{name: "too large", args: []string{"-gc-percent", "20000"}, refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc) // empty: what the runtime reads as unset
			t.Setenv("DEPOT_GC_PERCENT", tt.depot)
			c, err := Parse(tt.args)
			if tt.refused {
				if err == nil || !strings.Contains(err.Error(), "gc percent") {
					t.Fatalf("want a gc percent error, got %v (GCPercent %d)", err, c.GCPercent)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.GCPercent != tt.want {
				t.Errorf("GCPercent = %d, want %d", c.GCPercent, tt.want)
			}
		})
	}
}
