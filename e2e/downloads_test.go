package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/browsertest"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// seededCount is the downloads of release 1.0.0 daysAgo days before
// today: a weekly rhythm (weekends quiet) and a release spike 30 days ago
// that decays over a week.
func seededCount(day time.Time, daysAgo int) int {
	n := 40 + daysAgo%5
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		n = 15
	}
	if since := 30 - daysAgo; since >= 0 && since < 7 {
		n += 120 >> since
	}
	return n
}

// TestDownloadsChart seeds 90 days of downloads through the domain's
// counter (the server's clock standing on each day in turn), then opens
// the package page in Chromium: the chart has a point per day with the
// seeded counts, hovering a point shows its value, and the table fallback
// lists the days. The release page shows its own series. Screenshots:
// package-downloads.png and release-downloads.png.
func TestDownloadsChart(t *testing.T) {
	requireBuilt(t)
	env := servertest.New(t)
	now := time.Now().UTC()
	env.Clock.Set(now.AddDate(0, 0, -100))
	requireApp(t, env.URL)
	alice := env.SignUp("alice")
	alice.Publish(pkgtest.Tarball(t, "charted", "1.0.0"), nil).MustOK(t)
	alice.Publish(pkgtest.Tarball(t, "charted", "1.1.0"), nil).MustOK(t)
	relID := map[string]int{}
	for _, v := range []string{"1.0.0", "1.1.0"} {
		rel, err := env.Server.Registry.Release(context.Background(), "", "charted", v)
		if err != nil {
			t.Fatal(err)
		}
		relID[v] = rel.ID
	}

	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	want := map[string]int{} // package's downloads by day
	for daysAgo := 1; daysAgo <= 90; daysAgo++ {
		day := today.AddDate(0, 0, -daysAgo)
		env.Clock.Set(day.Add(13 * time.Hour))
		n := seededCount(day, daysAgo)
		for range n {
			env.Server.Registry.CountDownload(relID["1.0.0"])
		}
		if daysAgo <= 10 { // 1.1.0 came out ten days ago
			for range 3 {
				env.Server.Registry.CountDownload(relID["1.1.0"])
			}
			n += 3
		}
		want[day.Format(time.DateOnly)] = n
	}
	env.Clock.Set(now)
	if err := env.Server.Registry.FlushDownloads(context.Background()); err != nil {
		t.Fatal(err)
	}

	b := browsertest.Start(t)
	t.Logf("screenshots: %s", b.Dir())
	p := b.NewTab(t, "visitor", env.URL, true).For(t)
	p.Go("/packages/charted")
	point := id("downloads-point")
	p.Wait("90 points", js(`document.querySelectorAll(%q).length === 90`, point))
	got := browsertest.Eval[map[string]string](p, js(`Object.fromEntries([...document.querySelectorAll(%q)].map(e => [e.dataset.day, e.dataset.downloads]))`, point))
	if len(got) != 90 {
		t.Fatalf("points for %d distinct days, want 90", len(got))
	}
	for day, n := range want {
		if got[day] != fmt.Sprint(n) {
			t.Errorf("point of %s shows %q downloads, want %d", day, got[day], n)
		}
	}
	spike := today.AddDate(0, 0, -30).Format(time.DateOnly)
	p.Hover(fmt.Sprintf(`rect.chart-hit[aria-label^=%q]`, spike+":"))
	p.Wait("the hovered day's value", js(`%s === %q`, textOf(id("downloads-tooltip")), fmt.Sprintf("%d downloads on %s", want[spike], spike)))
	if cls := p.Attr(point+fmt.Sprintf(`[data-day=%q]`, spike), "class"); cls != "chart-point active" {
		t.Errorf("hovered point has class %q", cls)
	}
	var week int
	for d := 1; d <= 7; d++ {
		week += want[today.AddDate(0, 0, -d).Format(time.DateOnly)]
	}
	p.Wait("the week's downloads", js(`%s === %q`, textOf(id("downloads-week")), fmt.Sprint(week)))
	p.Wait("a table row per day", js(`document.querySelectorAll(%q).length === 90`, id("downloads-table")+" tbody tr"))
	p.Screenshot("package-downloads")

	p.Go("/packages/charted/1.1.0")
	p.Wait("the release's own series", js(`document.querySelectorAll(%q).length === 90 &&
		[...document.querySelectorAll(%q)].filter(e => e.dataset.downloads === "3").length === 10 &&
		%s === "30"`, point, point, textOf(id("downloads-all"))))
	p.Screenshot("release-downloads")
}
