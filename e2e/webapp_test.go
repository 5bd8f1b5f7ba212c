package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/frontend"
	"github.com/depot-registry/depot/internal/browsertest"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// id is the CSS selector of a data-testid hook.
func id(name string) string { return browsertest.TestID(name) }

// js formats a JavaScript expression; %q gives JavaScript string literals.
func js(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// textOf is a JavaScript expression for the trimmed text of the first match of sel ("" if none).
func textOf(sel string) string {
	return js(`((document.querySelector(%q) || {}).innerText || '').trim()`, sel)
}

// TestWebApp walks the web app's main flows in one browser with two tabs:
// alice's, and a visitor's (another browser context: its own cookies) that
// watches the live feed and later signs in as bob.
//
// Time: the browser keeps real time, the server runs on env.Clock. The clock
// starts 25 hours back, so the package's first release is old enough for its
// 24-hour window to be closed once the clock is brought to now; later
// versions then have the plain 60-minute window, which the page counts down
// against the browser's (real) time.
func TestWebApp(t *testing.T) {
	requireBuilt(t)
	began := time.Now()
	env := servertest.New(t)
	env.Clock.Set(time.Now().UTC().Add(-25 * time.Hour))
	requireApp(t, env.URL)

	b := browsertest.Start(t)
	t.Logf("screenshots: %s", b.Dir())
	aliceTab := b.NewTab(t, "alice", env.URL, false)
	visitorTab := b.NewTab(t, "visitor", env.URL, true)
	defer func() {
		checkRequests(t, env.URL, aliceTab, visitorTab)
		t.Logf("end-to-end run took %s", time.Since(began).Round(100*time.Millisecond))
	}()

	files := t.TempDir()
	tarball := func(name, version string) string {
		path := filepath.Join(files, name+"-"+version+".tar")
		if err := os.WriteFile(path, pkgtest.Tarball(t, name, version), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}

	var apiKey string // alice's key, created in the settings page
	keyClient := func() *servertest.Client {
		c := env.Anonymous()
		c.Key, c.Username = apiKey, "alice"
		return c
	}

	ok := t.Run("sign up through the form", func(t *testing.T) {
		p := aliceTab.For(t)
		p.Go("/")
		p.Click(id("signup-link"))
		p.Type(id("signup-username"), "alice")
		p.Type(id("signup-email"), "alice@example.com")
		p.Type(id("signup-fullname"), "Alice Liddell")
		p.Type(id("signup-password"), servertest.Password("alice"))
		p.Click(id("signup-submit"))
		p.Wait("alice's user page", js(`location.pathname === "/users/alice" && %s === "alice" && %s === "alice"`,
			textOf(id("user-name")), textOf(id("viewer-username"))))
	})
	if !ok {
		return
	}

	ok = t.Run("create an API key: secret shown once, copy button", func(t *testing.T) {
		p := aliceTab.For(t)
		p.Click(`header a[href="/settings"]`)
		p.Type(id("api-key-name"), "ci-release")
		p.Click(id("scope-write"))
		p.Click(id("create-api-key-submit"))
		apiKey = p.Text(id("api-key-secret"))
		if len(apiKey) < 20 {
			p.Fail("the secret shown is %q, too short to be a key", apiKey)
		}
		p.WaitVisible(id("api-key-row") + `[data-key-name="ci-release"]`)
		// The copy button works: headless Chromium may deny the clipboard,
		// in which case the button asks the user to copy by hand.
		p.Click(id("copy-api-key-secret"))
		p.Wait("the copy button's feedback", js(`/^(Copied|Select and copy)/.test(%s)`, textOf(id("copy-api-key-secret"))))
		// The secret is a working key with the scopes chosen.
		var v struct{ Viewer struct{ Username string } }
		keyClient().Do(`{ viewer { username } }`, nil).MustOK(t).Decode(t, &v)
		if v.Viewer.Username != "alice" {
			t.Fatalf("the key shown authenticates as %q, want alice", v.Viewer.Username)
		}
		// Shown once: a fresh load of the page lists the key, not its secret.
		p.Go("/settings")
		p.WaitVisible(id("api-key-row") + `[data-key-name="ci-release"]`)
		p.Wait("no secret on a fresh page", js(`!document.querySelector(%q) && !document.body.innerText.includes(%q)`, id("api-key-secret"), apiKey))
		p.Screenshot("settings")
	})
	if !ok {
		return
	}

	ok = t.Run("publish through the upload form", func(t *testing.T) {
		p := aliceTab.For(t)
		p.Click(`header a[href="/publish"]`)
		p.Upload(id("publish-file"), tarball("lumen", "1.0.0"))
		p.Click(id("publish-submit"))
		p.Wait("the new release's page", js(`location.pathname === "/packages/lumen/1.0.0" && %s === "1.0.0"`, textOf(id("release-version"))))
		// Neighbours for the search: a name that starts with the term, and a
		// name one letter away from it (alumen, a close spelling of lumen),
		// published with the key from the API.
		for _, name := range []string{"lumen_extra", "alumen"} {
			keyClient().Publish(pkgtest.Tarball(t, name, "0.1.0"), nil).MustOK(t)
		}
		p.Go("/users/alice")
		p.WaitVisible(id("user-package") + `[data-package="lumen"]`)
		p.Screenshot("user")
	})
	if !ok {
		return
	}

	// From here on the server stands at the browser's time.
	env.Clock.Set(time.Now().UTC())

	t.Run("search: results as you type, exact match first", func(t *testing.T) {
		p := aliceTab.For(t)
		p.Go("/")
		p.Wait("the home page", js(`location.pathname === "/"`))
		Mark(p)
		p.Type(id("search-input"), "lum")
		// Three letters match names and words by prefix (lumen, lumen_extra);
		// too short a term for close spellings.
		p.Wait("results for lum without pressing Enter", js(`location.pathname === "/search" && new URLSearchParams(location.search).get("q") === "lum" && document.querySelectorAll(%q).length === 2`, id("search-result")))
		p.Type(id("search-input"), "en")
		p.Wait("results for lumen", js(`new URLSearchParams(location.search).get("q") === "lumen" && document.querySelectorAll(%q).length === 3 && !document.body.innerText.includes("updating")`, id("search-result")))
		got := browsertest.Eval[[]string](p, js(`[...document.querySelectorAll(%q)].map(e => e.dataset.package)`, id("search-result")))
		if len(got) != 3 || got[0] != "lumen" {
			p.Fail("search results for lumen: %v; want the exact match lumen first (then the prefix lumen_extra, then the close spelling alumen)", got)
		}
		if want := []string{"lumen", "lumen_extra", "alumen"}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("search results for lumen: %v, want %v (exact, then prefix, then close spelling)", got, want)
		}
		CheckMark(p, "typing a search")
		p.Screenshot("search")
	})

	ok = t.Run("package page: versions, checksum, snippets", func(t *testing.T) {
		p := aliceTab.For(t)
		p.Go("/search?q=lumen")
		p.Click(id("search-result") + `[data-package="lumen"] a.package-link`)
		p.Wait("the package page", js(`location.pathname === "/packages/lumen" && %s === "lumen"`, textOf(id("package-name"))))
		var res struct {
			Package struct {
				LatestRelease struct{ OuterChecksum string }
			}
		}
		env.Anonymous().Do(`{ package(name: "lumen") { latestRelease { outerChecksum } } }`, nil).MustOK(t).Decode(t, &res)
		sum := res.Package.LatestRelease.OuterChecksum
		if got := p.Text(id("outer-checksum")); sum == "" || !strings.EqualFold(got, sum) {
			p.Fail("checksum shown %q, the API says %q", got, sum)
		}
		versions := browsertest.Eval[[]string](p, js(`[...document.querySelectorAll(%q)].map(e => e.dataset.version)`, id("version-row")))
		if strings.Join(versions, ",") != "1.0.0" {
			p.Fail("version rows %v, want [1.0.0]", versions)
		}
		if got := p.Text(id("mix-snippet")); !strings.HasPrefix(got, `{:lumen, "~> 1.0`) {
			p.Fail("mix snippet %q", got)
		}
		if got := p.Text(id("rebar-snippet")); got != `{lumen, "1.0.0"}` {
			p.Fail("rebar snippet %q", got)
		}
		if got := p.Text(id("package-description")); got != "The lumen test package." {
			p.Fail("description %q", got)
		}
		// 1.0.0 was published 25 hours ago (server time): its window is closed.
		if state := p.Attr(id("revert-window"), "data-state"); state != "closed" {
			p.Fail("revert window of 1.0.0 is %q, want closed", state)
		}
		p.Screenshot("package")
	})
	if !ok {
		return
	}

	// The visitor watches the live feed while alice publishes a new version.
	feedLive := t.Run("live feed connects", func(t *testing.T) {
		p := visitorTab.For(t)
		p.Go("/")
		p.Wait("the feed to be live", js(`document.querySelector(%q)?.dataset.status === "live"`, id("feed-status")))
		Mark(p)
	})

	ok = t.Run("publish a second version through the form", func(t *testing.T) {
		p := aliceTab.For(t)
		p.Click(`a[href="/publish?repository="]`) // "Publish a new version" on the package page
		p.Upload(id("publish-file"), tarball("lumen", "1.1.0"))
		p.Click(id("publish-submit"))
		p.Wait("the 1.1.0 page", js(`location.pathname === "/packages/lumen/1.1.0" && %s === "1.1.0"`, textOf(id("release-version"))))
	})
	if !ok {
		return
	}

	if !feedLive || !t.Run("live feed shows the new version without reload", func(t *testing.T) {
		p := visitorTab.For(t)
		item := id("feed-item") + `[data-kind="PUBLISHED"][data-package="lumen"]`
		p.Wait("a feed item for lumen 1.1.0", js(`[...document.querySelectorAll(%q)].some(e => e.innerText.includes("1.1.0"))`, item))
		CheckMark(p, "the live feed update")
		p.Screenshot("home")
	}) {
		visitorTab.For(t).Screenshot("home") // as it is, to see what the feed shows
	}

	ok = t.Run("revert inside the window, time left shown", func(t *testing.T) {
		p := aliceTab.For(t)
		note := p.Text(id("revert-window"))
		if p.Attr(id("revert-window"), "data-state") != "open" || !regexp.MustCompile(`can be reverted for (59|60) more minutes`).MatchString(note) {
			p.Fail("revert window note %q, want it open with 59 or 60 minutes left", note)
		}
		p.Click(id("revert-button"))
		p.Click(id("confirm-button"))
		p.Wait("the package page without 1.1.0", js(`location.pathname === "/packages/lumen" && document.querySelector(%q) && !document.querySelector(%q)`,
			id("version-row")+`[data-version="1.0.0"]`, id("version-row")+`[data-version="1.1.0"]`))
	})
	if !ok {
		return
	}
	if feedLive {
		t.Run("live feed shows the revert", func(t *testing.T) {
			p := visitorTab.For(t)
			p.Wait("a REVERTED feed item", js(`!!document.querySelector(%q)`, id("feed-item")+`[data-kind="REVERTED"][data-package="lumen"]`))
		})
	}

	t.Run("retire with a reason: badge and message", func(t *testing.T) {
		p := aliceTab.For(t)
		p.Go("/packages/lumen/1.0.0")
		p.SetValue(id("retire-reason"), "SECURITY")
		p.Type(id("retire-message"), "CVE-2026-0001: upgrade to 1.2.0")
		p.Click(id("retire-submit"))
		p.Click(id("confirm-button"))
		p.Wait("the retired badge on the release page", js(`document.querySelector(%q)?.dataset.reason === "SECURITY"`, id("retired-badge")))
		p.Go("/packages/lumen")
		row := id("version-row") + `[data-version="1.0.0"]`
		p.Wait("the retired badge in the version list", js(`document.querySelector(%q)?.dataset.reason === "SECURITY" && %s.includes("CVE-2026-0001: upgrade to 1.2.0")`,
			row+" "+id("retired-badge"), textOf(row)))
	})

	t.Run("refused revert once the window closed: the API's error in place", func(t *testing.T) {
		keyClient().Publish(pkgtest.Tarball(t, "lumen", "1.2.0"), nil).MustOK(t)
		p := aliceTab.For(t)
		p.Go("/packages/lumen/1.2.0")
		if p.Attr(id("revert-window"), "data-state") != "open" {
			p.Fail("1.2.0 was just published; its revert window should be open")
		}
		// Two hours pass on the server; the page, loaded before, still offers the revert.
		env.Clock.Advance(2 * time.Hour)
		p.Click(id("revert-button"))
		p.Click(id("confirm-button"))
		p.WaitVisible(id("error-message"))
		shown := p.Text(id("error-message"))
		r := keyClient().Do(`mutation { revertRelease(input: {package: "lumen", version: "1.2.0"}) { packageDeleted } }`, nil)
		if r.Code() != "WINDOW_CLOSED" {
			t.Fatalf("the API answers the same revert with %s, want WINDOW_CLOSED", r.Raw)
		}
		if shown != r.Errors[0].Message {
			p.Fail("error shown %q, the API's message is %q", shown, r.Errors[0].Message)
		}
		p.Wait("still on the release page", js(`location.pathname === "/packages/lumen/1.2.0"`))
	})

	t.Run("refused publish by a non-owner: the API's error in place", func(t *testing.T) {
		bob := env.SignUp("bob")
		p := visitorTab.For(t)
		p.Go("/signin")
		p.Type(id("signin-login"), "bob")
		p.Type(id("signin-password"), servertest.Password("bob"))
		p.Click(id("signin-submit"))
		p.Wait("bob signed in", js(`%s === "bob"`, textOf(id("viewer-username"))))
		p.Go("/publish")
		p.Upload(id("publish-file"), tarball("lumen", "9.0.0"))
		p.Click(id("publish-submit"))
		p.WaitVisible(id("error-message"))
		shown := p.Text(id("error-message"))
		r := bob.Publish(pkgtest.Tarball(t, "lumen", "9.0.0"), nil)
		if r.Code() != "FORBIDDEN" {
			t.Fatalf("the API answers bob's publish with %s, want FORBIDDEN", r.Raw)
		}
		if shown != r.Errors[0].Message {
			p.Fail("error shown %q, the API's message is %q", shown, r.Errors[0].Message)
		}
		p.Wait("still on the publish page", js(`location.pathname === "/publish"`))
	})

	ok = t.Run("create an organization and transfer the package to it", func(t *testing.T) {
		p := aliceTab.For(t)
		p.Go("/settings")
		p.Type(`input`+id("org-name"), "acme")
		p.Click(id("create-org-submit"))
		p.Wait("the organization page", js(`location.pathname === "/orgs/acme" && %s === "acme"`, textOf(`h1`+id("org-name"))))
		p.Go("/packages/lumen")
		p.Type(`form[aria-labelledby="transfer-title"] input`, "acme")
		p.Click(id("transfer-submit"))
		p.Click(id("confirm-button"))
		p.Wait("acme as the only owner", js(`!!document.querySelector(%q) && !document.querySelector(%q)`,
			id("owner-row")+`[data-owner="acme"]`, id("owner-row")+`[data-owner="alice"]`))
		p.Go("/orgs/acme")
		p.WaitVisible(id("org-package") + `[data-package="lumen"]`)
		p.Screenshot("org")
	})
	if !ok {
		return
	}

	var invoiceNumber, previewTotal string
	ok = t.Run("billing: details, subscribe, change seats with the pro-rated preview", func(t *testing.T) {
		p := aliceTab.For(t)
		p.Click(id("billing-link"))
		p.Wait("the billing page", js(`location.pathname === "/orgs/acme/billing"`))
		// Prices and countries are the server's (Query.plans, billingCountries).
		p.Wait("the server's prices", js(`document.body.textContent.includes("$70.00 per seat per year")`))
		p.Wait("the server's member states", js(`!!document.querySelector(%q)`, id("billing-country")+` option[value="GR"]`))
		p.Fill(id("billing-name"), "Acme GmbH")
		p.Fill(id("billing-email"), "billing@acme.example")
		p.Fill(id("billing-address"), "Hauptstraße 1\n10115 Berlin")
		p.SetValue(id("billing-country"), "DE")
		p.Click(id("billing-profile-submit"))
		p.Wait("the VAT decision", js(`%s.includes("19%%")`, textOf(id("vat-treatment"))))

		// The annual plan charges a seat increase at once, on its own invoice.
		p.Click(id("plan-annual"))
		p.SetValue(id("start-seats"), "2")
		p.Click(id("start-subscription-submit"))
		p.Wait("an active annual subscription with 2 seats", js(`document.querySelector(%q)?.dataset.status === "ACTIVE" && /^2\b/.test(%s)`, id("subscription"), textOf(id("seats"))))
		p.Wait("the first year's invoice", js(`document.querySelectorAll(%q).length === 1`, id("invoice-row")))
		first := p.Attr(id("invoice-row"), "data-number")

		// Ten days into the year, three more seats cost what is left of it.
		// (Not much further: alice's 30-day session began 25 hours back.)
		env.Clock.Advance(10 * 24 * time.Hour)
		p.SetValue(id("seat-count"), "5")
		p.Wait("the pro-rated preview", js(`%s.includes("pro-rated")`, textOf(id("seat-preview"))))
		var pv struct {
			PreviewSeatChange struct {
				ChargedNow bool
				Total      struct{ Cents int }
			}
		}
		keyClient().Do(`{ previewSeatChange(organization: "acme", seats: 5) { chargedNow total { cents } } }`, nil).MustOK(t).Decode(t, &pv)
		cents := pv.PreviewSeatChange.Total.Cents
		if full := 3 * 7000 * 119 / 100; cents <= 0 || cents >= full {
			t.Fatalf("the API previews %d cents for 3 seats 10 days into the year (a full year: %d): not pro-rated", cents, full)
		}
		if !pv.PreviewSeatChange.ChargedNow {
			t.Fatalf("the API says an annual seat increase is not charged now")
		}
		previewTotal = money(cents)
		if got := p.Text(id("seat-preview")); !strings.Contains(got, previewTotal) || !strings.Contains(got, "charged now") {
			p.Fail("seat preview %q does not show the API's total %s, charged now", got, previewTotal)
		}
		p.Click(id("change-seats-submit"))
		p.Wait("the price in the question", js(`document.body.innerText.includes(%q)`, "for "+previewTotal+", charged now?"))
		p.Click(id("confirm-button"))
		p.Wait("5 seats", js(`/^5\b/.test(%s) && document.body.innerText.includes("Seats changed.")`, textOf(id("seats"))))
		p.Wait("a second invoice", js(`document.querySelectorAll(%q).length === 2`, id("invoice-row")))
		rows := browsertest.Eval[[]map[string]string](p, js(`[...document.querySelectorAll(%q)].map(e => ({number: e.dataset.number, status: e.dataset.status, text: e.innerText}))`, id("invoice-row")))
		for _, r := range rows {
			if r["number"] != first {
				invoiceNumber = r["number"]
				if !strings.Contains(r["text"], previewTotal) || r["status"] != "PAID" {
					p.Fail("the seat change's invoice %v: want it paid, for %s", r, previewTotal)
				}
			}
		}
		p.Screenshot("billing")
	})
	if !ok {
		return
	}

	t.Run("the seat change's invoice", func(t *testing.T) {
		p := aliceTab.For(t)
		p.Click(id("invoice-row") + fmt.Sprintf(`[data-number=%q] a`, invoiceNumber))
		p.Wait("the invoice page", js(`location.pathname === %q && %s === %q`, "/orgs/acme/invoices/"+invoiceNumber, textOf(id("invoice-number")), invoiceNumber))
		if got := p.Text(id("invoice-total")); !strings.Contains(got, previewTotal) {
			p.Fail("invoice total %q, the preview said %s", got, previewTotal)
		}
		if line := p.Text(id("invoice-line")); !strings.Contains(line, "pro-rated") {
			t.Errorf("the invoice line %q is not marked pro-rated", line)
		}
		if got := browsertest.Eval[string](p, js(`document.querySelector(%q).closest("tr").innerText`, id("invoice-vat"))); !strings.Contains(got, "VAT 19%") {
			t.Errorf("invoice VAT row %q, want VAT 19%% (Germany, no VAT number)", got)
		}
		if n := browsertest.Eval[int](p, js(`document.querySelectorAll(%q).length`, id("invoice-line"))); n < 1 {
			p.Fail("the invoice has no lines")
		}
		p.Screenshot("invoice")
	})
}

// money formats cents as the app does for USD ("$1,234.50").
func money(cents int) string {
	whole := fmt.Sprint(cents / 100)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return fmt.Sprintf("$%s.%02d", whole, cents%100)
}

// requireBuilt fails the test when the web app is not built into this
// test binary (frontend.FS reports built=false, so the server serves its
// placeholder page).
func requireBuilt(t *testing.T) {
	t.Helper()
	if _, built := frontend.FS(); !built {
		t.Fatal("the web app is not built into this test binary: run `cd frontend && npm ci && npm run build` before `go test` (scripts/test.sh does)")
	}
}

// requireApp fails when the server answers with the placeholder page instead
// of the built app.
func requireApp(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `<div id="root">`) || !strings.Contains(string(body), "/assets/") {
		t.Fatalf("the server serves the placeholder page, not the web app: run `cd frontend && npm ci && npm run build` first, then go test again. Page:\n%s", body)
	}
}

// Mark sets a value on the page's window; CheckMark fails if it is gone,
// which means the page was reloaded.
func Mark(p *browsertest.Tab) {
	browsertest.Eval[bool](p, `window.__e2eMark = true`)
}

// CheckMark fails when the page was reloaded since Mark.
func CheckMark(p *browsertest.Tab, during string) {
	if !browsertest.Eval[bool](p, `window.__e2eMark === true`) {
		p.Fail("the page was reloaded during %s; the app should update in place", during)
	}
}

// appRoutes are the first path segments the app routes (index.html is served for them).
var appRoutes = map[string]bool{
	"": true, "search": true, "packages": true, "repos": true, "users": true, "orgs": true,
	"signin": true, "signup": true, "settings": true, "audit": true, "publish": true,
}

// checkRequests asserts that the tabs' pages talked to nothing but the server:
// its GraphQL endpoint (HTTP POST and the subscription websocket), its
// static files (/assets/...) and the app's own pages.
func checkRequests(t *testing.T, base string, tabs ...*browsertest.Tab) {
	t.Helper()
	server, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, tab := range tabs {
		for _, r := range tab.Requests() {
			kind, problem := classify(server, r)
			if problem != "" {
				t.Errorf("[%s] unexpected request %s: %s", tab.Name, r, problem)
				continue
			}
			counts[kind]++
		}
	}
	t.Logf("requests made by the pages: %v", counts)
	for _, kind := range []string{"page", "asset", "graphql", "websocket"} {
		if counts[kind] == 0 {
			t.Errorf("no %s request recorded: the network recording does not work", kind)
		}
	}
}

func classify(server *url.URL, r browsertest.Request) (kind, problem string) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return "", err.Error()
	}
	if u.Scheme == "data" {
		return "data", "" // the inline favicon: never leaves the browser
	}
	if u.Host != server.Host {
		return "", "not the Depot server " + server.Host
	}
	if r.Kind == "websocket" {
		if u.Scheme != "ws" || u.Path != "/graphql" {
			return "", "the only websocket is ws://HOST/graphql"
		}
		return "websocket", ""
	}
	if u.Scheme != server.Scheme {
		return "", "scheme " + u.Scheme
	}
	switch {
	case u.Path == "/graphql":
		if r.Method != http.MethodPost {
			return "", "GraphQL requests are POSTs (they carry the CSRF header)"
		}
		return "graphql", ""
	case strings.HasPrefix(u.Path, "/assets/"):
		if r.Method != http.MethodGet {
			return "", "static files are fetched with GET"
		}
		return "asset", ""
	case r.Type == "Document" && r.Method == http.MethodGet:
		first, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
		if !appRoutes[first] {
			return "", "not one of the app's routes"
		}
		return "page", ""
	}
	return "", "not /graphql, /assets/... or an app page"
}
