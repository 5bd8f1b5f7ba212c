// Package urls is Depot's URL layout: where each resource lives under the
// server's public URL. Every front that writes a link (GraphQL, the Hex
// HTTP API) builds it here, and server/routes.go mounts its handlers at the
// prefixes named here, so a layout changes in one place.
//
// A repository is named by its organization; "" is the public repository.
// Private resources sit under /repos/ORG, as on hex.pm.
package urls

import "net/url"

// Mount points of the server's fronts (no trailing slash).
const (
	Repo     = "/repo"     // Hex repository protocol (rebar3, mix)
	Tarballs = "/tarballs" // public tarballs, also under /repos/ORG
	Docs     = "/docs"     // documentation sites
	API      = "/api"      // Hex HTTP API
	Repos    = "/repos"    // private repositories' prefix
	Exports  = "/exports"  // organization export downloads (short-lived signed links)
)

// Site builds absolute URLs under a public base URL.
type Site struct {
	// Base is the public URL without a trailing slash.
	Base string
}

// RepoPrefix is "" for the public repository and "/repos/ORG" for an
// organization's.
func RepoPrefix(repo string) string {
	if repo == "" {
		return ""
	}
	return Repos + "/" + repo // organization names need no escaping (names)
}

// Tarball is a release's tarball, as the repository protocol serves it.
func (s Site) Tarball(repo, name, version string) string {
	return s.Base + Repo + RepoPrefix(repo) + Tarballs + "/" + name + "-" + version + ".tar"
}

// DocsSite is a package's documentation; with a version, that release's.
func (s Site) DocsSite(repo, name, version string) string {
	u := s.Base + Docs + RepoPrefix(repo) + "/" + name + "/"
	if version != "" {
		u += version + "/"
	}
	return u
}

// PackagePage is the web app's page of a package.
func (s Site) PackagePage(repo, name string) string {
	return s.Base + RepoPrefix(repo) + "/packages/" + name
}

// ReleasePage is the web app's page of a release.
func (s Site) ReleasePage(repo, name, version string) string {
	return s.PackagePage(repo, name) + "/" + version
}

// APIPackage is a package in the Hex HTTP API.
func (s Site) APIPackage(repo, name string) string {
	return s.Base + API + RepoPrefix(repo) + "/packages/" + name
}

// APIRelease is a release in the Hex HTTP API.
func (s Site) APIRelease(repo, name, version string) string {
	return s.APIPackage(repo, name) + "/releases/" + version
}

// APIUser is a user in the Hex HTTP API.
func (s Site) APIUser(username string) string { return s.Base + API + "/users/" + username }

// APIKey is an API key in the Hex HTTP API.
func (s Site) APIKey(name string) string { return s.Base + API + "/keys/" + url.PathEscape(name) }

// InvoicePage is an invoice's printable page.
func (s Site) InvoicePage(org, number string) string {
	return s.Base + "/orgs/" + org + "/invoices/" + number + ".html"
}
