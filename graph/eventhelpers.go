package graph

import (
	"context"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/graph/loader"
	"github.com/depot-registry/depot/graph/model"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/viewer"
)

func toFilter(f *model.ReleaseEventFilter) events.Filter {
	if f == nil {
		return events.Filter{}
	}
	return events.Filter{Packages: f.Packages, Repository: deref(f.Repository), Kinds: f.Kinds}
}

func decodeAfter(after *string) (*int, error) {
	if after == nil || *after == "" {
		return nil, nil
	}
	id, err := events.DecodeCursor(*after)
	if err != nil {
		return nil, apperr.Invalid("after", "invalid event cursor: pass the cursor of an event you received")
	}
	return &id, nil
}

// releaseEventPage serves the history query.
func (r *Resolver) releaseEventPage(ctx context.Context, first *int, after *string, filter *model.ReleaseEventFilter) (*model.ReleaseEventPage, error) {
	pos, err := decodeAfter(after)
	if err != nil {
		return nil, err
	}
	f := toFilter(filter)
	if err := f.Validate(); err != nil {
		return nil, apperr.Invalid("filter", "%s", err.Error())
	}
	n := deref(pageSize(first))
	evs, err := events.Log{DB: r.DB}.After(ctx, deref(pos), f, n+1)
	if err != nil {
		return nil, err
	}
	page := &model.ReleaseEventPage{Events: evs, HasNextPage: len(evs) > n}
	if page.HasNextPage {
		page.Events = evs[:n]
	}
	if k := len(page.Events); k > 0 {
		c := events.EncodeCursor(page.Events[k-1].ID)
		page.EndCursor = &c
	} else if after != nil {
		page.EndCursor = after
	}
	r.primeEvents(ctx, page.Events)
	return page, nil
}

// subscribe opens a live feed for the viewer in ctx. It re-reads the viewer
// through the request's reloader every few seconds, so a removed member or
// a revoked key stops receiving private events.
func (r *Resolver) subscribe(ctx context.Context, filter *model.ReleaseEventFilter, after *string) (<-chan *ent.ReleaseEvent, error) {
	pos, err := decodeAfter(after)
	if err != nil {
		return nil, err
	}
	f := toFilter(filter)
	if err := f.Validate(); err != nil {
		return nil, apperr.Invalid("filter", "%s", err.Error())
	}
	if tap, ok := ctx.Value(feedTapKey{}).(*FeedTap); ok {
		if tap.After != nil {
			pos = tap.After
		}
		// The transport refreshes and counts each subscriber itself.
		sub, err := r.Hub.Subscribe(ctx, f, pos, nil)
		if err != nil {
			return nil, err
		}
		return tap.Open(sub), nil
	}
	var refresh events.Refresher
	if reload := viewer.ReloaderFrom(ctx); reload != nil {
		refresh = events.Refresher(reload)
	}
	sub, err := r.Hub.Subscribe(ctx, f, pos, refresh)
	if err != nil {
		return nil, err
	}
	if r.OnSubscribe != nil {
		r.OnSubscribe(1)
		// AfterFunc, not a goroutine waiting on Done: an idle subscription
		// should cost as little memory as possible.
		context.AfterFunc(ctx, func() { r.OnSubscribe(-1) })
	}
	return sub.C, nil
}

// FeedTap lets a transport that renders one releaseEvents operation for many
// subscribers (all seeing the same events) own the hub subscription.
type FeedTap struct {
	// After, when set, replaces the operation's after argument: a
	// subscriber moved to a feed of its own resumes where it was.
	After *int
	// Open receives the hub subscription, opened as the context's viewer
	// without a refresher; it returns the channel the operation renders.
	Open func(sub *events.Subscription) <-chan *ent.ReleaseEvent
}

type feedTapKey struct{}

// WithFeedTap makes the releaseEvents subscription run in ctx hand its hub
// subscription to tap.
func WithFeedTap(ctx context.Context, tap *FeedTap) context.Context {
	return context.WithValue(ctx, feedTapKey{}, tap)
}

func (r *Resolver) primeEvents(ctx context.Context, evs []*ent.ReleaseEvent) {
	l := r.loaders(ctx).pkg
	for _, e := range evs {
		if e.ActorID != nil {
			l.users.Prime(*e.ActorID)
		}
		if e.PackageID != nil {
			l.pkgs.Prime(*e.PackageID)
		}
		if e.ReleaseID != nil {
			l.releases.Prime(*e.ReleaseID)
		}
	}
}

func newReleasesLoader(reg *registry.Service) *loader.Loader[int, *ent.Release] {
	return loader.New(reg.ReleasesByID, batchWait)
}

func eventRetirement(e *ent.ReleaseEvent) *model.RetirementInfo {
	if e.RetirementReason == "" {
		return nil
	}
	info := &model.RetirementInfo{Reason: retirement.Reason(e.RetirementReason)}
	if e.RetirementMessage != "" {
		info.Message = &e.RetirementMessage
	}
	return info
}
