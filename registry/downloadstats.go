package registry

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent/downloadday"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
)

// DownloadStats are hexpm's download views of a package or a release.
// Like hexpm's, the windows are whole UTC days that have ended: Day is
// yesterday, Week the 7 days up to yesterday, Recent the 90 days up to
// yesterday. AllTime is the running total (it includes today, and counts
// from before daily rows were kept).
type DownloadStats struct {
	AllTime, Recent, Week, Day int64
}

// DayCount is the downloads of one UTC day (Day is YYYY-MM-DD).
type DayCount struct {
	Day       string
	Downloads int64
}

// Download windows, in days ending yesterday.
const (
	RecentDays = 90
	WeekDays   = 7
	// MaxDownloadDays is the longest range one DownloadsByDay call answers.
	MaxDownloadDays = 366
)

// Whose downloads a stats call counts.
const (
	OfPackages = downloadday.FieldPackageID
	OfReleases = downloadday.FieldReleaseID
)

func (s *Service) today() time.Time {
	n := s.now()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

func day(t time.Time) string { return t.Format(dayLayout) }

// DownloadStats returns the stats of packages (of = OfPackages) or releases
// (OfReleases) by id, in two statements however many ids. Ids the viewer
// cannot read (private packages of other organizations) are absent, as the
// rows themselves are.
func (s *Service) DownloadStats(ctx context.Context, of string, ids []int) (map[int]DownloadStats, error) {
	out := make(map[int]DownloadStats, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var totals []struct {
		ID        int   `json:"id"`
		Downloads int64 `json:"downloads"`
	}
	var err error
	switch of {
	case OfPackages:
		err = s.DB.Pkg.Query().Where(pkg.IDIn(ids...)).Select(pkg.FieldID, pkg.FieldDownloads).Scan(ctx, &totals)
	case OfReleases:
		err = s.DB.Release.Query().Where(release.IDIn(ids...)).Select(release.FieldID, release.FieldDownloads).Scan(ctx, &totals)
	default:
		return nil, fmt.Errorf("download stats of %q", of)
	}
	if err != nil {
		return nil, fmt.Errorf("download totals: %w", err)
	}
	for _, t := range totals {
		out[t.ID] = DownloadStats{AllTime: t.Downloads}
	}
	today := s.today()
	yesterday := day(today.AddDate(0, 0, -1))
	weekFrom := day(today.AddDate(0, 0, -WeekDays))
	recentFrom := day(today.AddDate(0, 0, -RecentDays))
	var rows []struct {
		Key    int   `json:"key"`
		Day    int64 `json:"d"`
		Week   int64 `json:"w"`
		Recent int64 `json:"r"`
	}
	err = s.DB.DownloadDay.Query().
		Where(downloadday.DayGTE(recentFrom), downloadday.DayLTE(yesterday), sql.FieldIn(of, ids...)).
		Modify(func(q *sql.Selector) {
			// The days are written into the SQL as literals: they come from
			// time.Format with dayLayout (digits and hyphens only), and
			// keep one statement text per day for the plan cache.
			d, n := q.C(downloadday.FieldDay), q.C(downloadday.FieldDownloads)
			sumIf := func(cond string) string { return "SUM(CASE WHEN " + cond + " THEN " + n + " ELSE 0 END)" }
			q.Select(
				sql.As(q.C(of), "key"),
				sql.As(sumIf(d+" = '"+yesterday+"'"), "d"),
				sql.As(sumIf(d+" >= '"+weekFrom+"'"), "w"),
				sql.As("SUM("+n+")", "r"),
			).GroupBy(q.C(of))
		}).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("download stats: %w", err)
	}
	for _, r := range rows {
		if st, ok := out[r.Key]; ok {
			st.Day, st.Week, st.Recent = r.Day, r.Week, r.Recent
			out[r.Key] = st
		}
	}
	return out, nil
}

// DownloadRange checks a DownloadsByDay range given as YYYY-MM-DD days,
// both ends included. A missing end defaults to yesterday, a missing start
// to the RecentDays days up to the end. Ranges longer than MaxDownloadDays
// or ending before they start are refused as bad input.
func (s *Service) DownloadRange(from, to *string) (string, string, error) {
	end := s.today().AddDate(0, 0, -1)
	if to != nil {
		t, err := time.Parse(dayLayout, *to)
		if err != nil {
			return "", "", apperr.Invalid("to", "to must be a day as YYYY-MM-DD, not %q", *to)
		}
		end = t
	}
	start := end.AddDate(0, 0, 1-RecentDays)
	if from != nil {
		f, err := time.Parse(dayLayout, *from)
		if err != nil {
			return "", "", apperr.Invalid("from", "from must be a day as YYYY-MM-DD, not %q", *from)
		}
		start = f
	}
	if end.Before(start) {
		return "", "", apperr.Invalid("to", "to (%s) is before from (%s)", day(end), day(start))
	}
	if n := int(end.Sub(start).Hours()/24) + 1; n > MaxDownloadDays {
		return "", "", apperr.Invalid("from", "at most %d days per request, asked for %d", MaxDownloadDays, n)
	}
	return day(start), day(end), nil
}

// DownloadsByDay returns, per package or release id, every day from from
// to to (YYYY-MM-DD, as DownloadRange returns them), days without
// downloads included with 0, in one statement however many ids. Ids the
// viewer cannot read get no rows counted, as the rows are absent to them.
func (s *Service) DownloadsByDay(ctx context.Context, of string, ids []int, from, to string) (map[int][]DayCount, error) {
	if of != OfPackages && of != OfReleases {
		return nil, fmt.Errorf("downloads by day of %q", of)
	}
	var rows []struct {
		Key       int    `json:"key"`
		Day       string `json:"day"`
		Downloads int64  `json:"n"`
	}
	if len(ids) > 0 {
		err := s.DB.DownloadDay.Query().
			Where(downloadday.DayGTE(from), downloadday.DayLTE(to), sql.FieldIn(of, ids...)).
			Modify(func(q *sql.Selector) {
				q.Select(sql.As(q.C(of), "key"), sql.As(q.C(downloadday.FieldDay), "day"),
					sql.As(sql.Sum(q.C(downloadday.FieldDownloads)), "n")).
					GroupBy(q.C(of), q.C(downloadday.FieldDay))
			}).Scan(ctx, &rows)
		if err != nil {
			return nil, fmt.Errorf("downloads by day: %w", err)
		}
	}
	counts := map[int]map[string]int64{}
	for _, r := range rows {
		if counts[r.Key] == nil {
			counts[r.Key] = map[string]int64{}
		}
		counts[r.Key][r.Day] = r.Downloads
	}
	start, err := time.Parse(dayLayout, from)
	if err != nil {
		return nil, apperr.Invalid("from", "from must be a day as YYYY-MM-DD, not %q", from)
	}
	end, err := time.Parse(dayLayout, to)
	if err != nil {
		return nil, apperr.Invalid("to", "to must be a day as YYYY-MM-DD, not %q", to)
	}
	out := make(map[int][]DayCount, len(ids))
	for _, id := range ids {
		series := make([]DayCount, 0, int(end.Sub(start).Hours()/24)+1)
		for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
			k := day(d)
			series = append(series, DayCount{Day: k, Downloads: counts[id][k]})
		}
		out[id] = series
	}
	return out, nil
}
