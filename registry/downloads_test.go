package registry_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/downloadday"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/viewer"
)

// daysOf returns the stored download_days rows of a release or package
// column as day → downloads.
func (fx *fixture) daysOf(field string, id int) map[string]int64 {
	fx.t.Helper()
	var rows []*ent.DownloadDay
	var err error
	if field == registry.OfReleases {
		rows, err = fx.db.DownloadDay.Query().Where(downloadday.ReleaseID(id)).All(fx.sys())
	} else {
		rows, err = fx.db.DownloadDay.Query().Where(downloadday.PackageID(id)).All(fx.sys())
	}
	if err != nil {
		fx.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Day] += r.Downloads
	}
	return out
}

func sum(m map[string]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}

// Concurrent downloads while the flusher runs and the clock crosses
// midnight: no increment is lost, and every total is the sum of its days.
func TestDownloadsConcurrentTotalsEqualDays(t *testing.T) {
	fx := newFixture(t)
	alice := fx.user("alice")
	a := fx.publish(as(alice), "", pkgSpec{name: "counted", version: "1.0.0"})
	b := fx.publish(as(alice), "", pkgSpec{name: "counted", version: "1.1.0"})
	fx.clock.set(12*time.Hour - time.Second) // 23:59:59 on t0's day

	const workers, each = 8, 300
	var wg sync.WaitGroup
	stop := make(chan struct{})
	flushed := make(chan error, 1)
	go func() {
		var err error
		for {
			select {
			case <-stop:
				flushed <- err
				return
			default:
				if e := fx.svc.FlushDownloads(context.Background()); e != nil {
					err = e
				}
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if w == 0 && i == each/2 {
					fx.clock.set(12 * time.Hour) // midnight, while others count
				}
				rel := a.ID
				if i%3 == 0 {
					rel = b.ID
				}
				fx.svc.CountDownload(rel)
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-flushed; err != nil {
		t.Fatalf("concurrent flush: %v", err)
	}
	if err := fx.svc.FlushDownloads(context.Background()); err != nil {
		t.Fatal(err)
	}

	ra, rb := fx.db.Release.GetX(fx.sys(), a.ID), fx.db.Release.GetX(fx.sys(), b.ID)
	p := fx.db.Pkg.GetX(fx.sys(), a.PackageID)
	if got := ra.Downloads + rb.Downloads; got != workers*each {
		t.Fatalf("releases counted %d downloads, want %d", got, workers*each)
	}
	if p.Downloads != workers*each {
		t.Fatalf("package counted %d, want %d", p.Downloads, workers*each)
	}
	for _, c := range []struct {
		name  string
		total int64
		field string
		id    int
	}{
		{"release 1.0.0", ra.Downloads, registry.OfReleases, a.ID},
		{"release 1.1.0", rb.Downloads, registry.OfReleases, b.ID},
		{"package", p.Downloads, registry.OfPackages, p.ID},
	} {
		days := fx.daysOf(c.field, c.id)
		if sum(days) != c.total {
			t.Errorf("%s: days %v sum to %d, total is %d", c.name, days, sum(days), c.total)
		}
		for d := range days {
			if d != "2026-03-01" && d != "2026-03-02" {
				t.Errorf("%s: unexpected day %s", c.name, d)
			}
		}
	}
	if days := fx.daysOf(registry.OfPackages, p.ID); days["2026-03-02"] == 0 {
		t.Errorf("no downloads counted after midnight: %v", days)
	}
}

// Day boundaries follow the service's clock in UTC; a second flush of the
// same day adds to its row; the stats windows are hexpm's (whole days up to
// yesterday).
func TestDownloadDaysAndWindows(t *testing.T) {
	fx := newFixture(t)
	alice := fx.user("alice")
	rel := fx.publish(as(alice), "", pkgSpec{name: "daily", version: "1.0.0"})
	other := fx.publish(as(alice), "", pkgSpec{name: "daily", version: "2.0.0"})
	base := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	at := func(t time.Time) { fx.clock.mu.Lock(); fx.clock.now = t; fx.clock.mu.Unlock() }
	count := func(id, n int) {
		for range n {
			fx.svc.CountDownload(id)
		}
	}
	flush := func() {
		t.Helper()
		if err := fx.svc.FlushDownloads(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Today is 2026-06-01. Downloads on chosen days before it.
	plan := []struct {
		daysAgo, n int
	}{{91, 1000}, {90, 100}, {8, 30}, {7, 20}, {1, 5}, {0, 2}}
	for _, p := range plan {
		at(base.AddDate(0, 0, -p.daysAgo).Add(23*time.Hour + 59*time.Minute + 59*time.Second + 999*time.Millisecond))
		count(rel.ID, p.n-1)
		flush()
		count(rel.ID, 1) // a second flush of the same day adds to its row
		flush()
	}
	// One minute past midnight in a UTC+2 zone is still yesterday in UTC.
	at(time.Date(2026, 6, 1, 1, 0, 0, 0, time.FixedZone("CEST", 2*3600)))
	count(other.ID, 4)
	flush()
	at(base.Add(15 * time.Hour))

	days := fx.daysOf(registry.OfReleases, rel.ID)
	want := map[string]int64{"2026-03-02": 1000, "2026-03-03": 100, "2026-05-24": 30, "2026-05-25": 20, "2026-05-31": 5, "2026-06-01": 2}
	if len(days) != len(want) {
		t.Fatalf("days = %v, want %v", days, want)
	}
	for d, n := range want {
		if days[d] != n {
			t.Errorf("day %s = %d, want %d", d, days[d], n)
		}
	}
	if d := fx.daysOf(registry.OfReleases, other.ID); d["2026-05-31"] != 4 || len(d) != 1 {
		t.Errorf("UTC+2 downloads at 01:00 counted on %v, want 2026-05-31", d)
	}

	st, err := fx.svc.DownloadStats(anonymous(), registry.OfReleases, []int{rel.ID, other.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st[rel.ID], (registry.DownloadStats{AllTime: 1157, Recent: 155, Week: 25, Day: 5}); got != want {
		t.Errorf("release stats = %+v, want %+v", got, want)
	}
	pst, err := fx.svc.DownloadStats(anonymous(), registry.OfPackages, []int{rel.PackageID})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pst[rel.PackageID], (registry.DownloadStats{AllTime: 1161, Recent: 159, Week: 29, Day: 9}); got != want {
		t.Errorf("package stats = %+v, want %+v", got, want)
	}

	// By day: dense, both ends included, zeros where nothing was counted.
	from, to, err := fx.svc.DownloadRange(nil, nil)
	if err != nil || from != "2026-03-03" || to != "2026-05-31" {
		t.Fatalf("default range = %s..%s, %v; want the 90 days up to yesterday", from, to, err)
	}
	series, err := fx.svc.DownloadsByDay(anonymous(), registry.OfPackages, []int{rel.PackageID}, "2026-05-24", "2026-06-01")
	if err != nil {
		t.Fatal(err)
	}
	got := series[rel.PackageID]
	wantSeries := []int64{30, 20, 0, 0, 0, 0, 0, 9, 2}
	if len(got) != len(wantSeries) {
		t.Fatalf("series = %v", got)
	}
	for i, n := range wantSeries {
		if got[i].Downloads != n || got[i].Day != base.AddDate(0, 0, i-8).Format("2006-01-02") {
			t.Errorf("series[%d] = %+v, want %d", i, got[i], n)
		}
	}
}

func TestDownloadRangeLimit(t *testing.T) {
	fx := newFixture(t)
	fx.clock.mu.Lock()
	fx.clock.now = time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	fx.clock.mu.Unlock()
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		name     string
		from, to *string
		want     apperr.Code
		wantFrom string
		wantTo   string
	}{
		{"defaults", nil, nil, "", "2026-03-03", "2026-05-31"},
		{"366 days", s("2025-06-01"), s("2026-06-01"), "", "2025-06-01", "2026-06-01"},
		{"one day", s("2026-01-01"), s("2026-01-01"), "", "2026-01-01", "2026-01-01"},
		{"to only", nil, s("2026-01-31"), "", "2025-11-03", "2026-01-31"},
		{"367 days", s("2025-05-31"), s("2026-06-01"), apperr.BadInput, "", ""},
		{"from only, far back", s("2020-01-01"), nil, apperr.BadInput, "", ""},
		{"to before from", s("2026-02-02"), s("2026-02-01"), apperr.BadInput, "", ""},
		{"not a day", s("yesterday"), nil, apperr.BadInput, "", ""},
		{"not a date", nil, s("2026-02-30"), apperr.BadInput, "", ""},
	} {
		from, to, err := fx.svc.DownloadRange(c.from, c.to)
		if codeOf(err) != c.want || from != c.wantFrom || to != c.wantTo {
			t.Errorf("%s: got %s..%s, %v; want %s..%s, code %q", c.name, from, to, err, c.wantFrom, c.wantTo, c.want)
		}
	}
}

// A private package's days and stats are absent to anyone outside its
// organization, like the package.
func TestDownloadStatsPrivacy(t *testing.T) {
	fx := newFixture(t)
	alice, eve := fx.user("alice"), fx.user("eve")
	acme := fx.org("acme")
	aliceW := fx.member(acme, alice, viewer.RoleWrite)
	rel := fx.publish(as(alice, aliceW), "acme", pkgSpec{name: "secret", version: "1.0.0"})
	fx.clock.set(-24 * time.Hour)
	for range 3 {
		fx.svc.CountDownload(rel.ID)
	}
	if err := fx.svc.FlushDownloads(context.Background()); err != nil {
		t.Fatal(err)
	}
	fx.clock.set(0)
	for _, c := range []struct {
		name string
		ctx  context.Context
		see  bool
	}{
		{"member", as(alice, aliceW), true},
		{"other user", as(eve), false},
		{"anonymous", anonymous(), false},
	} {
		for _, of := range []string{registry.OfPackages, registry.OfReleases} {
			id := rel.ID
			if of == registry.OfPackages {
				id = rel.PackageID
			}
			st, err := fx.svc.DownloadStats(c.ctx, of, []int{id})
			if err != nil {
				t.Fatal(err)
			}
			series, err := fx.svc.DownloadsByDay(c.ctx, of, []int{id}, "2026-02-28", "2026-02-28")
			if err != nil {
				t.Fatal(err)
			}
			got, present := st[id]
			if c.see && (got != registry.DownloadStats{AllTime: 3, Recent: 3, Week: 3, Day: 3} || series[id][0].Downloads != 3) {
				t.Errorf("%s %s: stats %+v present %v, series %v; want 3 everywhere", c.name, of, got, present, series[id])
			}
			if !c.see && (present || series[id][0].Downloads != 0) {
				t.Errorf("%s %s: sees a private package's downloads: %+v, %v", c.name, of, got, series[id])
			}
		}
	}
}
