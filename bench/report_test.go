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

// A keyed shape is measured against its plain shape's floor, and its
// PostgreSQL CPU per request against the floor's per transaction.
func TestKeyedShapesUseThePlainFloor(t *testing.T) {
	in := strings.Join([]string{
		`{"kind":"floor","label":"postgres","shape":"B","tps":2000,"latency_ms":8,"pg_cpu_ms_per_tx":0.8}`,
		`{"kind":"load","label":"postgres","shape":"B-key","rps":1000,"p99_ms":20,"cpu_s_per_req":0.0005,"pg_cpu_s_per_req":0.0012,"cache_hit_pct":100}`,
	}, "\n")
	rs, err := readResults(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if x, ok := rs.ratio("postgres", rs.loads["postgres"][0]); !ok || x != 0.5 {
		t.Fatalf("ratio %v (%v), want 0.5 of floor B", x, ok)
	}
	met := map[string]string{}
	for _, g := range rs.goals("postgres") {
		met[g.name] = g.met
	}
	for _, name := range []string{"B-key ≥ 30% of floor", "B-key p99 < 60 ms", "B-key server CPU < 2.0 ms/req", "B-key PostgreSQL CPU ≤ 2× floor's"} {
		if met[name] != "met" {
			t.Errorf("goal %q: %q (goals %v)", name, met[name], met)
		}
	}
}
