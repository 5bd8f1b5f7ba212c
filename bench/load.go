package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoadConfig is one load run.
type LoadConfig struct {
	URL         string // server base URL
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration // requests sent first and not counted
	Keys        []string      // API keys for shapes that need one (round robin)
	// PostgresData is the data folder of the server's PostgreSQL cluster
	// ("": the database's CPU is not measured).
	PostgresData string
	Label        string // free text copied into the result (e.g. database)
}

// Result is what one shape's run measured.
type Result struct {
	Kind        string  `json:"kind"` // "load"
	Label       string  `json:"label,omitempty"`
	Shape       string  `json:"shape"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	RPS         float64 `json:"rps"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	Maxms       float64 `json:"max_ms"`
	// Statements per request from X-Depot-SQL-Statements.
	StmtMean float64 `json:"stmt_mean"`
	StmtMin  int     `json:"stmt_min"`
	StmtMax  int     `json:"stmt_max"`
	// From /metrics deltas over the measured window; -1 when unavailable.
	AllocBytesPerReq float64 `json:"alloc_bytes_per_req"`
	CPUSecPerReq     float64 `json:"cpu_s_per_req"`
	// PostgreSQL's CPU per request (PostgresCPU delta), -1 when unmeasured.
	PGCPUSecPerReq float64 `json:"pg_cpu_s_per_req"`
	RSSMaxMiB      float64 `json:"rss_max_mib"`
	BodyBytes      float64 `json:"body_bytes"`
	// CacheHitPct is the share of requests the server's read cache
	// answered (-1: the server has no read cache).
	CacheHitPct float64 `json:"cache_hit_pct"`
}

func (r Result) String() string {
	stmts := fmt.Sprintf("%.1f", r.StmtMean)
	if r.StmtMin != r.StmtMax {
		stmts += fmt.Sprintf(" (varied %d..%d)", r.StmtMin, r.StmtMax)
	}
	s := fmt.Sprintf("shape %s: %d requests in %.1fs at c=%d: %.0f req/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms, %d errors, %s statements/request, %.0f B allocated/request, %.3f ms CPU/request, RSS max %.0f MiB, %.0f B/response",
		r.Shape, r.Requests, r.Seconds, r.Concurrency, r.RPS, r.P50ms, r.P99ms, r.Maxms, r.Errors, stmts,
		r.AllocBytesPerReq, r.CPUSecPerReq*1000, r.RSSMaxMiB, r.BodyBytes)
	if r.PGCPUSecPerReq >= 0 {
		s += fmt.Sprintf(", %.3f ms PostgreSQL CPU/request", r.PGCPUSecPerReq*1000)
	}
	if r.CacheHitPct >= 0 {
		s += fmt.Sprintf(", %.0f%% from the read cache", r.CacheHitPct)
	}
	if r.FirstError != "" {
		s += "\n  first error: " + r.FirstError
	}
	return s
}

type sample struct {
	lat   time.Duration
	stmts int
	bytes int
	err   string
}

// Load drives one shape for cfg.Duration at cfg.Concurrency and measures it.
func Load(ctx context.Context, cfg LoadConfig, plan *Plan, shape Shape) (Result, error) {
	if shape.Auth && len(cfg.Keys) == 0 {
		return Result{}, fmt.Errorf("shape %s needs an API key (-key)", shape.Name)
	}
	tr := &http.Transport{MaxIdleConns: cfg.Concurrency * 2, MaxIdleConnsPerHost: cfg.Concurrency * 2, DisableCompression: true, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	endpoint := strings.TrimRight(cfg.URL, "/") + "/graphql"
	var counter atomic.Uint64

	run := func(ctx context.Context, d time.Duration, keep bool) [][]sample {
		deadline := time.Now().Add(d)
		out := make([][]sample, cfg.Concurrency)
		var wg sync.WaitGroup
		for w := range cfg.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var buf bytes.Buffer
				for time.Now().Before(deadline) && ctx.Err() == nil {
					i := counter.Add(1)
					body, _ := json.Marshal(map[string]any{"query": shape.Query, "variables": shape.Vars(plan, i)})
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					if shape.Auth {
						req.Header.Set("Authorization", "Bearer "+cfg.Keys[int(i%uint64(len(cfg.Keys)))])
					}
					start := time.Now()
					resp, err := client.Do(req)
					s := sample{}
					if err != nil {
						s.err = err.Error()
					} else {
						buf.Reset()
						_, err = io.Copy(&buf, resp.Body)
						resp.Body.Close()
						s.lat = time.Since(start)
						s.stmts, _ = strconv.Atoi(resp.Header.Get("X-Depot-SQL-Statements"))
						s.bytes = buf.Len()
						switch {
						case err != nil:
							s.err = err.Error()
						case resp.StatusCode != http.StatusOK:
							s.err = fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, buf.Bytes())
						default:
							if e := CheckResponse(buf.Bytes(), shape.Field); e != nil {
								s.err = e.Error()
							}
						}
					}
					if s.lat == 0 {
						s.lat = time.Since(start)
					}
					if keep {
						out[w] = append(out[w], s)
					}
				}
			}()
		}
		wg.Wait()
		return out
	}

	if cfg.Warmup > 0 {
		run(ctx, cfg.Warmup, false)
	}
	before, errBefore := scrape(ctx, client, cfg.URL)
	pgBefore, errPG := -1.0, errors.New("not measured")
	if cfg.PostgresData != "" {
		pgBefore, errPG = PostgresCPU(cfg.PostgresData)
	}
	var rssMax float64
	if errBefore == nil {
		rssMax = before["process_resident_memory_bytes"]
	}
	stopSampler := make(chan struct{})
	var samplerDone sync.WaitGroup
	samplerDone.Add(1)
	go func() { // RSS is a gauge: sample it through the run, keep the peak
		defer samplerDone.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSampler:
				return
			case <-t.C:
				if m, err := scrape(ctx, client, cfg.URL); err == nil {
					rssMax = max(rssMax, m["process_resident_memory_bytes"])
				}
			}
		}
	}()
	start := time.Now()
	per := run(ctx, cfg.Duration, true)
	elapsed := time.Since(start)
	close(stopSampler)
	samplerDone.Wait()
	after, errAfter := scrape(ctx, client, cfg.URL)
	pgAfter := -1.0
	if errPG == nil {
		pgAfter, errPG = PostgresCPU(cfg.PostgresData)
	}

	res := Result{Kind: "load", Label: cfg.Label, Shape: shape.Name, Concurrency: cfg.Concurrency, Seconds: elapsed.Seconds(),
		AllocBytesPerReq: -1, CPUSecPerReq: -1, PGCPUSecPerReq: -1, RSSMaxMiB: -1, CacheHitPct: -1}
	var lats []time.Duration
	var stmtSum, bodySum int
	res.StmtMin = math.MaxInt
	for _, ss := range per {
		for _, s := range ss {
			res.Requests++
			lats = append(lats, s.lat)
			stmtSum += s.stmts
			bodySum += s.bytes
			res.StmtMin, res.StmtMax = min(res.StmtMin, s.stmts), max(res.StmtMax, s.stmts)
			if s.err != "" {
				res.Errors++
				if res.FirstError == "" {
					res.FirstError = s.err
				}
			}
		}
	}
	if res.Requests == 0 {
		return res, fmt.Errorf("shape %s: no request finished in %s", shape.Name, cfg.Duration)
	}
	slices.Sort(lats)
	q := func(p float64) float64 {
		i := min(int(math.Ceil(p*float64(len(lats))))-1, len(lats)-1)
		return float64(lats[max(i, 0)]) / 1e6
	}
	n := float64(res.Requests)
	res.RPS = n / elapsed.Seconds()
	res.P50ms, res.P99ms, res.Maxms = q(0.50), q(0.99), q(1)
	res.StmtMean = float64(stmtSum) / n
	res.BodyBytes = float64(bodySum) / n
	if errPG == nil {
		res.PGCPUSecPerReq = (pgAfter - pgBefore) / n
	}
	if errBefore == nil && errAfter == nil {
		// The scrapes themselves cost a little; they are a handful against
		// thousands of requests.
		res.AllocBytesPerReq = (after["go_memstats_alloc_bytes_total"] - before["go_memstats_alloc_bytes_total"]) / n
		res.CPUSecPerReq = (after["process_cpu_seconds_total"] - before["process_cpu_seconds_total"]) / n
		rssMax = max(rssMax, after["process_resident_memory_bytes"])
		res.RSSMaxMiB = rssMax / (1 << 20)
		hits := after["depot_read_cache_hits_total"] - before["depot_read_cache_hits_total"]
		misses := after["depot_read_cache_misses_total"] - before["depot_read_cache_misses_total"]
		if _, on := after["depot_read_cache_hits_total"]; on && hits+misses > 0 {
			res.CacheHitPct = 100 * hits / (hits + misses)
		}
	}
	return res, nil
}

// scrape reads the unlabelled samples of the server's /metrics.
func scrape(ctx context.Context, client *http.Client, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: HTTP %d", resp.StatusCode)
	}
	return parseMetrics(resp.Body)
}

func parseMetrics(r io.Reader) (map[string]float64, error) {
	m := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || strings.ContainsRune(line, '{') {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(strings.Fields(val)[0], 64); err == nil {
			m[name] = f
		}
	}
	return m, sc.Err()
}
