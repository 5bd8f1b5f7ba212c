package graph

import (
	"context"
	"time"

	"github.com/depot-registry/depot/graph/loader"
	"github.com/depot-registry/depot/registry"
)

// downloadStatsLoader batches downloadStats of packages (of =
// registry.OfPackages) or releases over a request: two statements however
// long the list.
func (r *Resolver) downloadStatsLoader(ctx context.Context, of string) *loader.Loader[int, registry.DownloadStats] {
	key := "stats:" + of
	return downloadLoader(ctx, r, key, of, func(ctx context.Context, ids []int) (map[int]registry.DownloadStats, error) {
		return r.Registry.DownloadStats(ctx, of, ids)
	})
}

// downloadsByDayLoader batches downloadsByDay over a request, one loader
// (one statement) per distinct range.
func (r *Resolver) downloadsByDayLoader(ctx context.Context, of, from, to string) *loader.Loader[int, []registry.DayCount] {
	key := "days:" + of + ":" + from + ":" + to
	return downloadLoader(ctx, r, key, of, func(ctx context.Context, ids []int) (map[int][]registry.DayCount, error) {
		return r.Registry.DownloadsByDay(ctx, of, ids, from, to)
	})
}

// downloadLoader returns the request's loader under key, making it (primed
// with the packages or releases listed so far) on first use.
func downloadLoader[V any](ctx context.Context, r *Resolver, key, of string, fetch loader.Fetch[int, V]) *loader.Loader[int, V] {
	l := r.loaders(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.downloads[key].(*loader.Loader[int, V]); ok {
		return v
	}
	v := loader.New(fetch, batchWait)
	if of == registry.OfPackages {
		v.Prime(l.pkg.listed...)
	} else {
		v.Prime(l.pkg.listedReleases...)
	}
	if l.downloads == nil {
		l.downloads = map[string]any{}
	}
	l.downloads[key] = v
	return v
}

func (r *Resolver) downloadStats(ctx context.Context, of string, id int) (*registry.DownloadStats, error) {
	st, err := r.downloadStatsLoader(ctx, of).Load(ctx, id)
	if err != nil {
		return nil, err
	}
	return &st, nil
}

func (r *Resolver) downloadsByDay(ctx context.Context, of string, id int, from, to *string) ([]*registry.DayCount, error) {
	f, t, err := r.Registry.DownloadRange(from, to)
	if err != nil {
		return nil, err
	}
	days, err := r.downloadsByDayLoader(ctx, of, f, t).Load(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]*registry.DayCount, len(days))
	for i := range days {
		out[i] = &days[i]
	}
	return out, nil
}

// downloadDaysCost prices downloadsByDay by the days it may return: a
// tenth of the selection per day (a day is one aggregated row), the
// longest range when the range is open-ended or malformed.
func downloadDaysCost(child int, from, to *string) int {
	days := registry.RecentDays
	switch {
	case from != nil && to != nil:
		f, err1 := time.Parse(time.DateOnly, *from)
		t, err2 := time.Parse(time.DateOnly, *to)
		if err1 != nil || err2 != nil {
			days = registry.MaxDownloadDays
		} else {
			days = min(max(int(t.Sub(f).Hours()/24)+1, 1), registry.MaxDownloadDays)
		}
	case from != nil:
		days = registry.MaxDownloadDays
	}
	return 1 + (days*child+9)/10
}
