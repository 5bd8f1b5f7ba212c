package bench

// The live-feed benchmark: many idle websocket subscribers to
// releaseEvents, a few publishes, and how long each event takes to reach
// every subscriber, with the server memory an idle subscriber costs.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/depot-registry/depot/internal/gqlclient"
	"github.com/depot-registry/depot/internal/samplepkg"
)

// FeedConfig is one live-feed run.
type FeedConfig struct {
	// URLs are the servers' base URLs; subscribers are spread over them in
	// turn and releases are published through the first.
	URLs   []string
	N      int           // subscribers
	Events int           // releases to publish
	Key    string        // publisher API key (api:write); empty: sign up a fresh user
	Ramp   time.Duration // spread the connection attempts over this long
	// Interval between publishes (default 200 ms).
	Interval time.Duration
	// SubscribeTimeout bounds connecting and subscribing everyone
	// (default 60 s plus Ramp).
	SubscribeTimeout time.Duration
	// Wait is how long after the last publish events may still arrive
	// (default 15 s).
	Wait time.Duration
	// Settle is the pause between "all subscribed" and the memory reading,
	// so the reading is of idle subscribers (default 1 s).
	Settle time.Duration
	Label  string
	// Log receives progress lines (default: discarded).
	Log io.Writer
}

// ServerSample is what one /metrics read says.
type ServerSample struct {
	RSS           float64 `json:"rss_bytes"`
	HeapInuse     float64 `json:"heap_inuse_bytes"`
	StackInuse    float64 `json:"stack_inuse_bytes"`
	Subscriptions float64 `json:"subscriptions_active"`
	CPUSeconds    float64 `json:"cpu_seconds"`
	Goroutines    float64 `json:"goroutines"`
}

func (s ServerSample) add(o ServerSample) ServerSample {
	return ServerSample{s.RSS + o.RSS, s.HeapInuse + o.HeapInuse, s.StackInuse + o.StackInuse, s.Subscriptions + o.Subscriptions, s.CPUSeconds + o.CPUSeconds, s.Goroutines + o.Goroutines}
}

// FeedResult is the outcome of a live-feed run. Memory figures are summed
// over the instances.
type FeedResult struct {
	Kind       string  `json:"kind"` // "feed"
	Label      string  `json:"label,omitempty"`
	Instances  int     `json:"instances"`
	N          int     `json:"subscribers"`
	Events     int     `json:"events"`
	Subscribed int     `json:"subscribed"`
	SubscribeS float64 `json:"subscribe_seconds"`
	// ConnErrors counts subscribers that failed to connect or subscribe,
	// or whose connection broke before the end; Errors keeps a few of them.
	ConnErrors int      `json:"connection_errors"`
	Errors     []string `json:"errors,omitempty"`
	Expected   int      `json:"expected"`
	Delivered  int      `json:"delivered"`
	Duplicates int      `json:"duplicates"`
	// InOrder counts subscribers that got every event, in publish order.
	InOrder int `json:"in_order"`
	// Latency: publish response received → subscriber read the event. An
	// event may arrive before the publish response does (Early); it then
	// counts as 0.
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	Early int     `json:"early"`
	// The same measured from the publish request being sent: an upper
	// bound, as it includes the publish itself.
	SentP50ms float64 `json:"sent_p50_ms"`
	SentP99ms float64 `json:"sent_p99_ms"`
	SentMaxMs float64 `json:"sent_max_ms"`
	// PublishP50ms is the publish mutation's own response time.
	PublishP50ms float64 `json:"publish_p50_ms"`
	PublishMaxMs float64 `json:"publish_max_ms"`

	Before ServerSample `json:"before"`
	Idle   ServerSample `json:"after_subscribe"`
	After  ServerSample `json:"after_events"`
	// Per idle subscriber: (after subscribe − before) / subscribed.
	RSSPerSubKiB   float64 `json:"rss_per_subscriber_kib"`
	HeapPerSubKiB  float64 `json:"heap_per_subscriber_kib"`
	StackPerSubKiB float64 `json:"stack_per_subscriber_kib"`
	// GoroutinesPerSub: (after subscribe − before) / subscribed.
	GoroutinesPerSub float64 `json:"goroutines_per_subscriber"`
	// CPU seconds the servers spent delivering (publish start → end).
	DeliveryCPUSeconds float64 `json:"delivery_cpu_seconds"`
	// CPUPerEventUs is DeliveryCPUSeconds per delivered event, in µs.
	CPUPerEventUs float64 `json:"cpu_per_delivered_event_us"`
}

func (r *FeedResult) String() string {
	var b strings.Builder
	mib := func(v float64) float64 { return v / (1 << 20) }
	pct := 0.0
	if r.Expected > 0 {
		pct = 100 * float64(r.Delivered) / float64(r.Expected)
	}
	fmt.Fprintf(&b, "feed %s: %d subscribers on %d instance(s), %d events\n", r.Label, r.N, r.Instances, r.Events)
	fmt.Fprintf(&b, "  subscribed      %d/%d in %.2f s; connection errors %d\n", r.Subscribed, r.N, r.SubscribeS, r.ConnErrors)
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "    e.g. %s\n", e)
	}
	fmt.Fprintf(&b, "  delivered       %d/%d (%.2f%%); subscribers with every event in order %d/%d; duplicates %d\n",
		r.Delivered, r.Expected, pct, r.InOrder, r.N, r.Duplicates)
	fmt.Fprintf(&b, "  latency         p50 %.1f ms, p99 %.1f ms, max %.1f ms (publish response → receive; %d arrived before the response)\n",
		r.P50ms, r.P99ms, r.MaxMs, r.Early)
	fmt.Fprintf(&b, "  from request    p50 %.1f ms, p99 %.1f ms, max %.1f ms (publish request sent → receive)\n", r.SentP50ms, r.SentP99ms, r.SentMaxMs)
	fmt.Fprintf(&b, "  publish         p50 %.1f ms, max %.1f ms\n", r.PublishP50ms, r.PublishMaxMs)
	fmt.Fprintf(&b, "  server RSS      before %.1f MiB, subscribed %.1f MiB, after events %.1f MiB\n", mib(r.Before.RSS), mib(r.Idle.RSS), mib(r.After.RSS))
	fmt.Fprintf(&b, "  server heap     before %.1f MiB, subscribed %.1f MiB, after events %.1f MiB (in use)\n", mib(r.Before.HeapInuse), mib(r.Idle.HeapInuse), mib(r.After.HeapInuse))
	fmt.Fprintf(&b, "  server stacks   before %.1f MiB, subscribed %.1f MiB\n", mib(r.Before.StackInuse), mib(r.Idle.StackInuse))
	fmt.Fprintf(&b, "  goroutines      before %.0f, subscribed %.0f\n", r.Before.Goroutines, r.Idle.Goroutines)
	fmt.Fprintf(&b, "  per idle sub    RSS %.1f KiB (heap %.1f KiB, goroutine stacks %.1f KiB, %.1f goroutines)\n", r.RSSPerSubKiB, r.HeapPerSubKiB, r.StackPerSubKiB, r.GoroutinesPerSub)
	fmt.Fprintf(&b, "  delivery CPU    %.2f s server CPU for %d events, %.1f µs per delivered event", r.DeliveryCPUSeconds, r.Events, r.CPUPerEventUs)
	return b.String()
}

// feedSub is one subscriber's record.
type feedSub struct {
	recv  []int64 // receive time (ns since run start) per event index; 0 = not received
	order []int   // event indexes in arrival order
	dups  int
	err   error
}

// feedQuery selects the run's package only, so other activity on the
// server does not count.
const feedQuery = `subscription($p: [String!]) { releaseEvents(filter: {packages: $p}) { cursor kind packageName version occurredAt } }`

// Feed runs the live-feed benchmark.
func Feed(ctx context.Context, cfg FeedConfig) (*FeedResult, error) {
	if len(cfg.URLs) == 0 || cfg.N < 1 || cfg.Events < 1 {
		return nil, errors.New("feed: need a URL, at least one subscriber and one event")
	}
	for i, u := range cfg.URLs {
		cfg.URLs[i] = strings.TrimRight(u, "/")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 200 * time.Millisecond
	}
	if cfg.SubscribeTimeout <= 0 {
		cfg.SubscribeTimeout = 60*time.Second + cfg.Ramp
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 15 * time.Second
	}
	if cfg.Settle < 0 {
		cfg.Settle = 0
	} else if cfg.Settle == 0 {
		cfg.Settle = time.Second
	}
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	raiseFileLimit(logw)
	httpc := &http.Client{Timeout: 30 * time.Second}

	key := cfg.Key
	if key == "" {
		var err error
		if key, err = feedPublisher(ctx, cfg.URLs[0]); err != nil {
			return nil, fmt.Errorf("feed: publisher account: %w", err)
		}
	}
	publisher := &gqlclient.Client{URL: cfg.URLs[0], Key: key, HTTP: httpc}
	pkg := "feedbench_" + randHex(4)

	res := &FeedResult{Kind: "feed", Label: cfg.Label, Instances: len(cfg.URLs), N: cfg.N, Events: cfg.Events, Expected: cfg.N * cfg.Events}
	var err error
	if res.Before, err = sampleAll(ctx, httpc, cfg.URLs); err != nil {
		return nil, err
	}

	// Subscribers.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	subs := make([]*feedSub, cfg.N)
	var (
		wg        sync.WaitGroup
		delivered atomic.Int64
		sent      atomic.Int64 // subscribe messages sent
		failed    atomic.Int64
		connsMu   sync.Mutex
		conns     []*websocket.Conn
	)
	dialer := websocket.Dialer{
		NetDialContext:   (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		HandshakeTimeout: 30 * time.Second,
		Subprotocols:     []string{"graphql-transport-ws"},
		ReadBufferSize:   512,
		WriteBufferSize:  512,
		WriteBufferPool:  &sync.Pool{},
	}
	fmt.Fprintf(logw, "feed: opening %d subscribers on %d instance(s) over %s\n", cfg.N, len(cfg.URLs), cfg.Ramp)
	for i := range cfg.N {
		s := &feedSub{recv: make([]int64, cfg.Events), order: make([]int, 0, cfg.Events)}
		subs[i] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			if cfg.Ramp > 0 {
				select {
				case <-time.After(time.Duration(int64(cfg.Ramp) * int64(i) / int64(cfg.N))):
				case <-runCtx.Done():
					return
				}
			}
			wsURL := "ws" + strings.TrimPrefix(cfg.URLs[i%len(cfg.URLs)], "http") + "/graphql"
			c, err := feedSubscribe(runCtx, &dialer, wsURL, pkg)
			if err != nil {
				s.err = err
				failed.Add(1)
				return
			}
			connsMu.Lock()
			conns = append(conns, c)
			connsMu.Unlock()
			sent.Add(1)
			s.err = feedRead(runCtx, c, s, start, &delivered)
			if s.err != nil {
				failed.Add(1)
			}
		}()
	}

	// All subscribed: every subscribe message sent, and the servers count
	// that many more open subscriptions (gqlgen does not acknowledge a
	// subscribe, so the gauge is the only witness).
	deadline := time.Now().Add(cfg.SubscribeTimeout)
	for {
		done := sent.Load()+failed.Load() >= int64(cfg.N)
		now, err := sampleAll(ctx, httpc, cfg.URLs)
		if err != nil {
			return nil, err
		}
		gained := int(now.Subscriptions - res.Before.Subscriptions)
		if done && gained >= int(sent.Load()) {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(logw, "feed: subscribe timeout: %d subscribe messages sent, %d failed, servers count %d new subscriptions\n", sent.Load(), failed.Load(), gained)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	res.SubscribeS = time.Since(start).Seconds()
	time.Sleep(cfg.Settle)
	if res.Idle, err = sampleAll(ctx, httpc, cfg.URLs); err != nil {
		return nil, err
	}
	res.Subscribed = int(res.Idle.Subscriptions - res.Before.Subscriptions)
	fmt.Fprintf(logw, "feed: %d subscribed after %.2f s (%d failed)\n", res.Subscribed, res.SubscribeS, failed.Load())

	// Publish.
	pubTimes := make([]int64, cfg.Events)  // response received, ns since start
	sentTimes := make([]int64, cfg.Events) // request sent
	var pubDur []float64
	cpuStart := res.Idle
	for i := range cfg.Events {
		if i > 0 {
			time.Sleep(cfg.Interval)
		}
		tar, err := samplepkg.Build(pkg, feedVersion(i), "Live-feed benchmark package.")
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		sentTimes[i] = int64(t0.Sub(start))
		if err := publisher.Upload(ctx, "publishRelease", feedPublishMutation, nil, "t", "package.tar", tar, nil); err != nil {
			return nil, fmt.Errorf("feed: publish %s %s: %w", pkg, feedVersion(i), err)
		}
		pubTimes[i] = int64(time.Since(start))
		pubDur = append(pubDur, float64(time.Since(t0))/1e6)
	}
	fmt.Fprintf(logw, "feed: published %d releases of %s\n", cfg.Events, pkg)
	want := int64(cfg.N * cfg.Events)
	waitUntil := time.Now().Add(cfg.Wait)
	last, lastChange := delivered.Load(), time.Now()
	for delivered.Load() < want && time.Now().Before(waitUntil) {
		time.Sleep(50 * time.Millisecond)
		if n := delivered.Load(); n != last {
			last, lastChange = n, time.Now()
		} else if failed.Load() > 0 && time.Since(lastChange) > 3*time.Second {
			break // the rest went with the broken connections
		}
	}
	if res.After, err = sampleAll(ctx, httpc, cfg.URLs); err != nil {
		return nil, err
	}
	res.DeliveryCPUSeconds = res.After.CPUSeconds - cpuStart.CPUSeconds

	// Close everyone; the readers then return.
	cancel()
	connsMu.Lock()
	for _, c := range conns {
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(100*time.Millisecond))
		_ = c.Close()
	}
	connsMu.Unlock()
	wg.Wait()

	// Tally.
	var lat, fromSent []float64
	errKinds := map[string]int{}
	for _, s := range subs {
		if s.err != nil {
			res.ConnErrors++
			msg := s.err.Error()
			if errKinds[shortErr(msg)]++; errKinds[shortErr(msg)] == 1 && len(res.Errors) < 5 {
				res.Errors = append(res.Errors, msg)
			}
		}
		res.Duplicates += s.dups
		for i, t := range s.recv {
			if t == 0 {
				continue
			}
			res.Delivered++
			fromSent = append(fromSent, float64(t-sentTimes[i])/1e6)
			d := float64(t-pubTimes[i]) / 1e6
			if d < 0 {
				res.Early++
				d = 0
			}
			lat = append(lat, d)
		}
		if len(s.order) == cfg.Events && slices.IsSorted(s.order) && s.dups == 0 {
			res.InOrder++
		}
	}
	res.P50ms, res.P99ms, res.MaxMs = quantile(lat, 0.50), quantile(lat, 0.99), quantile(lat, 1)
	res.SentP50ms, res.SentP99ms, res.SentMaxMs = quantile(fromSent, 0.50), quantile(fromSent, 0.99), quantile(fromSent, 1)
	res.PublishP50ms, res.PublishMaxMs = quantile(pubDur, 0.50), quantile(pubDur, 1)
	if res.Subscribed > 0 {
		res.RSSPerSubKiB = (res.Idle.RSS - res.Before.RSS) / float64(res.Subscribed) / 1024
		res.HeapPerSubKiB = (res.Idle.HeapInuse - res.Before.HeapInuse) / float64(res.Subscribed) / 1024
		res.StackPerSubKiB = (res.Idle.StackInuse - res.Before.StackInuse) / float64(res.Subscribed) / 1024
		res.GoroutinesPerSub = (res.Idle.Goroutines - res.Before.Goroutines) / float64(res.Subscribed)
	}
	if res.Delivered > 0 {
		res.CPUPerEventUs = res.DeliveryCPUSeconds / float64(res.Delivered) * 1e6
	}
	return res, nil
}

// feedSubscribe connects one subscriber and sends its subscribe message.
func feedSubscribe(ctx context.Context, d *websocket.Dialer, wsURL, pkg string) (*websocket.Conn, error) {
	c, resp, err := d.DialContext(ctx, wsURL, nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: %w (HTTP %d)", err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	fail := func(err error) (*websocket.Conn, error) {
		c.Close()
		return nil, err
	}
	_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if err := c.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{}}); err != nil {
		return fail(fmt.Errorf("connection_init: %w", err))
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	var ack feedMsg
	if err := c.ReadJSON(&ack); err != nil {
		return fail(fmt.Errorf("waiting for connection_ack: %w", err))
	}
	if ack.Type != "connection_ack" {
		return fail(fmt.Errorf("want connection_ack, got %q: %s", ack.Type, ack.Payload))
	}
	if err := c.WriteJSON(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": feedQuery, "variables": map[string]any{"p": []string{pkg}},
	}}); err != nil {
		return fail(fmt.Errorf("subscribe: %w", err))
	}
	_ = c.SetReadDeadline(time.Time{})
	_ = c.SetWriteDeadline(time.Time{})
	return c, nil
}

type feedMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// feedRead records the subscriber's events until the run ends (nil) or the
// connection fails (the error).
func feedRead(ctx context.Context, c *websocket.Conn, s *feedSub, start time.Time, delivered *atomic.Int64) error {
	for {
		_, data, err := c.ReadMessage()
		at := int64(time.Since(start))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read: %w", err)
		}
		var m feedMsg
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("bad message %q: %w", data, err)
		}
		switch m.Type {
		case "ping":
			if err := c.WriteJSON(map[string]string{"type": "pong"}); err != nil && ctx.Err() == nil {
				return fmt.Errorf("pong: %w", err)
			}
			continue
		case "pong", "ka":
			continue
		case "next":
		default: // error, complete
			return fmt.Errorf("server sent %s: %s", m.Type, m.Payload)
		}
		var p struct {
			Data struct {
				ReleaseEvents struct{ Version string }
			}
			Errors []json.RawMessage
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
			return fmt.Errorf("bad event %s: %v", m.Payload, err)
		}
		i, ok := feedIndex(p.Data.ReleaseEvents.Version)
		if !ok || i >= len(s.recv) {
			return fmt.Errorf("unexpected event version %q", p.Data.ReleaseEvents.Version)
		}
		if s.recv[i] != 0 {
			s.dups++
			continue
		}
		s.recv[i] = max(at, 1)
		s.order = append(s.order, i)
		delivered.Add(1)
	}
}

// Event i is version 1.i.0.
func feedVersion(i int) string { return fmt.Sprintf("1.%d.0", i) }

func feedIndex(v string) (int, bool) {
	rest, ok := strings.CutPrefix(v, "1.")
	if !ok {
		return 0, false
	}
	n, ok := strings.CutSuffix(rest, ".0")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil && i >= 0
}

const feedPublishMutation = `mutation($t: Upload!) { publishRelease(input: {tarball: $t}) { release { version } } }`

// feedPublisher signs up a fresh user (cookie session) and returns a new
// api:write key of theirs.
func feedPublisher(ctx context.Context, base string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &gqlclient.Client{URL: base, HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	user := "feedbench" + randHex(4)
	if err := c.Do(ctx, "signUp", `mutation($u: String!, $e: String!, $p: String!) { signUp(input: {username: $u, email: $e, password: $p}) { user { id } } }`,
		map[string]any{"u": user, "e": user + "@example.com", "p": "feed bench " + randHex(16)}, nil); err != nil {
		return "", err
	}
	var out struct{ CreateAPIKey struct{ Secret string } }
	if err := c.Do(ctx, "createApiKey", `mutation { createApiKey(input: {name: "feed bench", scopes: ["api:write"]}) { secret } }`, nil, &out); err != nil {
		return "", err
	}
	if out.CreateAPIKey.Secret == "" {
		return "", errors.New("createApiKey: no secret")
	}
	return out.CreateAPIKey.Secret, nil
}

// sampleAll reads every instance's /metrics and sums the figures.
func sampleAll(ctx context.Context, c *http.Client, urls []string) (ServerSample, error) {
	var sum ServerSample
	for _, u := range urls {
		m, err := scrape(ctx, c, u)
		if err != nil {
			return sum, fmt.Errorf("feed: metrics of %s: %w", u, err)
		}
		sum = sum.add(ServerSample{
			RSS: m["process_resident_memory_bytes"], HeapInuse: m["go_memstats_heap_inuse_bytes"], StackInuse: m["go_memstats_stack_inuse_bytes"],
			Subscriptions: m["depot_subscriptions_active"], CPUSeconds: m["process_cpu_seconds_total"],
			Goroutines: m["go_goroutines"],
		})
	}
	return sum, nil
}

// raiseFileLimit lifts the soft open-files limit to the hard one: each
// subscriber holds a socket.
func raiseFileLimit(logw io.Writer) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			fmt.Fprintf(logw, "feed: raising the open-files limit: %v\n", err)
			return
		}
	}
	fmt.Fprintf(logw, "feed: open-files limit %d\n", l.Cur)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// shortErr groups errors by their text without addresses and numbers.
func shortErr(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < '0' || r > '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// quantile of values (sorted in place); 0 when empty.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	i := min(int(float64(len(v))*q+0.999999)-1, len(v)-1)
	return v[max(i, 0)]
}

func feedCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("depot bench feed", flag.ContinueOnError)
	var cfg FeedConfig
	urls := fs.String("url", "http://127.0.0.1:8080", "server base URL(s), comma-separated; subscribers are spread over them, publishes go to the first")
	fs.IntVar(&cfg.N, "n", 1000, "websocket subscribers")
	fs.IntVar(&cfg.Events, "events", 20, "releases to publish")
	fs.StringVar(&cfg.Key, "key", "", "publisher API key (api:write); default: sign up a fresh user and create one")
	fs.DurationVar(&cfg.Ramp, "ramp", 2*time.Second, "spread the connection attempts over this long")
	fs.DurationVar(&cfg.Interval, "interval", 200*time.Millisecond, "pause between publishes")
	fs.DurationVar(&cfg.SubscribeTimeout, "subscribe-timeout", 0, "give up waiting for everyone to subscribe after this long (default 60s + ramp)")
	fs.DurationVar(&cfg.Wait, "wait", 15*time.Second, "how long after the last publish events may still arrive")
	fs.StringVar(&cfg.Label, "label", "", "label stored with the result")
	jsonOut := fs.String("json", "", "append the result as a JSON line to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.URLs = strings.Split(*urls, ",")
	cfg.Log = os.Stderr
	res, err := Feed(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Println(res)
	if err := appendJSON(*jsonOut, res); err != nil {
		return err
	}
	if res.Delivered < res.Expected || res.ConnErrors > 0 {
		return errors.New("not every event reached every subscriber (see above)")
	}
	return nil
}
