package e2e

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/browsertest"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// TestOrganizationExportWebApp: an organization admin exports from the
// organization page and the link it shows downloads the registry.
func TestOrganizationExportWebApp(t *testing.T) {
	requireBuilt(t)
	env := servertest.New(t)
	env.Clock.Set(time.Now().UTC())
	requireApp(t, env.URL)
	b := browsertest.Start(t)
	tab := b.NewTab(t, "export", env.URL, false)
	defer checkRequests(t, env.URL, tab)

	ok := t.Run("sign up", func(t *testing.T) {
		p := tab.For(t)
		p.Go("/signup")
		p.Type(id("signup-username"), "olga")
		p.Type(id("signup-email"), "olga@example.com")
		p.Type(id("signup-password"), servertest.Password("olga"))
		p.Click(id("signup-submit"))
		p.Wait("signed in", js(`%s === "olga"`, textOf(id("viewer-username"))))
		p.Go("/")
		p.Wait("the feed to be live", js(`document.querySelector(%q)?.dataset.status === "live"`, id("feed-status")))
	})
	if !ok {
		return
	}
	// The organization and its package are made through the API as olga.
	api := env.Anonymous()
	api.Do(`mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { user { id } } }`,
		map[string]any{"l": "olga", "p": servertest.Password("olga")}).MustOK(t)
	api.Do(`mutation { createOrganization(input: {name: "olgacorp"}) { organization { id } } }`, nil).MustOK(t)
	api.Do(`mutation { updateBillingProfile(input: {organization: "olgacorp", email: "b@olga.test", name: "Olga", country: "US", company: true}) { billingProfile { country } } }`, nil).MustOK(t)
	api.Do(`mutation { startSubscription(input: {organization: "olgacorp", plan: MONTHLY, seats: 2}) { billing { status } } }`, nil).MustOK(t)
	api.Publish(pkgtest.Tarball(t, "olga_lib", "1.0.0"), map[string]any{"r": "olgacorp"}).MustOK(t)

	t.Run("export from the organization page", func(t *testing.T) {
		p := tab.For(t)
		p.Go("/orgs/olgacorp")
		p.WaitVisible(id("org-export"))
		p.Click(id("org-export-submit"))
		p.WaitVisible(id("org-export-download"))
		if got := p.Text(id("org-export-result")); !strings.Contains(got, "1 packages, 1 releases") {
			p.Fail("the result says %q", got)
		}
		p.Screenshot("org-export")
		href := p.Attr(id("org-export-download"), "href")
		resp, err := http.Get(href)
		if err != nil {
			p.Fail("download %s: %v", href, err)
		}
		defer resp.Body.Close()
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			p.Fail("download is not gzip: %v", err)
		}
		found := false
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				p.Fail("read archive: %v", err)
			}
			found = found || h.Name == "olgacorp/tarballs/olga_lib-1.0.0.tar"
		}
		if !found {
			p.Fail("the archive has no olgacorp/tarballs/olga_lib-1.0.0.tar")
		}
	})
}
