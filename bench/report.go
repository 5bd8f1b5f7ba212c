package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// FloorResult is a pgbench run of a shape's hand-written SQL (the floor).
type FloorResult struct {
	Kind      string  `json:"kind"` // "floor"
	Label     string  `json:"label,omitempty"`
	Shape     string  `json:"shape"`
	TPS       float64 `json:"tps"`
	LatencyMS float64 `json:"latency_ms"`
	// PGCPUms is PostgreSQL's CPU per transaction (0: not measured).
	PGCPUms float64 `json:"pg_cpu_ms_per_tx"`
	// Runs is how many floor runs TPS is the mean of (the floor runs
	// before and after its shape's load).
	Runs int `json:"-"`
}

// Goals of the "Fast reads" work: anonymous A and B, then the same reads
// with an API key.
const (
	goalFloorRatio = 0.40
	goalAP99ms     = 25
	goalBP99ms     = 150
	goalRSSMiB     = 150
	goalReadySec   = 1.0
)

// keyedGoal is what a keyed shape must reach beside its floor.
type keyedGoal struct {
	floorRatio float64 // of the floor's tx/s
	p99ms      float64
	cpuMS      float64 // server CPU per request
	pgFactor   float64 // PostgreSQL CPU per request, times the floor's per transaction
}

var keyedGoals = map[string]keyedGoal{
	"A" + KeyedSuffix: {floorRatio: 0.50, p99ms: 25, cpuMS: 0.6, pgFactor: 2},
	"B" + KeyedSuffix: {floorRatio: 0.30, p99ms: 60, cpuMS: 2, pgFactor: 2},
}

type runSet struct {
	labels []string
	loads  map[string][]Result
	floors map[string]map[string]FloorResult
	ready  map[string]float64
}

func readResults(r io.Reader) (*runSet, error) {
	rs := &runSet{loads: map[string][]Result{}, floors: map[string]map[string]FloorResult{}, ready: map[string]float64{}}
	seen := map[string]bool{}
	label := func(l string) {
		if !seen[l] {
			seen[l] = true
			rs.labels = append(rs.labels, l)
		}
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var kind struct{ Kind, Label string }
		if err := json.Unmarshal([]byte(line), &kind); err != nil {
			return nil, fmt.Errorf("result line %q: %w", line, err)
		}
		label(kind.Label)
		switch kind.Kind {
		case "load":
			x := Result{PGCPUSecPerReq: -1} // lines from before it was measured
			_ = json.Unmarshal([]byte(line), &x)
			rs.loads[x.Label] = append(rs.loads[x.Label], x)
		case "floor":
			var x FloorResult
			_ = json.Unmarshal([]byte(line), &x)
			if rs.floors[x.Label] == nil {
				rs.floors[x.Label] = map[string]FloorResult{}
			}
			f := rs.floors[x.Label][x.Shape]
			x.TPS = (f.TPS*float64(f.Runs) + x.TPS) / float64(f.Runs+1)
			x.LatencyMS = (f.LatencyMS*float64(f.Runs) + x.LatencyMS) / float64(f.Runs+1)
			x.PGCPUms = (f.PGCPUms*float64(f.Runs) + x.PGCPUms) / float64(f.Runs+1)
			x.Runs = f.Runs + 1
			rs.floors[x.Label][x.Shape] = x
		case "ready":
			var x ReadyResult
			_ = json.Unmarshal([]byte(line), &x)
			rs.ready[x.Label] = x.Seconds
		}
	}
	return rs, sc.Err()
}

func (rs *runSet) ratio(label string, r Result) (float64, bool) {
	f, ok := rs.floors[label][FloorShape(r.Shape)]
	if !ok || f.TPS <= 0 {
		return 0, false
	}
	return r.RPS / f.TPS, true
}

// Markdown renders one table per label and the goals.
func (rs *runSet) Markdown(w io.Writer) {
	for _, l := range rs.labels {
		if len(rs.loads[l]) == 0 {
			continue
		}
		fmt.Fprintf(w, "### %s\n\n", l)
		fmt.Fprintln(w, "| Shape | req/s | p50 ms | p99 ms | max ms | SQL statements/req | server CPU ms/req | PostgreSQL CPU ms/req | alloc KiB/req | floor tx/s (pgbench) | ratio to floor | from read cache | RSS max MiB | errors |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range rs.loads[l] {
			stmts := fmt.Sprintf("%.1f", r.StmtMean)
			if r.StmtMin != r.StmtMax {
				stmts += fmt.Sprintf(" (%d–%d)", r.StmtMin, r.StmtMax)
			}
			floor, ratio := "—", "—"
			if f, ok := rs.floors[l][FloorShape(r.Shape)]; ok {
				floor = fmt.Sprintf("%.0f", f.TPS)
			}
			if x, ok := rs.ratio(l, r); ok {
				ratio = fmt.Sprintf("%.0f%%", 100*x)
			}
			pg := "—"
			if r.PGCPUSecPerReq >= 0 {
				pg = fmt.Sprintf("%.2f", 1000*r.PGCPUSecPerReq)
			}
			fmt.Fprintf(w, "| %s | %.0f | %.2f | %.2f | %.1f | %s | %.2f | %s | %.0f | %s | %s | %s | %.0f | %d |\n",
				r.Shape, r.RPS, r.P50ms, r.P99ms, r.Maxms, stmts, 1000*r.CPUSecPerReq, pg, r.AllocBytesPerReq/1024, floor, ratio, cacheShare(r), r.RSSMaxMiB, r.Errors)
		}
		if fs := rs.floors[l]; len(fs) > 0 {
			fmt.Fprintln(w, "\n| Floor (pgbench) | tx/s | latency ms | PostgreSQL CPU ms/tx | runs |")
			fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
			for _, name := range []string{"A", "B"} {
				if f, ok := fs[name]; ok {
					fmt.Fprintf(w, "| %s | %.0f | %.2f | %s | %d |\n", name, f.TPS, f.LatencyMS, pgms(f.PGCPUms), f.Runs)
				}
			}
		}
		if s, ok := rs.ready[l]; ok {
			fmt.Fprintf(w, "\nTime to ready (`depot serve` start → `/readyz` 200) on the seeded database: %.3f s\n", s)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| Goal | Measured | Met |")
		fmt.Fprintln(w, "|---|---|---|")
		for _, g := range rs.goals(l) {
			fmt.Fprintf(w, "| %s | %s | %s |\n", g.name, g.measured, g.met)
		}
		fmt.Fprintln(w)
	}
}

// cacheShare is the read cache column: "off" when the server ran without
// one (DEPOT_READ_CACHE_MB=0).
func cacheShare(r Result) string {
	if r.CacheHitPct < 0 {
		return "off"
	}
	return fmt.Sprintf("%.0f%%", r.CacheHitPct)
}

type goal struct{ name, measured, met string }

func yes(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func pgms(ms float64) string {
	if ms <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", ms)
}

func (rs *runSet) goals(l string) []goal {
	var gs []goal
	rss := 0.0
	for _, r := range rs.loads[l] {
		rss = max(rss, r.RSSMaxMiB)
		if kg, ok := keyedGoals[r.Shape]; ok {
			if x, ok := rs.ratio(l, r); ok {
				gs = append(gs, goal{fmt.Sprintf("%s ≥ %.0f%% of floor", r.Shape, 100*kg.floorRatio), fmt.Sprintf("%.0f%%", 100*x), yes(x >= kg.floorRatio)})
			}
			gs = append(gs, goal{fmt.Sprintf("%s p99 < %.0f ms", r.Shape, kg.p99ms), fmt.Sprintf("%.1f ms", r.P99ms), yes(r.P99ms < kg.p99ms)})
			if r.CPUSecPerReq >= 0 {
				cpu := 1000 * r.CPUSecPerReq
				gs = append(gs, goal{fmt.Sprintf("%s server CPU < %.1f ms/req", r.Shape, kg.cpuMS), fmt.Sprintf("%.2f ms", cpu), yes(cpu < kg.cpuMS)})
			}
			if f := rs.floors[l][FloorShape(r.Shape)]; r.PGCPUSecPerReq >= 0 && f.PGCPUms > 0 {
				pg := 1000 * r.PGCPUSecPerReq
				gs = append(gs, goal{fmt.Sprintf("%s PostgreSQL CPU ≤ %.0f× floor's", r.Shape, kg.pgFactor),
					fmt.Sprintf("%.2f ms (%.1f× %.2f)", pg, pg/f.PGCPUms, f.PGCPUms), yes(pg <= kg.pgFactor*f.PGCPUms)})
			}
		}
		switch r.Shape {
		case "A", "B":
			if x, ok := rs.ratio(l, r); ok {
				gs = append(gs, goal{fmt.Sprintf("%s ≥ 40%% of floor", r.Shape), fmt.Sprintf("%.0f%%", 100*x), yes(x >= goalFloorRatio)})
			}
			limit := float64(goalAP99ms)
			if r.Shape == "B" {
				limit = goalBP99ms
			}
			gs = append(gs, goal{fmt.Sprintf("%s p99 < %.0f ms", r.Shape, limit), fmt.Sprintf("%.1f ms", r.P99ms), yes(r.P99ms < limit)})
		}
	}
	gs = append(gs, goal{"RSS < 150 MiB", fmt.Sprintf("%.0f MiB", rss), yes(rss < goalRSSMiB)})
	if s, ok := rs.ready[l]; ok {
		gs = append(gs, goal{"ready within 1 s", fmt.Sprintf("%.3f s", s), yes(s < goalReadySec)})
	}
	return gs
}

// HistoryLine is one line for BENCHMARKS.md's History section.
func (rs *runSet) HistoryLine(now time.Time, machine string) string {
	var parts []string
	for _, l := range rs.labels {
		var ss []string
		for _, r := range rs.loads[l] {
			s := fmt.Sprintf("%s %.0f/s p99 %.1fms %.0fst %.2fmsCPU", r.Shape, r.RPS, r.P99ms, r.StmtMean, 1000*r.CPUSecPerReq)
			if r.PGCPUSecPerReq >= 0 {
				s += fmt.Sprintf(" %.2fmsPG", 1000*r.PGCPUSecPerReq)
			}
			if x, ok := rs.ratio(l, r); ok {
				s += fmt.Sprintf(" %.0f%%floor", 100*x)
			}
			if r.CacheHitPct >= 0 {
				s += fmt.Sprintf(" %.0f%%cached", r.CacheHitPct)
			}
			if r.Errors > 0 {
				s += fmt.Sprintf(" %derr", r.Errors)
			}
			ss = append(ss, s)
		}
		rss := 0.0
		for _, r := range rs.loads[l] {
			rss = max(rss, r.RSSMaxMiB)
		}
		tail := fmt.Sprintf("RSS %.0fMiB", rss)
		if s, ok := rs.ready[l]; ok {
			tail += fmt.Sprintf(", ready %.2fs", s)
		}
		if len(ss) > 0 {
			parts = append(parts, fmt.Sprintf("**%s**: %s; %s", l, strings.Join(ss, ", "), tail))
		}
	}
	return fmt.Sprintf("- %s, %s — %s", now.UTC().Format("2006-01-02 15:04 UTC"), machine, strings.Join(parts, " — "))
}

// Machine describes this machine in one line.
func Machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/(1<<20))
		}
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s: %d × %s%s, %s", host, runtime.NumCPU(), model, mem, runtime.Version())
}

func reportCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("depot bench report", flag.ContinueOnError)
	in := fs.String("in", "", "JSON lines written by load -json, ready -json and the floor runs")
	history := fs.String("history", "", "append one line to this file's History section (BENCHMARKS.md)")
	note := fs.String("note", "", "text added to the machine description (e.g. PostgreSQL version, \"under load\")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	rs, err := readResults(f)
	if err != nil {
		return err
	}
	rs.Markdown(os.Stdout)
	machine := Machine()
	if *note != "" {
		machine += ", " + *note
	}
	line := rs.HistoryLine(time.Now(), machine)
	fmt.Println(line)
	if *history != "" {
		return appendHistory(*history, line)
	}
	return nil
}

// appendHistory adds line at the end of the file's "## History" section
// (the last section), creating the section when missing.
func appendHistory(path, line string) error {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(b)
	if !strings.Contains(text, "\n## History") {
		text = strings.TrimRight(text, "\n") + "\n\n## History\n\nOne line per `scripts/bench.sh` run (newest last).\n\n"
	}
	text = strings.TrimRight(text, "\n") + "\n" + line + "\n"
	return os.WriteFile(path, []byte(text), 0o644)
}
