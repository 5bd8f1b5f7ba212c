package bench

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/depot-registry/depot/registry"
)

// DayDownloads is one seeded download_days row: release Release (an index
// into the package's Releases) downloaded Downloads times on Day.
type DayDownloads struct {
	Release   int
	Day       string // YYYY-MM-DD
	Downloads int64
}

// weekday scales a day's downloads: CI and developers work on weekdays.
var weekday = [7]float64{time.Sunday: 0.4, time.Monday: 1, time.Tuesday: 1.05, time.Wednesday: 1.05, time.Thursday: 1, time.Friday: 0.9, time.Saturday: 0.45}

// DownloadDays are package i's daily downloads over the registry.RecentDays
// days up to the day before today, so the chart and the stats windows see
// them: a base rate from the package's popularity, a weekly rhythm, a
// slight upward trend, noise, and (for most packages) a new release within
// the window: a spike that decays over a few days while users move from the
// previous release to the newest one. Days without downloads have no row.
// The same plan, package and today always give the same rows.
func (p *Plan) DownloadDays(i int, today time.Time) []DayDownloads {
	pk := p.Packages[i]
	r := rand.New(rand.NewPCG(p.Seed, 0xd0d0+uint64(i)))
	rate := float64(pk.Downloads) / 1e4
	latest, previous := len(pk.Releases)-1, max(len(pk.Releases)-2, 0)
	spike := -1 // day offset of the newest release, or none in the window
	if r.IntN(10) < 6 {
		spike = r.IntN(registry.RecentDays)
	}
	start := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -registry.RecentDays)
	var out []DayDownloads
	add := func(rel int, day string, x float64) {
		n := int64(math.Floor(x + r.Float64())) // randomized rounding keeps small rates honest
		if n > 0 {
			out = append(out, DayDownloads{Release: rel, Day: day, Downloads: n})
		}
	}
	for d := range registry.RecentDays {
		t := start.AddDate(0, 0, d)
		x := rate * weekday[t.Weekday()] * (1 + 0.1*float64(d)/registry.RecentDays) * (0.8 + 0.4*r.Float64())
		day := t.Format(time.DateOnly)
		switch {
		case spike < 0 || latest == previous:
			add(latest, day, x)
		case d < spike:
			add(previous, day, x)
		default:
			since := float64(d - spike)
			x *= 1 + 2.5*math.Exp(-since/2)
			moved := 1 - 0.5*math.Exp(-since/7)
			add(latest, day, x*moved)
			add(previous, day, x*(1-moved))
		}
	}
	return out
}
