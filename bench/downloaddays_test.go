package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/depot-registry/depot/bench"
	"github.com/depot-registry/depot/ent/downloadday"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/server/servertest"
	"github.com/depot-registry/depot/viewer"
)

var seedToday = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

// The seeded days have a weekly rhythm and release spikes, and only fall in
// the 90 days before today.
func TestDownloadDaysShape(t *testing.T) {
	plan := bench.NewPlan(7, small)
	var weekdays, weekends, nWeekdays, nWeekends float64
	spikes := 0
	for i := range plan.Packages {
		days := plan.DownloadDays(i, seedToday)
		again := plan.DownloadDays(i, seedToday)
		if len(days) != len(again) {
			t.Fatalf("package %d: days differ between calls", i)
		}
		perDay := map[string]float64{}
		releases := map[int]bool{}
		for k, d := range days {
			if d != again[k] {
				t.Fatalf("package %d: day %d differs: %+v vs %+v", i, k, d, again[k])
			}
			day, err := time.Parse(time.DateOnly, d.Day)
			if err != nil || !day.Before(seedToday) || day.Before(seedToday.AddDate(0, 0, -90)) || d.Downloads <= 0 {
				t.Fatalf("package %d: row %+v outside the window", i, d)
			}
			perDay[d.Day] += float64(d.Downloads)
			releases[d.Release] = true
		}
		if len(releases) > 1 {
			spikes++
		}
		if i < 5 { // popular packages: every day has downloads
			for day, n := range perDay {
				wd, _ := time.Parse(time.DateOnly, day)
				if wd.Weekday() == time.Saturday || wd.Weekday() == time.Sunday {
					weekends, nWeekends = weekends+n, nWeekends+1
				} else {
					weekdays, nWeekdays = weekdays+n, nWeekdays+1
				}
			}
		}
	}
	if nWeekdays == 0 || nWeekends == 0 || weekdays/nWeekdays < 1.6*weekends/nWeekends {
		t.Errorf("no weekly rhythm: weekday mean %.0f, weekend mean %.0f", weekdays/nWeekdays, weekends/nWeekends)
	}
	if spikes < len(plan.Packages)/3 {
		t.Errorf("only %d of %d packages got a release in the window", spikes, len(plan.Packages))
	}
}

// Seeding writes the days, and each total is its plan history plus the sum
// of its days.
func TestSeedWritesDownloadDays(t *testing.T) {
	env := servertest.New(t)
	plan := bench.NewPlan(7, small)
	plan.Today = seedToday
	c, err := bench.Seed(context.Background(), env.Server.DB.Client, plan, env.Server.Accounts.Secret)
	if err != nil {
		t.Fatal(err)
	}
	ctx, db := viewer.System(context.Background()), env.Server.DB.Client
	n, err := db.DownloadDay.Query().Count(ctx)
	if err != nil || n == 0 || n != c.DownloadDays {
		t.Fatalf("%d rows (%v), seed says %d", n, err, c.DownloadDays)
	}
	for i := range 3 {
		want := plan.Packages[i].Downloads
		for _, d := range plan.DownloadDays(i, seedToday) {
			want += d.Downloads
		}
		p := db.Pkg.Query().Where(pkg.Name(plan.Packages[i].Name)).OnlyX(ctx)
		rows := db.DownloadDay.Query().Where(downloadday.PackageID(p.ID)).AllX(ctx)
		if p.Downloads != want || len(rows) == 0 {
			t.Errorf("%s: total %d with %d rows, want %d", p.Name, p.Downloads, len(rows), want)
		}
	}
}
