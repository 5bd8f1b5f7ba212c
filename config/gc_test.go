package config

import (
	"strings"
	"testing"
)

// The server's GC target and heap floor: the defaults unless
// DEPOT_GC_PERCENT, DEPOT_GC_HEAP_FLOOR_MB or the flags say otherwise; 0
// for both (the runtime's own value stands) whenever GOGC is set, whatever
// Depot's settings; out of range refused.
func TestGCPercent(t *testing.T) {
	tests := []struct {
		name, gogc, depot, floor string
		args                     []string
		want, wantFloor          int
		refused                  string
	}{
		{name: "default", want: DefaultGCPercent, wantFloor: DefaultGCHeapFloorMB},
		{name: "from the environment", depot: "200", floor: "32", want: 200, wantFloor: 32},
		{name: "the flag wins", depot: "200", floor: "32", args: []string{"-gc-percent", "800", "-gc-heap-floor-mb", "0"}, want: 800, wantFloor: 0},
		{name: "GOGC set", gogc: "150", depot: "200", floor: "32", want: 0, wantFloor: 0},
		{name: "GOGC off", gogc: "off", want: 0, wantFloor: 0},
		{name: "too small", args: []string{"-gc-percent", "5"}, refused: "gc percent"},
		{name: "too large", args: []string{"-gc-percent", "20000"}, refused: "gc percent"},
		{name: "negative floor", args: []string{"-gc-heap-floor-mb", "-1"}, refused: "gc heap floor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc) // empty: what the runtime reads as unset
			t.Setenv("DEPOT_GC_PERCENT", tt.depot)
			t.Setenv("DEPOT_GC_HEAP_FLOOR_MB", tt.floor)
			c, err := Parse(tt.args)
			if tt.refused != "" {
				if err == nil || !strings.Contains(err.Error(), tt.refused) {
					t.Fatalf("want a %s error, got %v (GCPercent %d, floor %d)", tt.refused, err, c.GCPercent, c.GCHeapFloorMB)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.GCPercent != tt.want || c.GCHeapFloorMB != tt.wantFloor {
				t.Errorf("GCPercent = %d, GCHeapFloorMB = %d, want %d and %d", c.GCPercent, c.GCHeapFloorMB, tt.want, tt.wantFloor)
			}
		})
	}
}
