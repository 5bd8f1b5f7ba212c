package e2e

import (
	"io"
	"net/http"
	"testing"

	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/internal/browsertest"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// TestMirroredWebApp runs a second Depot as the upstream "hexpm": once a
// build has fetched up_json through the local Depot, the search page lists
// it under "Mirrored from hexpm", its page shows the versions with the
// upstream's retirement and the install snippets, and the package page of
// that name links there. Screenshots: mirrored-search.png, mirrored-package.png.
func TestMirroredWebApp(t *testing.T) {
	requireBuilt(t)
	up := servertest.New(t, func(c *server.Config) { c.PublicRepository = "hexpm" })
	upAlice := up.SignUp("upalice")
	upAlice.Publish(pkgtest.Tarball(t, "up_json", "1.0.0"), nil).MustOK(t)
	upAlice.Publish(pkgtest.Tarball(t, "up_json", "1.1.0"), nil).MustOK(t)
	upAlice.Do(`mutation { retireRelease(input: {package: "up_json", version: "1.0.0", reason: SECURITY, message: "CVE-2026-0003"}) { releases { version } } }`, nil).MustOK(t)
	env := servertest.New(t, func(c *server.Config) {
		c.Upstreams = []config.Upstream{{Name: "hexpm", URL: up.URL + "/repo", PublicKey: up.Server.RepoKeys.PublicPEM}}
	})
	requireApp(t, env.URL)
	env.SignUp("alice").Publish(pkgtest.Tarball(t, "json_local", "1.0.0"), nil).MustOK(t)
	resp, err := http.Get(env.URL + "/repo/packages/up_json") // a build asks: now cached
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /repo/packages/up_json: %d", resp.StatusCode)
	}

	b := browsertest.Start(t)
	t.Logf("screenshots: %s", b.Dir())
	p := b.NewTab(t, "visitor", env.URL, true).For(t)
	p.Go("/search?q=json")
	p.Wait("the local result and the mirrored one", js(`document.querySelectorAll(%q).length === 1 && document.querySelectorAll(%q).length === 1 &&
		%s === "Mirrored from hexpm"`, id("search-result"), id("mirrored-result"), textOf(id("mirrored-results")+" h2")))
	p.Screenshot("mirrored-search")
	p.Click(id("mirrored-result") + " a")
	p.Wait("the mirrored package page", js(`location.pathname === "/mirrored/up_json" && %s === "up_json" && %s === "mirrored from hexpm"`,
		textOf(id("package-name")), textOf(id("upstream-badge"))))
	p.Wait("versions newest first, 1.0.0 retired", js(`[...document.querySelectorAll(%q)].map(e => e.dataset.version).join(" ") === "1.1.0 1.0.0" &&
		document.querySelector(%q + '[data-version="1.0.0"] ' + %q).dataset.reason === "SECURITY"`, id("version-row"), id("version-row"), id("retired-badge")))
	p.Wait("the rebar3 snippet", js(`%s === '{up_json, "1.1.0"}'`, textOf(id("rebar-snippet"))))
	p.Screenshot("mirrored-package")
	p.Go("/packages/up_json")
	p.Wait("a link to the mirrored page", js(`(document.querySelector(%q + " a") || {}).pathname === "/mirrored/up_json"`, id("mirrored-fallback")))
}
