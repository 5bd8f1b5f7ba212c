package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/bench"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// small is a data set big enough for every shape (B asks for 50 packages)
// and small enough to seed in well under a second.
var small = bench.Size{Packages: 60, ReleasesPerPackage: 10, Users: 40, Orgs: 6, Keys: 3}

// noReadCache turns the read cache off: statement counts and profiles here
// are those of the resolvers, which every cache miss pays (plus the one
// statement reading the data generation; server tests cover the cache).
func noReadCache(c *server.Config) { c.ReadCacheMB = 0 }

// TestBench seeds one server (a new PostgreSQL database costs seconds) and
// runs the checks against it.
func TestBench(t *testing.T) {
	env := servertest.New(t, noReadCache)
	plan := bench.NewPlan(7, small)
	c, err := bench.Seed(context.Background(), env.Server.DB.Client, plan, env.Server.Accounts.Secret)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	t.Logf("seeded %s", c)
	t.Run("ShapesAnswer", func(t *testing.T) { testShapesAnswer(t, env, plan) })
	t.Run("ShapeAMatchesPlan", func(t *testing.T) { testShapeAMatchesPlan(t, env, plan) })
	t.Run("ShapeBStatementsDoNotGrow", func(t *testing.T) { testShapeBStatementsDoNotGrow(t, env) })
	t.Run("StatementsPerShapeAreFixed", func(t *testing.T) { testStatementsPerShapeAreFixed(t, env, plan) })
	t.Run("LoadRuns", func(t *testing.T) { testLoadRuns(t, env, plan) })
	if _, err := bench.Seed(context.Background(), env.Server.DB.Client, plan, env.Server.Accounts.Secret); err == nil {
		t.Error("seeding a database that has packages must fail")
	}
}

type answer struct {
	body       []byte
	statements int
}

func post(t *testing.T, env *servertest.Env, key, query string, vars map[string]any) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, raw)
	}
	n, _ := strconv.Atoi(resp.Header.Get("X-Depot-SQL-Statements"))
	return answer{raw, n}
}

// Every shape answers without errors and with a non-null answer, for
// several of the requests the load tool would send (so the plan the load
// tool rebuilds agrees with what the seed wrote, keys included).
func testShapesAnswer(t *testing.T, env *servertest.Env, plan *bench.Plan) {
	key := bench.KeyFor(plan.Seed, 0)
	for _, s := range bench.Shapes() {
		t.Run(s.Name, func(t *testing.T) {
			for i := range uint64(5) {
				k := ""
				if s.Auth {
					k = key
				}
				a := post(t, env, k, s.Query, s.Vars(plan, i))
				if err := bench.CheckResponse(a.body, s.Field); err != nil {
					t.Fatalf("request %d: %v\n%s", i, err, a.body)
				}
				if a.statements == 0 {
					t.Fatalf("request %d: no X-Depot-SQL-Statements header", i)
				}
			}
		})
	}
}

// Shape A's answer matches the plan: owners, 10 versions newest first with
// their retirements, the latest version — for a package with a retired
// release.
func testShapeAMatchesPlan(t *testing.T, env *servertest.Env, plan *bench.Plan) {
	s, _ := bench.ShapeByName("A")
	var p bench.Package
	for _, c := range plan.Packages {
		if slices.ContainsFunc(c.Releases, func(r bench.Release) bool { return r.Retirement != nil }) {
			p = c
			break
		}
	}
	a := post(t, env, "", s.Query, map[string]any{"name": p.Name})
	var out struct {
		Data struct {
			Package struct {
				LatestRelease struct{ Version string }
				Owners        []struct{ Level string }
				Versions      []struct {
					Version    string
					Retirement *struct{ Reason, Message string }
				}
			}
		}
	}
	if err := json.Unmarshal(a.body, &out); err != nil {
		t.Fatal(err)
	}
	got := out.Data.Package
	if got.LatestRelease.Version != p.Latest {
		t.Errorf("latest %q, plan says %q", got.LatestRelease.Version, p.Latest)
	}
	if len(got.Versions) != 10 || got.Versions[0].Version != p.Releases[9].Version || got.Versions[9].Version != p.Releases[0].Version {
		t.Fatalf("versions %v, want the plan's 10 newest first", got.Versions)
	}
	for i, v := range got.Versions {
		want := p.Releases[9-i].Retirement
		switch {
		case want == nil && v.Retirement != nil:
			t.Errorf("%s shows a retirement the plan does not have: %+v", v.Version, v.Retirement)
		case want != nil && (v.Retirement == nil || !strings.EqualFold(v.Retirement.Reason, want.Reason) || v.Retirement.Message != want.Message):
			t.Errorf("%s: retirement %+v, plan says %+v", v.Version, v.Retirement, want)
		}
	}
	owners := len(p.OwnerUsers)
	if p.OwnerOrg >= 0 {
		owners++
	}
	if len(got.Owners) != owners {
		t.Errorf("%d owners, plan has %d", len(got.Owners), owners)
	}
}

// Shape B costs the same number of statements for 5 packages as for 50:
// the nested "10 latest releases" is batched, not one query per package.
func testShapeBStatementsDoNotGrow(t *testing.T, env *servertest.Env) {
	s, _ := bench.ShapeByName("B")
	count := func(n int) int {
		a := post(t, env, "", s.Query, map[string]any{"first": n})
		if err := bench.CheckResponse(a.body, s.Field); err != nil {
			t.Fatal(err)
		}
		var out struct {
			Data struct {
				Packages struct {
					Edges []struct {
						Node struct{ Versions []struct{ Version string } }
					}
				}
			}
		}
		_ = json.Unmarshal(a.body, &out)
		if len(out.Data.Packages.Edges) != n {
			t.Fatalf("asked for %d packages, got %d", n, len(out.Data.Packages.Edges))
		}
		for _, e := range out.Data.Packages.Edges {
			if len(e.Node.Versions) != 10 {
				t.Fatalf("want 10 versions per package, got %d", len(e.Node.Versions))
			}
		}
		return a.statements
	}
	small, large := count(5), count(50)
	if small == 0 || small != large {
		t.Fatalf("statements for 5 packages: %d, for 50: %d; want equal and non-zero", small, large)
	}
	t.Logf("shape B: %d statements per request", large)
}

// The load tool runs end to end against a real server for a moment.
func testLoadRuns(t *testing.T, env *servertest.Env, plan *bench.Plan) {
	s, _ := bench.ShapeByName("A")
	res, err := bench.Load(context.Background(), bench.LoadConfig{URL: env.URL, Concurrency: 2, Duration: 300 * time.Millisecond}, plan, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors != 0 || res.StmtMean == 0 || res.CPUSecPerReq < 0 || res.RSSMaxMiB <= 0 {
		t.Fatalf("unexpected result: %s", res)
	}
}

// Plans are deterministic: the load tool and the seed must agree.
func TestPlanDeterministic(t *testing.T) {
	a, b := bench.NewPlan(3, small), bench.NewPlan(3, small)
	for i := range a.Packages {
		if a.Packages[i].Name != b.Packages[i].Name || a.Packages[i].Latest != b.Packages[i].Latest {
			t.Fatalf("package %d differs: %s/%s vs %s/%s", i, a.Packages[i].Name, a.Packages[i].Latest, b.Packages[i].Name, b.Packages[i].Latest)
		}
	}
}

// BenchmarkShapes runs each shape in process against the small data set
// (go test -bench Shapes -cpuprofile cpu.out ./bench/ to see where a
// request's CPU goes).
func BenchmarkShapes(b *testing.B) {
	env := servertest.New(b, noReadCache)
	plan := bench.NewPlan(7, small)
	if _, err := bench.Seed(context.Background(), env.Server.DB.Client, plan, env.Server.Accounts.Secret); err != nil {
		b.Fatal(err)
	}
	for _, s := range bench.Shapes() {
		b.Run(s.Name, func(b *testing.B) {
			key := ""
			if s.Auth {
				key = bench.KeyFor(plan.Seed, 0)
			}
			client := &http.Client{}
			var i uint64
			for b.Loop() {
				i++
				body, _ := json.Marshal(map[string]any{"query": s.Query, "variables": s.Vars(plan, i)})
				req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err := bench.CheckResponse(raw, s.Field); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Each shape costs the same number of SQL statements whatever it is asked
// about: packages with more or fewer owners, releases, dependencies and
// retirements, other search terms, other users. A count that grew with the
// data would mean a per-item query (N+1) somewhere.
func testStatementsPerShapeAreFixed(t *testing.T, env *servertest.Env, plan *bench.Plan) {
	for _, s := range bench.Shapes() {
		t.Run(s.Name, func(t *testing.T) {
			counts := map[int]int{}
			for i := range uint64(12) {
				k := ""
				if s.Auth {
					k = bench.KeyFor(plan.Seed, int(i%3))
				}
				a := post(t, env, k, s.Query, s.Vars(plan, i))
				counts[a.statements]++
			}
			lo, hi := 1<<30, 0
			for n := range counts {
				lo, hi = min(lo, n), max(hi, n)
			}
			if hi != lo || lo == 0 {
				t.Fatalf("shape %s: statement counts vary across requests: %v (count → requests)", s.Name, counts)
			}
			for n := range counts {
				t.Logf("shape %s: %d statements per request", s.Name, n)
			}
		})
	}
}
