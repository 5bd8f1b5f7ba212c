package bench

import (
	"strings"
	"testing"
	"time"
)

// The floor of a shape measured before and after its load is averaged, and
// the ratio is the load's rate over that mean.
func TestRatioUsesTheMeanFloor(t *testing.T) {
	in := strings.Join([]string{
		`{"kind":"floor","label":"postgres","shape":"A","tps":2000,"latency_ms":8}`,
		`{"kind":"load","label":"postgres","shape":"A","rps":1500,"cache_hit_pct":50}`,
		`{"kind":"floor","label":"postgres","shape":"A","tps":4000,"latency_ms":4}`,
	}, "\n")
	rs, err := readResults(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	f := rs.floors["postgres"]["A"]
	if f.TPS != 3000 || f.LatencyMS != 6 || f.Runs != 2 {
		t.Fatalf("floor %+v, want the mean of two runs: 3000 tx/s, 6 ms", f)
	}
	x, ok := rs.ratio("postgres", rs.loads["postgres"][0])
	if !ok || x != 0.5 {
		t.Fatalf("ratio %v (%v), want 0.5", x, ok)
	}
	if line := rs.HistoryLine(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), "m"); !strings.Contains(line, "A 1500/s") || !strings.Contains(line, "50%floor") || !strings.Contains(line, "50%cached") {
		t.Fatalf("history line %q", line)
	}
}
