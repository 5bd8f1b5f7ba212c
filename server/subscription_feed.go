package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/graph"
	"github.com/depot-registry/depot/viewer"
)

// feeds renders releaseEvents subscriptions once per cohort: the
// subscribers that sent the same document with the same variables and see
// the same events. A cohort is one feed: one hub subscription, one gqlgen
// execution, one encoded payload per event, written as is to every member's
// connection. Privacy stays exact because the cohort key holds what decides
// visibility: the private organizations the viewer reads (anonymous: none),
// or, when the selection reaches fields whose answer depends on who asks
// (the actor's account, the package's owners), the whole viewer.
//
// Members are re-read periodically and at once when the bus announces a
// revocation that affects them; one who lost access ends with an error
// carrying the code, then complete. One whose visibility changed otherwise
// moves to a feed of its own that resumes after the last event it got.
type feeds struct {
	// head reads the log's head: a member joins a running feed only if the
	// feed has delivered nothing after it.
	head         func(ctx context.Context) (int, error)
	refreshEvery time.Duration
	gauge        func(delta int)
	log          *slog.Logger

	mu      sync.Mutex
	byKey   map[string]*feed
	watched map[*member]struct{} // members with a reloader
	revGen  int                  // revocations heard so far
	stopRev func()
}

func newFeeds(head func(context.Context) (int, error), rev events.Revoker, refreshEvery time.Duration, gauge func(int), log *slog.Logger) *feeds {
	fs := &feeds{
		head: head, refreshEvery: refreshEvery, gauge: gauge, log: log,
		byKey: map[string]*feed{}, watched: map[*member]struct{}{},
	}
	if fs.refreshEvery <= 0 {
		fs.refreshEvery = 5 * time.Second
	}
	if rev != nil {
		fs.stopRev = rev.OnRevoke(fs.revoked)
	}
	return fs
}

// Close stops listening for revocations.
func (fs *feeds) Close() {
	if fs.stopRev != nil {
		fs.stopRev()
	}
}

// newFeed returns a feed whose first member is m; start runs it.
func newFeed(fs *feeds, key string, m *member) *feed {
	ctx, cancel := context.WithCancel(context.Background())
	return &feed{fs: fs, key: key, ctx: ctx, cancel: cancel, src: make(chan *events.Event, 1), members: map[*member]struct{}{m: {}}}
}

// feed is one cohort.
type feed struct {
	fs     *feeds
	key    string // "" for a feed of one that nobody joins
	src    chan *events.Event
	ctx    context.Context // ends the feed when cancelled
	cancel context.CancelFunc

	mu      sync.Mutex
	members map[*member]struct{}
	sub     *events.Subscription
	last    int // highest event id delivered
	ended   bool
}

// feedConn is where a member's messages go: a websocket connection (one
// member per operation id) or a Server-Sent Events response (one member).
type feedConn interface {
	// send queues a frame without blocking; false when the connection is
	// gone.
	send(f wsFrame) bool
	sendErrors(id string, errs gqlerror.List)
	complete(id string)
	// removeOp forgets op; true when it was still open.
	removeOp(id string, op *wsOp) bool
	executor() graphql.GraphExecutor
}

// member is one subscriber (a connection and an operation id) of a feed.
type member struct {
	fs     *feeds
	c      feedConn
	id     string
	op     *wsOp
	ctx    context.Context // the operation's
	rc     *graphql.OperationContext
	reload viewer.Reloader
	// dependent: the selection reaches viewer-dependent fields, so the
	// cohort key holds the whole viewer.
	dependent bool

	// Guarded by fs.mu.
	feed   *feed
	vis    string
	userID int
	orgs   []int
	system bool
	timer  *time.Timer
	gone   bool

	// held: a revocation that may affect m was heard; events wait in
	// pending until the refresh it started says whether m may have them.
	held atomic.Bool
	// Guarded by feed.mu.
	skip     int // events up to skip predate the subscription
	last     int // highest event id delivered
	pending  []heldFrame
	overflow bool // pending was full: resume from last instead

	refreshing sync.Mutex
}

// subscribe takes a releaseEvents subscription; false when the operation
// is not one (the connection then runs it itself).
func (fs *feeds) subscribe(c feedConn, id string, op *wsOp, ctx context.Context, rc *graphql.OperationContext) bool {
	field, ok := feedField(rc)
	if !ok {
		return false
	}
	var after *int
	if a, _ := field.ArgumentMap(rc.Variables)["after"].(string); a != "" {
		pos, err := events.DecodeCursor(a)
		if err != nil {
			return false // the resolver reports it
		}
		after = &pos
	}
	v, reload := viewer.FromContext(ctx), viewer.ReloaderFrom(ctx)
	fs.mu.Lock()
	gen := fs.revGen
	fs.mu.Unlock()
	if reload != nil {
		// The connection may have been authenticated long ago: a key
		// revoked since, while it had no subscription to end, must not
		// open one.
		fresh, err := reload(ctx)
		if err != nil {
			if c.removeOp(id, op) {
				c.sendErrors(id, gqlerror.List{feedError(err)})
				c.complete(id)
			}
			return true
		}
		v = fresh
		ctx = viewer.NewContext(ctx, v)
	}
	m := &member{fs: fs, c: c, id: id, op: op, ctx: ctx, rc: rc, reload: reload, dependent: viewerDependent(rc, field.SelectionSet)}
	m.setViewer(v)
	fs.gauge(1)
	key := ""
	if after == nil {
		vars, _ := json.Marshal(rc.Variables)
		key = rc.RawQuery + "\x00" + rc.OperationName + "\x00" + string(vars) + "\x00" + m.vis
	} else {
		m.last = *after
	}
	if m.reload != nil {
		// Watched before it is placed: a revocation heard from the moment
		// the viewer was re-read above on holds m's events until a refresh
		// decides, even one heard before m is in the books.
		fs.mu.Lock()
		fs.watched[m] = struct{}{}
		if fs.revGen != gen {
			m.held.Store(true)
		}
		fs.mu.Unlock()
	}
	fs.place(m, ctx, key, after)
	op.attach(func() { fs.leave(m, nil) })
	if m.reload != nil {
		fs.mu.Lock()
		if !m.gone {
			every := fs.refreshEvery
			if m.held.Load() {
				every = 0
			}
			m.timer = time.AfterFunc(every, func() { fs.refresh(m) })
		}
		fs.mu.Unlock()
	}
	return true
}

// setViewer records what decides m's cohort. Callers hold fs.mu once m is
// placed.
func (m *member) setViewer(v *viewer.Viewer) {
	m.userID, m.orgs, m.system = v.UserID, v.PrivateOrgIDs(), v.IsSystem()
	m.vis = feedVisibility(v, m.dependent)
}

// place puts m into the feed of key (joining or starting it), or into a
// feed of its own when key is "" or the running feed has moved past m's
// start; after is where such a feed resumes.
func (fs *feeds) place(m *member, ctx context.Context, key string, after *int) {
	if key != "" {
		head, err := fs.head(ctx)
		if err != nil {
			fs.leave(m, err)
			return
		}
		fs.mu.Lock()
		if m.gone {
			fs.mu.Unlock()
			return
		}
		if f := fs.byKey[key]; f != nil {
			f.mu.Lock()
			joined := !f.ended && f.last <= head
			if joined {
				m.skip, m.last = head, head
				f.members[m] = struct{}{}
				m.feed = f
			}
			f.mu.Unlock()
			if joined {
				fs.mu.Unlock()
				return
			}
			// It delivered events after our head already: resume from the
			// head in a feed of our own rather than miss them.
			key, after = "", &head
			m.last = head
		} else {
			m.skip, m.last = head, head
		}
		fs.mu.Unlock()
	}
	fs.mu.Lock()
	if m.gone {
		fs.mu.Unlock()
		return
	}
	f := newFeed(fs, key, m)
	m.feed = f
	if key != "" {
		fs.byKey[key] = f
	}
	fs.mu.Unlock()
	f.start(ctx, m.rc, m.c.executor(), after)
}

// start runs the feed's operation as ctx's viewer, frozen: the feed
// outlives the member that started it, and members are refreshed one by
// one, not through the feed.
func (f *feed) start(mctx context.Context, rc *graphql.OperationContext, exec graphql.GraphExecutor, after *int) {
	v := *viewer.FromContext(mctx)
	v.Orgs = slices.Clone(v.Orgs)
	ctx := viewer.NewContext(viewer.WithReloader(context.WithoutCancel(mctx), nil), &v)
	// The feed ends with its own context, cancelled when the last member
	// leaves; it carries the first member's values, not its cancellation.
	ctx, cancel := context.WithCancel(ctx)
	context.AfterFunc(f.ctx, cancel)
	ctx = graph.WithFeedTap(ctx, &graph.FeedTap{After: after, Open: func(sub *events.Subscription) <-chan *events.Event {
		f.mu.Lock()
		f.sub = sub
		f.mu.Unlock()
		return f.src
	}})
	responses, ctx := exec.DispatchOperation(ctx, rc)
	f.mu.Lock()
	sub, ended := f.sub, f.ended
	f.mu.Unlock()
	if sub == nil {
		// The resolver refused (a bad filter, say): its errors are the
		// first response, the same for every member.
		resp := responses(ctx)
		f.cancel()
		var payload []byte
		if resp != nil {
			payload, _ = json.Marshal(resp)
		}
		f.end(nil, payload)
		return
	}
	if ended {
		f.cancel()
	}
	go f.render(ctx, responses, sub)
}

// render is the feed's goroutine: each event is executed and encoded once,
// then queued on every member's connection.
func (f *feed) render(ctx context.Context, responses graphql.ResponseHandler, sub *events.Subscription) {
	for e := range sub.C {
		f.src <- e // room for one: responses takes it right away
		resp := responses(ctx)
		if resp == nil {
			break
		}
		payload, err := json.Marshal(resp)
		if err != nil {
			f.fs.log.Error("feed: encode event", "err", err)
			continue
		}
		f.deliver(e.ID, payload)
	}
	f.cancel()
	err := sub.Err()
	if errors.Is(err, context.Canceled) || errors.Is(err, events.ErrUnsubscribed) || errors.Is(err, events.ErrHubClosed) {
		err = nil
	}
	f.end(err, nil)
}

// heldFrame is an event held back from a member under revocation.
type heldFrame struct {
	id      int
	payload []byte
	shared  *sharedFrames
}

// maxHeld bounds the events held back for one member during a refresh.
const maxHeld = 256

func (f *feed) deliver(id int, payload []byte) {
	shared := &sharedFrames{}
	var flush []*wsConn // websockets that need a writer, handed over in batches
	f.mu.Lock()
	defer func() {
		f.mu.Unlock()
		if len(flush) > 0 {
			flush[0].t.wsBatch(flush)
		}
	}()
	f.last = id
	for m := range f.members {
		if id <= m.skip {
			continue
		}
		if m.held.Load() {
			if len(m.pending) < maxHeld && !m.overflow {
				m.pending = append(m.pending, heldFrame{id, payload, shared})
			} else {
				m.overflow, m.pending = true, nil
			}
			continue
		}
		m.last = id
		fr := wsFrame{id: m.id, payload: payload, shared: shared}
		if wc, ok := m.c.(*wsConn); ok {
			if _, schedule := wc.enqueue(fr); schedule {
				flush = append(flush, wc)
			}
			continue
		}
		m.c.send(fr)
	}
}

// release ends a hold that turned out harmless: the held events are sent,
// or, if there were too many, m resumes after the last event it got.
func (fs *feeds) release(m *member, v *viewer.Viewer) {
	fs.mu.Lock()
	f := m.feed
	fs.mu.Unlock()
	if f == nil {
		return
	}
	f.mu.Lock()
	overflow := m.overflow
	if !overflow {
		for _, h := range m.pending {
			m.last = h.id
			m.c.send(wsFrame{id: m.id, payload: h.payload, shared: h.shared})
		}
		m.held.Store(false)
	}
	m.pending, m.overflow = nil, false
	f.mu.Unlock()
	if overflow {
		fs.move(m, v)
		m.held.Store(false)
	}
}

// end ends the feed and every member still in it: with err (an error
// message, then complete), with payload (a response, then complete) or with
// complete alone.
func (f *feed) end(err error, payload []byte) {
	f.fs.mu.Lock()
	if f.key != "" && f.fs.byKey[f.key] == f {
		delete(f.fs.byKey, f.key)
	}
	f.mu.Lock()
	f.ended = true
	ms := make([]*member, 0, len(f.members))
	for m := range f.members {
		if m.feed == f {
			ms = append(ms, m)
		}
	}
	f.mu.Unlock()
	f.fs.mu.Unlock()
	for _, m := range ms {
		if payload != nil && f.fs.detach(m, f) {
			m.c.send(wsFrame{id: m.id, payload: payload})
			m.finish(nil)
			continue
		}
		f.fs.leave(m, err)
	}
}

// detach takes m out of the books if it is still in feed f; false when it
// has left or moved already.
func (fs *feeds) detach(m *member, f *feed) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if m.gone || (f != nil && m.feed != f) {
		return false
	}
	m.gone = true
	delete(fs.watched, m)
	if m.timer != nil {
		m.timer.Stop()
	}
	if g := m.feed; g != nil {
		g.mu.Lock()
		delete(g.members, m)
		empty := len(g.members) == 0 && !g.ended
		if empty {
			g.ended = true
			if g.key != "" && fs.byKey[g.key] == g {
				delete(fs.byKey, g.key)
			}
		}
		g.mu.Unlock()
		if empty && g.cancel != nil {
			g.cancel()
		}
	}
	return true
}

// leave ends m's subscription; with a reason the client is told why.
func (fs *feeds) leave(m *member, reason error) {
	if !fs.detach(m, nil) {
		return
	}
	if reason != nil {
		m.c.sendErrors(m.id, gqlerror.List{feedError(reason)})
	}
	m.finish(reason)
}

// finish sends complete (if the operation was still open) and counts the
// subscriber out.
func (m *member) finish(error) {
	if m.c.removeOp(m.id, m.op) {
		m.c.complete(m.id)
	}
	m.fs.gauge(-1)
}

// refresh re-reads m's viewer: a failure or lost access ends m; another
// visibility moves it to a feed of its own.
func (fs *feeds) refresh(m *member) {
	m.refreshing.Lock()
	defer m.refreshing.Unlock()
	fs.mu.Lock()
	gone := m.gone
	fs.mu.Unlock()
	if gone {
		return
	}
	v, err := m.reload(m.ctx)
	if err != nil {
		if m.ctx.Err() == nil {
			fs.leave(m, err)
		}
		return
	}
	orgs := v.PrivateOrgIDs()
	fs.mu.Lock()
	if m.gone {
		fs.mu.Unlock()
		return
	}
	if (m.system && !v.IsSystem()) || !v.IsSystem() && !containsAll(orgs, m.orgs) {
		fs.mu.Unlock()
		fs.leave(m, events.ErrAccessRevoked)
		return
	}
	if vis := feedVisibility(v, m.dependent); vis != m.vis {
		fs.mu.Unlock()
		fs.move(m, v)
		m.held.Store(false)
	} else {
		fs.mu.Unlock()
		if m.held.Load() {
			fs.release(m, v)
		}
	}
	fs.mu.Lock()
	if !m.gone {
		m.timer.Reset(fs.refreshEvery)
	}
	fs.mu.Unlock()
}

// move puts m into a feed of its own, as viewer v, resuming after the last
// event m received.
func (fs *feeds) move(m *member, v *viewer.Viewer) {
	fs.mu.Lock()
	if m.gone {
		fs.mu.Unlock()
		return
	}
	old := m.feed
	old.mu.Lock()
	delete(old.members, m)
	last := m.last
	m.pending, m.overflow = nil, false
	empty := len(old.members) == 0 && !old.ended
	if empty {
		old.ended = true
		if old.key != "" && fs.byKey[old.key] == old {
			delete(fs.byKey, old.key)
		}
	}
	old.mu.Unlock()
	m.setViewer(v)
	m.skip = 0
	nf := newFeed(fs, "", m)
	m.feed = nf
	fs.mu.Unlock()
	if empty && old.cancel != nil {
		old.cancel()
	}
	nf.start(viewer.NewContext(m.ctx, v), m.rc, m.c.executor(), &last)
}

// revoked holds back events from every member r affects and refreshes
// them now. It runs on the bus's goroutine, before the bus passes on the
// signals that follow, so no event committed after the revocation reaches
// an affected member before its refresh has decided.
func (fs *feeds) revoked(r events.Revocation) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.revGen++
	for m := range fs.watched {
		if r.Affects(m.userID, m.orgs) {
			m.held.Store(true)
			if m.timer != nil { // else subscribe starts it at once
				m.timer.Reset(0)
			}
		}
	}
}

func containsAll(have, want []int) bool {
	for _, id := range want {
		if _, ok := slices.BinarySearch(have, id); !ok {
			return false
		}
	}
	return true
}

// feedError is what a member ended by err is told.
func feedError(err error) *gqlerror.Error {
	code, msg := apperr.Internal, "the feed was interrupted; subscribe again with the last cursor you received as after"
	var ae *apperr.Error
	switch {
	case errors.Is(err, events.ErrAccessRevoked):
		code, msg = apperr.Forbidden, "access to private release events was revoked; subscribe again to receive what you may still read"
	case errors.As(err, &ae):
		code = ae.Code
		if ae.Message != "" {
			msg = ae.Message
		}
	}
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}}
}

// feedVisibility is the part of the cohort key that decides what a viewer sees.
func feedVisibility(v *viewer.Viewer, dependent bool) string {
	if v.IsSystem() {
		return "system"
	}
	if dependent {
		return fmt.Sprintf("viewer %d %d %v %v", v.UserID, v.KeyID, v.Scopes, v.Orgs)
	}
	var b strings.Builder
	b.WriteString("orgs")
	for _, id := range v.PrivateOrgIDs() {
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(id))
	}
	return b.String()
}

// feedField returns the operation's releaseEvents field when the operation
// is a subscription of that field alone.
func feedField(rc *graphql.OperationContext) (*ast.Field, bool) {
	op := rc.Operation
	if op == nil || op.Operation != ast.Subscription || len(op.SelectionSet) != 1 {
		return nil, false
	}
	f, ok := op.SelectionSet[0].(*ast.Field)
	if !ok || f.Name != "releaseEvents" || len(f.Directives) > 0 {
		return nil, false
	}
	return f, true
}

// eventFields are the ReleaseEvent fields whose answer is the same for
// every viewer who may see the event.
var eventFields = map[string]bool{
	"__typename": true, "id": true, "kind": true, "occurredAt": true, "repository": true,
	"packageName": true, "version": true, "previousOwner": true, "newOwner": true,
	"cursor": true, "retirement": true,
}

// viewerDependent reports whether the selection reaches beyond eventFields.
func viewerDependent(rc *graphql.OperationContext, sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if !eventFields[s.Name] {
				return true
			}
			if s.Name == "retirement" {
				for _, r := range s.SelectionSet {
					f, ok := r.(*ast.Field)
					if !ok || (f.Name != "reason" && f.Name != "message" && f.Name != "__typename") {
						return true
					}
				}
			}
		case *ast.InlineFragment:
			if viewerDependent(rc, s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			d := rc.Doc.Fragments.ForName(s.Name)
			if d == nil || viewerDependent(rc, d.SelectionSet) {
				return true
			}
		default:
			return true
		}
	}
	return false
}
