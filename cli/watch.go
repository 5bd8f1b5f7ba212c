package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

const watchSubscription = `subscription($f: ReleaseEventFilter, $a: String) {
  releaseEvents(filter: $f, after: $a) {
    cursor kind occurredAt repository packageName version previousOwner newOwner
    retirement { reason message }
  }
}`

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// watch is `depot watch [--package P]... [--kind K]... [--org ORG] [--after CURSOR]`:
// it prints each release event as one JSON line, reconnects with backoff
// when the connection drops, and resumes after the last event printed, so
// nothing is missed or printed twice. It ends on interrupt, or with an
// error when the server refuses the subscription.
func (a *App) watch(ctx context.Context, args []string) error {
	fs := a.newFlags("watch", "[--package P]... [--kind KIND]... [--org ORG] [--after CURSOR]")
	var pkgs, kinds listFlag
	fs.Var(&pkgs, "package", "only this package (repeatable)")
	fs.Var(&kinds, "kind", "only this event kind, e.g. PUBLISHED (repeatable)")
	org := fs.String("org", "", "only this repository (organization name)")
	after := fs.String("after", "", "resume after this event cursor")
	_, err := parseN(fs, args, 0, 0)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(a.Getenv)
	if err != nil {
		return err
	}
	filter := map[string]any{}
	if len(pkgs) > 0 {
		filter["packages"] = []string(pkgs)
	}
	if len(kinds) > 0 {
		ks := make([]string, len(kinds))
		for i, k := range kinds {
			ks[i] = upper(k)
		}
		filter["kinds"] = ks
	}
	if *org != "" {
		filter["repository"] = *org
	}
	w := &watcher{app: a, cfg: cfg, filter: filter, cursor: *after}
	return w.run(ctx)
}

type watcher struct {
	app    *App
	cfg    Config
	filter map[string]any
	cursor string
}

// errFatal wraps errors that reconnecting cannot fix.
type errFatal struct{ err error }

func (e errFatal) Error() string { return e.err.Error() }
func (e errFatal) Unwrap() error { return e.err }

func (w *watcher) run(ctx context.Context) error {
	delay := w.app.MinBackoff
	for {
		acked, err := w.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var fatal errFatal
		if errors.As(err, &fatal) {
			return fatal.err
		}
		if acked {
			delay = w.app.MinBackoff
		}
		// Jitter spreads reconnects of many watchers after a server restart.
		wait := delay/2 + rand.N(delay/2+1)
		fmt.Fprintf(w.app.Stderr, "depot watch: %v; reconnecting in %s\n", err, wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		delay = min(2*delay, w.app.MaxBackoff)
	}
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// session runs one connection until it fails. acked reports whether the
// server accepted the connection (so the backoff can start over).
func (w *watcher) session(ctx context.Context) (acked bool, err error) {
	u := "ws" + strings.TrimPrefix(w.cfg.URL, "http") + "/graphql"
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Subprotocols: []string{"graphql-transport-ws"}, Proxy: http.ProxyFromEnvironment}
	conn, resp, err := dialer.DialContext(ctx, u, nil)
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			return false, errFatal{fmt.Errorf("connect %s: %s", u, resp.Status)}
		}
		return false, fmt.Errorf("connect %s: %w", u, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	init := wsMessage{Type: "connection_init"}
	if w.cfg.Key != "" {
		init.Payload, _ = json.Marshal(map[string]string{"authorization": "Bearer " + w.cfg.Key})
	}
	if err := conn.WriteJSON(init); err != nil {
		return false, fmt.Errorf("connection_init: %w", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	var msg wsMessage
	if err := conn.ReadJSON(&msg); err != nil {
		return false, classify(err)
	}
	if msg.Type != "connection_ack" {
		return false, errFatal{fmt.Errorf("server answered %q to connection_init: %s", msg.Type, msg.Payload)}
	}
	_ = conn.SetReadDeadline(time.Time{})
	vars := map[string]any{"f": w.filter}
	if w.cursor != "" {
		vars["a"] = w.cursor
	}
	sub, _ := json.Marshal(map[string]any{"query": watchSubscription, "variables": vars})
	if err := conn.WriteJSON(wsMessage{ID: "1", Type: "subscribe", Payload: sub}); err != nil {
		return true, fmt.Errorf("subscribe: %w", err)
	}
	for {
		var msg wsMessage
		if err := conn.ReadJSON(&msg); err != nil {
			return true, classify(err)
		}
		switch msg.Type {
		case "ping":
			if err := conn.WriteJSON(wsMessage{Type: "pong"}); err != nil {
				return true, fmt.Errorf("pong: %w", err)
			}
		case "next":
			if err := w.print(msg.Payload); err != nil {
				return true, err
			}
		case "error":
			return true, errFatal{refusal(msg.Payload)}
		case "complete":
			return true, errors.New("the server ended the subscription")
		}
	}
}

// print writes one event as a JSON line and remembers its cursor.
func (w *watcher) print(payload json.RawMessage) error {
	var p struct {
		Data struct {
			ReleaseEvents json.RawMessage `json:"releaseEvents"`
		} `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	if len(p.Errors) > 0 && string(p.Errors) != "null" {
		return errFatal{refusal(p.Errors)}
	}
	var ev struct {
		Cursor string `json:"cursor"`
	}
	if err := json.Unmarshal(p.Data.ReleaseEvents, &ev); err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	var line bytes.Buffer
	if err := json.Compact(&line, p.Data.ReleaseEvents); err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	line.WriteByte('\n')
	if _, err := w.app.Stdout.Write(line.Bytes()); err != nil {
		return errFatal{fmt.Errorf("write: %w", err)}
	}
	if ev.Cursor != "" {
		w.cursor = ev.Cursor
	}
	return nil
}

// refusal turns a GraphQL error list into an Error with its code.
func refusal(raw json.RawMessage) error {
	var errs []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	}
	if err := json.Unmarshal(raw, &errs); err != nil || len(errs) == 0 {
		return &Error{Op: "releaseEvents", Message: string(raw)}
	}
	code, _ := errs[0].Extensions["code"].(string)
	return &Error{Op: "releaseEvents", Message: errs[0].Message, Code: code}
}

// classify makes close codes that mean "you may not" fatal
// (graphql-transport-ws: 4401 unauthorized, 4403 forbidden, 4400 bad
// request); anything else is worth a reconnect.
func classify(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code >= 4400 && ce.Code < 4500 && ce.Code != 4499 {
		return errFatal{fmt.Errorf("server closed the subscription: %d %s", ce.Code, ce.Text)}
	}
	return fmt.Errorf("connection lost: %w", err)
}
