package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

const downloadsDoc = `query($p: String!, $r: String) {
  package(name: $p, repository: $r) {
    downloads
    downloadStats { allTime recent week day }
    downloadsByDay { day downloads }
    versions { version downloads downloadStats { allTime day } downloadsByDay(from: "2026-01-14", to: "2026-01-15") { day downloads } }
  }
  release(package: $p, version: "1.0.0", repository: $r) { downloadStats { allTime week } }
}`

type downloadsOut struct {
	Package *struct {
		Downloads      int
		DownloadStats  struct{ AllTime, Recent, Week, Day int }
		DownloadsByDay []struct {
			Day       string
			Downloads int
		}
		Versions []struct {
			Version        string
			Downloads      int
			DownloadStats  struct{ AllTime, Day int }
			DownloadsByDay []struct {
				Day       string
				Downloads int
			}
		}
	}
	Release *struct {
		DownloadStats struct{ AllTime, Week int }
	}
}

// A private package's download statistics, on Package and Release, answer
// only to those who may read the package: the matrix's principals.
func TestDownloadStatsPrivacyMatrix(t *testing.T) {
	env := servertest.New(t)
	f := newFixture(t, env, 1)
	f.ada.Do(`mutation($o: String!) { updateBillingProfile(input: {organization: $o, email: "b@example.com", name: "B Ltd", country: "US", company: true}) { billingProfile { country } } }`,
		map[string]any{"o": f.org}).MustOK(t)
	f.ada.Do(`mutation($o: String!) { startSubscription(input: {organization: $o, plan: MONTHLY, seats: 10}) { billing { status } } }`,
		map[string]any{"o": f.org}).MustOK(t)
	f.ada.Publish(pkgtest.Tarball(t, "hushdl", "1.0.0"), map[string]any{"r": f.org}).MustOK(t)
	// The server's clock stands at 2026-01-15 12:00 UTC.
	env.Download(f.ada.WithKey("api:read"), "/repo/repos/"+f.org+"/tarballs/hushdl-1.0.0.tar", 3)
	env.Clock.Advance(24 * time.Hour)
	env.FlushDownloads()

	cols := []string{"anonymous", "user", "other user", "org read", "org write", "org admin",
		"key api:read", "key api:write", "key package:x", "key repository:ORG"}
	sees := []bool{false, true, false, true, true, true, true, true, false, true}
	for i, col := range cols {
		t.Run(col, func(t *testing.T) {
			var out downloadsOut
			f.principal(t, env, col).Do(downloadsDoc, map[string]any{"p": "hushdl", "r": f.org}).MustOK(t).Decode(t, &out)
			if !sees[i] {
				if out.Package != nil || out.Release != nil {
					t.Fatalf("%s sees a private package's downloads: %+v %+v", col, out.Package, out.Release)
				}
				return
			}
			p := out.Package
			if p == nil || out.Release == nil {
				t.Fatalf("%s cannot read the package: %+v", col, out)
			}
			if p.Downloads != 3 || p.DownloadStats != (struct{ AllTime, Recent, Week, Day int }{3, 3, 3, 3}) {
				t.Errorf("package stats %+v, total %d", p.DownloadStats, p.Downloads)
			}
			if n := len(p.DownloadsByDay); n != 90 || p.DownloadsByDay[89].Day != "2026-01-15" || p.DownloadsByDay[89].Downloads != 3 || p.DownloadsByDay[0].Day != "2025-10-18" {
				t.Errorf("default series: %d days, %+v", n, p.DownloadsByDay)
			}
			v := p.Versions[0]
			if v.DownloadStats.AllTime != 3 || v.DownloadStats.Day != 3 || len(v.DownloadsByDay) != 2 || v.DownloadsByDay[1].Downloads != 3 {
				t.Errorf("release stats %+v", v)
			}
			if out.Release.DownloadStats.AllTime != 3 || out.Release.DownloadStats.Week != 3 {
				t.Errorf("release() stats %+v", out.Release.DownloadStats)
			}
		})
	}
}

// downloadsByDay refuses a range over 366 days (or a malformed one) with
// BAD_USER_INPUT; complexity prices the days, so a list of long series
// cannot ask for unbounded rows.
func TestDownloadsByDayLimits(t *testing.T) {
	env := servertest.New(t)
	ada := env.SignUp("ada")
	ada.Publish(pkgtest.Tarball(t, "ranged", "1.0.0"), nil).MustOK(t)
	q := `query($f: String, $t: String) { package(name: "ranged") { downloadsByDay(from: $f, to: $t) { day downloads } } }`
	for _, c := range []struct {
		from, to, code string
		days           int
	}{
		{"2025-01-15", "2026-01-15", "", 366},
		{"2025-01-14", "2026-01-15", "BAD_USER_INPUT", 0},
		{"2026-01-15", "2026-01-14", "BAD_USER_INPUT", 0},
		{"15/01/2026", "2026-01-15", "BAD_USER_INPUT", 0},
	} {
		r := ada.Do(q, map[string]any{"f": c.from, "t": c.to})
		if c.code != "" {
			wantCode(t, r, c.code)
			continue
		}
		var out struct {
			Package struct{ DownloadsByDay []struct{ Day string } }
		}
		r.MustOK(t).Decode(t, &out)
		if len(out.Package.DownloadsByDay) != c.days {
			t.Errorf("%s..%s: %d days, want %d", c.from, c.to, len(out.Package.DownloadsByDay), c.days)
		}
	}
	long := `{ packages(first: 100) { edges { node { releases(first: 100) { edges { node { downloadsByDay(from: "2025-01-15", to: "2026-01-15") { day downloads } } } } } } } }`
	wantCode(t, ada.Do(long, nil), "QUERY_TOO_COMPLEX")
	short := `{ packages(first: 100) { edges { node { downloadStats { week } downloadsByDay { day downloads } } } } }`
	ada.Do(short, nil).MustOK(t)
}

// Listing packages with their stats and series costs the same number of
// statements for 3 packages as for 30 (the loaders batch them).
func TestDownloadStatsStatementsDoNotGrow(t *testing.T) {
	env := servertest.New(t)
	ada := env.SignUp("ada")
	for i := range 30 {
		name := fmt.Sprintf("stat%02d", i)
		ada.Publish(pkgtest.Tarball(t, name, "1.0.0"), nil).MustOK(t)
		env.Download(env.Anonymous(), "/repo/tarballs/"+name+"-1.0.0.tar", 1)
	}
	env.Clock.Advance(24 * time.Hour)
	env.FlushDownloads()
	q := `query($n: Int!) { packages(first: $n, orderBy: {field: NAME, direction: ASC}) { edges { node { name downloadStats { day } downloadsByDay { downloads }
	  versions { downloadStats { day } downloadsByDay { downloads } } } } } }`
	count := func(n int) int {
		r := ada.Do(q, map[string]any{"n": n}).MustOK(t)
		if got := strings.Count(string(r.Raw), `"day":1`); got != 2*n {
			t.Fatalf("%d packages: %d stats with yesterday's download, want %d: %s", n, got, 2*n, r.Raw)
		}
		return r.Statements
	}
	small, large := count(3), count(30)
	if small == 0 || large != small {
		t.Fatalf("statements for 3 packages: %d, for 30: %d; want equal", small, large)
	}
	t.Logf("statements per request: %d", large)
}

// Anonymous answers with download stats stay cached: a counter flush does
// not empty the read cache, so stats show up to its max age late, as the
// totals do.
func TestReadCacheKeepsDownloadStats(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("ada").Publish(pkgtest.Tarball(t, "cachedl", "1.0.0"), nil).MustOK(t)
	env.Download(env.Anonymous(), "/repo/tarballs/cachedl-1.0.0.tar", 2)
	env.Clock.Advance(24 * time.Hour) // the 2 are yesterday's now
	q := `{ package(name: "cachedl") { downloadStats { allTime day } downloadsByDay { downloads } } }`
	type out struct {
		Package struct {
			DownloadStats  struct{ AllTime, Day int }
			DownloadsByDay []struct{ Downloads int }
		}
	}
	read := func() (out, int) {
		var o out
		r := env.Anonymous().Do(q, nil).MustOK(t)
		r.Decode(t, &o)
		return o, r.Statements
	}
	if o, _ := read(); o.Package.DownloadStats.AllTime != 2 || o.Package.DownloadStats.Day != 2 {
		t.Fatalf("first read: %+v, want 2", o.Package.DownloadStats)
	}
	env.Download(env.Anonymous(), "/repo/tarballs/cachedl-1.0.0.tar", 3) // today's, flushed
	if o, n := read(); o.Package.DownloadStats.AllTime != 2 || n != 1 {
		t.Fatalf("right after a flush: %+v in %d statements; want the cached 2 in 1", o.Package.DownloadStats, n)
	}
	env.Clock.Advance(env.Server.Config.ReadCacheMaxAge)
	o, _ := read()
	if s := o.Package.DownloadStats; s.AllTime != 5 || s.Day != 2 || o.Package.DownloadsByDay[89].Downloads != 2 {
		t.Fatalf("after the max age: %+v, last day %+v; want 5 in all, 2 yesterday", s, o.Package.DownloadsByDay[89])
	}
}
