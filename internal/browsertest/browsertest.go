// Package browsertest starts Debian's headless Chromium for end-to-end tests of
// the web app, and gives tests tabs whose every step has a timeout and fails
// with what the page showed: its address, the error messages on it and the
// path of a screenshot. Each tab records the network requests its pages make,
// so a test can assert that the app talks to nothing but its own server.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// StepTimeout bounds every wait of a tab: a broken page fails in seconds, not
// at the end of the test binary's timeout.
const StepTimeout = 15 * time.Second

// Browser is one Chromium process; its tabs share it.
type Browser struct {
	ctx    context.Context // the browser lives as long as this context
	outDir string

	mu    sync.Mutex
	shots int
}

// Start launches Chromium with a fresh profile. It fails the test (never skips)
// when Chromium is missing, naming the package to install. The browser is
// closed when the test ends.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := os.Getenv("DEPOT_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path != "" {
		if _, err := exec.LookPath(path); err != nil {
			t.Fatalf("DEPOT_CHROMIUM=%s is not an executable (%v); install Chromium with: apt-get install -y chromium", path, err)
		}
	}
	if path == "" {
		t.Fatal("Chromium is not installed; the end-to-end tests need it: apt-get install -y chromium (or set DEPOT_CHROMIUM to its path)")
	}
	profile := t.TempDir() // removed after the browser exits (cleanups run last-in, first-out)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // we run as root in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser; it must run on a context without a
	// timeout, or the browser would die with the timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	dir := OutputDir(t)
	// Failure screenshots of an earlier run would mislead: start clean.
	old, _ := filepath.Glob(filepath.Join(dir, "failure-*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	return &Browser{ctx: ctx, outDir: dir}
}

// OutputDir is where screenshots go: $DEPOT_TEST_OUTPUT, else
// <repository>/test-output/screenshots (ignored by git). It is created.
func OutputDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("DEPOT_TEST_OUTPUT")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "test-output", "screenshots")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create the screenshot folder: %v", err)
	}
	return dir
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: set DEPOT_TEST_OUTPUT")
		}
		dir = parent
	}
}

// Request is one network request a tab's pages made.
type Request struct {
	Kind   string // "http" or "websocket"
	Method string // HTTP method ("" for websockets)
	Type   string // Chromium's resource type: Document, Script, Fetch, ...
	URL    string
}

func (r Request) String() string {
	if r.Kind == "websocket" {
		return "websocket " + r.URL
	}
	return fmt.Sprintf("%s %s (%s)", r.Method, r.URL, r.Type)
}

// Tab is one browser tab. Isolated tabs have their own cookies (a second
// user, or an anonymous visitor).
type Tab struct {
	t    testing.TB
	b    *Browser
	ctx  context.Context
	rec  *recorder
	Name string
	Base string // the server's URL; Go paths are relative to it
}

type recorder struct {
	mu       sync.Mutex
	requests []Request
}

func (r *recorder) add(req Request) {
	r.mu.Lock()
	r.requests = append(r.requests, req)
	r.mu.Unlock()
}

// For returns the tab for use in (sub)test t: its failures end t.
func (tab *Tab) For(t testing.TB) *Tab {
	c := *tab
	c.t = t
	return &c
}

// NewTab opens a tab on base. isolated gives it a fresh browser context
// (no cookies shared with other tabs). The tab closes when the test ends.
func (b *Browser) NewTab(t testing.TB, name, base string, isolated bool) *Tab {
	t.Helper()
	tab := &Tab{t: t, b: b, rec: &recorder{}, Name: name, Base: strings.TrimRight(base, "/")}
	record := chromedp.WithListener(func(ev any) {
		// Runs in the tab's message loop: record and return.
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			tab.rec.add(Request{Kind: "http", Method: ev.Request.Method, Type: string(ev.Type), URL: ev.Request.URL})
		case *network.EventWebSocketCreated:
			tab.rec.add(Request{Kind: "websocket", URL: ev.URL})
		}
	})
	opts := []chromedp.ContextOption{record}
	if isolated {
		opts = append(opts, chromedp.WithNewBrowserContext())
	}
	ctx, cancel := chromedp.NewContext(b.ctx, opts...)
	t.Cleanup(cancel)
	tab.ctx = ctx
	if err := chromedp.Do(ctx); err != nil { // opens the tab and starts recording
		t.Fatalf("open tab %s: %v", name, err)
	}
	return tab
}

// Requests returns what the tab's pages requested so far.
func (tab *Tab) Requests() []Request {
	tab.rec.mu.Lock()
	defer tab.rec.mu.Unlock()
	return append([]Request(nil), tab.rec.requests...)
}

// TestID is the CSS selector of a data-testid hook.
func TestID(id string) string { return fmt.Sprintf(`[data-testid=%q]`, id) }

func (tab *Tab) step(what string, f func(ctx context.Context) error) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, StepTimeout)
	defer cancel()
	if err := f(ctx); err != nil {
		tab.Fail("%s: %v", what, err)
	}
}

// Fail ends the test with what the page shows: its address, any error
// messages and a screenshot.
func (tab *Tab) Fail(format string, args ...any) {
	tab.t.Helper()
	tab.t.Fatalf("[%s] %s\n%s", tab.Name, fmt.Sprintf(format, args...), tab.Diagnose())
}

// Diagnose describes the page for a failure message and saves a screenshot.
func (tab *Tab) Diagnose() string {
	ctx, cancel := context.WithTimeout(tab.ctx, 5*time.Second)
	defer cancel()
	var b strings.Builder
	state, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		URL    string   `json:"url"`
		Errors []string `json:"errors"`
		Text   string   `json:"text"`
	}](`(() => ({
		url: location.href,
		errors: [...document.querySelectorAll('[data-testid="error-message"], [data-testid="field-error"], .error')].map(e => e.innerText.trim()).filter(Boolean),
		text: (document.querySelector('main') || document.body || {innerText: ''}).innerText.slice(0, 600),
	}))()`))
	if err != nil {
		fmt.Fprintf(&b, "  (could not read the page: %v)\n", err)
	} else {
		fmt.Fprintf(&b, "  page: %s\n", state.URL)
		for _, e := range state.Errors {
			fmt.Fprintf(&b, "  error shown: %q\n", e)
		}
		fmt.Fprintf(&b, "  visible text: %q\n", state.Text)
	}
	tab.b.mu.Lock()
	tab.b.shots++
	name := fmt.Sprintf("failure-%02d-%s.png", tab.b.shots, safeName(tab.Name))
	tab.b.mu.Unlock()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		path := filepath.Join(tab.b.outDir, name)
		if err := os.WriteFile(path, png, 0o644); err == nil {
			fmt.Fprintf(&b, "  screenshot: %s\n", path)
		}
	}
	return b.String()
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "-") }

// Go loads path (a full page load, as typing the address would) and waits
// until the app has rendered its header.
func (tab *Tab) Go(path string) {
	tab.t.Helper()
	tab.step("load "+path, func(ctx context.Context) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(tab.Base+path),
			chromedp.WaitVisible(chromedp.CSS(TestID("search-input"))),
		)
	})
}

// Open navigates to a page other than the web app's (the GraphQL IDE) and
// waits until the CSS selector ready shows.
func (tab *Tab) Open(path, ready string) {
	tab.t.Helper()
	tab.step("load "+path, func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.Navigate(tab.Base+path), chromedp.WaitVisible(chromedp.CSS(ready)))
	})
}

// Wait waits until the JavaScript expression is truthy; what says what the
// test waits for, for the failure message.
func (tab *Tab) Wait(what, expr string) {
	tab.t.Helper()
	tab.step("waiting for "+what, func(ctx context.Context) error {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(StepTimeout)))
		return err
	})
}

// WaitVisible waits for the first element matching the CSS selector to show.
func (tab *Tab) WaitVisible(sel string) {
	tab.t.Helper()
	tab.step("waiting for "+sel+" to show", func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel)))
	})
}

// Eval evaluates a JavaScript expression and decodes its value.
func Eval[T any](tab *Tab, expr string) T {
	tab.t.Helper()
	var v T
	tab.step("evaluate "+expr, func(ctx context.Context) error {
		var err error
		v, err = chromedp.Run(ctx, chromedp.Evaluate[T](expr))
		return err
	})
	return v
}

// Text is the visible text of the first element matching the CSS selector,
// once it shows.
func (tab *Tab) Text(sel string) string {
	tab.t.Helper()
	var s string
	tab.step("read "+sel, func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
			return err
		}
		var err error
		s, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		return err
	})
	return strings.TrimSpace(s)
}

// Attr is an attribute of the first element matching the CSS selector.
func (tab *Tab) Attr(sel, name string) string {
	tab.t.Helper()
	var v string
	tab.step("read "+name+" of "+sel, func(ctx context.Context) error {
		r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
		v = r.Value
		return err
	})
	return v
}

// Click clicks the first element matching the CSS selector once it shows and
// is enabled.
func (tab *Tab) Click(sel string) {
	tab.t.Helper()
	tab.step("click "+sel, func(ctx context.Context) error {
		return chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.CSS(sel)),
			chromedp.WaitEnabled(chromedp.CSS(sel)),
			chromedp.Click(chromedp.CSS(sel)),
		)
	})
}

// Hover moves the mouse over the center of the first element matching the
// CSS selector (scrolled into view), as a pointing user does: the page gets
// real mouseover/mousemove events.
func (tab *Tab) Hover(sel string) {
	tab.t.Helper()
	tab.step("hover "+sel, func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
			return err
		}
		at, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y float64 }](fmt.Sprintf(`(() => {
			const el = document.querySelector(%q);
			el.scrollIntoView({block: 'center', inline: 'center'});
			const r = el.getBoundingClientRect();
			return {X: r.left + r.width / 2, Y: r.top + r.height / 2};
		})()`, sel)))
		if err != nil {
			return err
		}
		return chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, at.X, at.Y))
	})
}

// Type types text into the field matching the CSS selector, key by key.
func (tab *Tab) Type(sel, text string) {
	tab.t.Helper()
	tab.step("type into "+sel, func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
	})
}

// Fill replaces the text of the field matching the CSS selector: it empties
// it (as SetValue does), then types text key by key.
func (tab *Tab) Fill(sel, text string) {
	tab.t.Helper()
	tab.SetValue(sel, "")
	tab.Type(sel, text)
}

// SetValue sets an input's, select's or textarea's value the way a user's
// edit does (through the native setter, then input and change events), so
// React's controlled fields see it. Use it for selects and number fields.
func (tab *Tab) SetValue(sel, value string) {
	tab.t.Helper()
	tab.step("set "+sel+" to "+value, func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
			return err
		}
		_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const el = document.querySelector(%q);
			const proto = Object.getPrototypeOf(el);
			Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, %q);
			el.dispatchEvent(new Event('input', {bubbles: true}));
			el.dispatchEvent(new Event('change', {bubbles: true}));
		})()`, sel, value)))
		return err
	})
}

// Upload puts a local file into the file input matching the CSS selector.
func (tab *Tab) Upload(sel, file string) {
	tab.t.Helper()
	tab.step("choose "+file+" in "+sel, func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(sel)), chromedp.SetUploadFiles(chromedp.CSS(sel), []string{file}))
	})
}

// Screenshot saves the whole page as NAME.png in the output folder and
// returns the path.
func (tab *Tab) Screenshot(name string) string {
	tab.t.Helper()
	var png []byte
	tab.step("screenshot "+name, func(ctx context.Context) error {
		var err error
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		return err
	})
	path := filepath.Join(tab.b.outDir, safeName(name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tab.t.Fatalf("save screenshot: %v", err)
	}
	return path
}

// Dir is the folder screenshots are saved to.
func (b *Browser) Dir() string { return b.outDir }
