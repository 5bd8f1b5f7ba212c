package hexapi

import (
	"fmt"
	"strings"
	"time"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/urls"
)

// The views render the shapes of hexpm's API views (ReleaseView,
// PackageView, OwnerView, UserView, KeyView, ...), as maps of the term
// types both encoders write: binaries, integers, booleans, nil, lists and
// maps with binary keys. Timestamps are ISO 8601 binaries, as hexpm sends.

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func stampPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return stamp(*t)
}

// paths builds the URLs of one repository's resources (urls owns the
// layout).
type paths struct {
	site urls.Site
	repo string // "" for the public repository
}

func (h *Handler) pathsFor(repoName string, public bool) paths {
	if public {
		repoName = ""
	}
	return paths{site: urls.Site{Base: h.PublicURL}, repo: repoName}
}

func (p paths) apiPackage(name string) string { return p.site.APIPackage(p.repo, name) }

func (p paths) apiRelease(name, version string) string {
	return p.site.APIRelease(p.repo, name, version)
}

func (p paths) htmlPackage(name string) string { return p.site.PackagePage(p.repo, name) }

func (p paths) htmlRelease(name, version string) string {
	return p.site.ReleasePage(p.repo, name, version)
}

func (p paths) docs(name, version string) string { return p.site.DocsSite(p.repo, name, version) }

func (h *Handler) userURL(name string) string { return urls.Site{Base: h.PublicURL}.APIUser(name) }

// pathsOf is paths for a loaded package (its Repository edge loaded).
func (h *Handler) pathsOf(p *registry.Package) paths {
	r := p.Edges.Repository
	if r == nil {
		return h.pathsFor("", true)
	}
	return h.pathsFor(r.Name, r.OrganizationID == nil)
}

func repositoryName(p *registry.Package) string {
	if r := p.Edges.Repository; r != nil {
		return r.Name
	}
	return "hexpm"
}

// configs are the dependency snippets hexpm shows for a release.
func configs(p *registry.Package, version, repoName string, public bool) map[string]any {
	req := "~> " + version
	mix := fmt.Sprintf("{:%s, %q}", p.Name, req)
	rebar := fmt.Sprintf("{%s, %q}", p.Name, req)
	if !public {
		mix = fmt.Sprintf("{:%s, %q, organization: %q}", p.Name, req, repoName)
	}
	return map[string]any{
		"mix.exs":      mix,
		"rebar.config": rebar,
		"erlang.mk":    fmt.Sprintf("dep_%s = hex %s", p.Name, version),
	}
}

func retirementView(r *registry.Retirement) any {
	if r == nil {
		return nil
	}
	return map[string]any{"reason": strings.ToLower(string(r.Reason)), "message": r.Message}
}

func (h *Handler) minimalUser(u *account.User) map[string]any {
	return map[string]any{"username": u.Username, "url": h.userURL(u.Username)}
}

// releaseView is ReleaseView "show": rel with its package (and repository),
// requirements, retirement and publisher loaded.
func (h *Handler) releaseView(rel *registry.Release) map[string]any {
	p := rel.Edges.Package
	ps := h.pathsOf(p)
	reqs := map[string]any{}
	for _, q := range rel.Edges.Requirements {
		reqs[q.Name] = map[string]any{"app": q.App, "requirement": q.Requirement, "optional": q.Optional, "repository": q.Repository}
	}
	var docsURL any
	if rel.DocsBlobKey != nil {
		docsURL = ps.docs(p.Name, rel.Version)
	}
	var publisher any
	if u := rel.Edges.Publisher; u != nil {
		publisher = h.minimalUser(u)
	}
	buildTools := rel.BuildTools
	if buildTools == nil {
		buildTools = []string{}
	}
	var elixir any
	if rel.ElixirRequirement != "" {
		elixir = rel.ElixirRequirement
	}
	return map[string]any{
		"version":       rel.Version,
		"checksum":      rel.OuterChecksum,
		"has_docs":      rel.DocsBlobKey != nil,
		"inserted_at":   stamp(rel.FirstPublishedAt),
		"updated_at":    stamp(rel.UpdatedAt),
		"retirement":    retirementView(rel.Edges.Retirement),
		"package_url":   ps.apiPackage(p.Name),
		"url":           ps.apiRelease(p.Name, rel.Version),
		"html_url":      ps.htmlRelease(p.Name, rel.Version),
		"docs_html_url": docsURL,
		"requirements":  reqs,
		"configs":       configs(p, rel.Version, repositoryName(p), ps.repo == ""),
		"meta":          map[string]any{"app": rel.App, "build_tools": buildTools, "elixir": elixir},
		"downloads":     rel.Downloads,
		"publisher":     publisher,
	}
}

// packageView is PackageView "show". With detail, p carries its releases
// (newest first, with retirements) and owners, as registry.PackageDetail
// loads them; without, it is a search result. latest is the registry's
// HexLatest of p: the same rule for both answers, as in hexpm.
func (h *Handler) packageView(p *registry.Package, detail bool, downloads registry.DownloadStats, latest registry.HexLatest) map[string]any {
	ps := h.pathsOf(p)
	var newest *registry.Release
	if len(p.Edges.Releases) > 0 {
		newest = p.Edges.Releases[0]
	}
	meta := map[string]any{"description": p.Description, "licenses": []string{}, "links": map[string]any{}, "maintainers": []string{}}
	if newest != nil {
		if newest.Licenses != nil {
			meta["licenses"] = newest.Licenses
		}
		links := map[string]any{}
		for _, l := range newest.Links {
			links[l.Name] = l.URL
		}
		meta["links"] = links
	}
	var stableV any
	if latest.Stable != "" {
		stableV = latest.Stable
	}
	out := map[string]any{
		"repository":            repositoryName(p),
		"name":                  p.Name,
		"inserted_at":           stamp(p.FirstPublishedAt),
		"updated_at":            stamp(p.UpdatedAt),
		"url":                   ps.apiPackage(p.Name),
		"html_url":              ps.htmlPackage(p.Name),
		"docs_html_url":         ps.docs(p.Name, ""),
		"latest_version":        latest.Version,
		"latest_stable_version": stableV,
		"configs":               configs(p, latest.Pick(), repositoryName(p), ps.repo == ""),
		"meta":                  meta,
		"downloads":             downloadsView(downloads),
	}
	if !detail {
		return out
	}
	releases := make([]any, 0, len(p.Edges.Releases))
	retirements := map[string]any{}
	for _, rel := range p.Edges.Releases {
		releases = append(releases, map[string]any{
			"version":     rel.Version,
			"url":         ps.apiRelease(p.Name, rel.Version),
			"has_docs":    rel.DocsBlobKey != nil,
			"inserted_at": stamp(rel.FirstPublishedAt),
		})
		if r := rel.Edges.Retirement; r != nil {
			retirements[rel.Version] = retirementView(r)
		}
	}
	out["releases"] = releases
	out["retirements"] = retirements
	owners := make([]any, 0, len(p.Edges.Owners))
	for _, o := range p.Edges.Owners {
		owners = append(owners, h.ownerView(o))
	}
	out["owners"] = owners
	return out
}

// downloadsView is hexpm's package downloads object (DownloadView, merged
// by PackageView's group_downloads): "all" the total, "recent" the 90 days,
// "week" the 7 days and "day" the day up to yesterday, in whole UTC days.
func downloadsView(st registry.DownloadStats) map[string]any {
	return map[string]any{"all": st.AllTime, "recent": st.Recent, "week": st.Week, "day": st.Day}
}

// ownerView is OwnerView "show": the owner (a user, or an organization,
// which hexpm also names by username) and its level.
func (h *Handler) ownerView(o *registry.Owner) map[string]any {
	name := ""
	var inserted, updated time.Time
	if u := o.Edges.User; u != nil {
		name, inserted, updated = u.Username, u.CreatedAt, u.UpdatedAt
	} else if org := o.Edges.Organization; org != nil {
		name, inserted, updated = org.Name, org.CreatedAt, org.UpdatedAt
	}
	return map[string]any{
		"username":    name,
		"full_name":   nil,
		"handles":     map[string]any{},
		"url":         h.userURL(name),
		"inserted_at": stamp(inserted),
		"updated_at":  stamp(updated),
		"level":       strings.ToLower(string(o.Level)),
	}
}

// userView is UserView "show"; email only when the viewer may read the
// account (viewer.ReadsAccountOf).
func (h *Handler) userView(u *account.User, withEmail bool) map[string]any {
	var fullName any
	if u.FullName != "" {
		fullName = u.FullName
	}
	out := map[string]any{
		"username":    u.Username,
		"full_name":   fullName,
		"handles":     map[string]any{},
		"url":         h.userURL(u.Username),
		"inserted_at": stamp(u.CreatedAt),
		"updated_at":  stamp(u.UpdatedAt),
	}
	if withEmail {
		out["email"] = u.Email
	}
	return out
}
