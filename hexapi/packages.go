package hexapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/hexapi/etf"
	"github.com/depot-registry/depot/registry"
)

// searchPage is hexpm's page size for GET /packages.
const searchPage = 100

// loadPackage is the package a route names, with its detail loaded.
func (h *Handler) loadPackage(r *http.Request) (*registry.Package, error) {
	p, err := h.Registry.Package(r.Context(), repo(r), r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	return h.Registry.PackageDetail(r.Context(), p)
}

// pkg serves GET /packages/NAME.
func (h *Handler) pkg(w http.ResponseWriter, r *http.Request) {
	p, err := h.loadPackage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	st, err := h.Registry.DownloadStats(r.Context(), registry.OfPackages, []int{p.ID})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	latest, err := h.Registry.HexLatestOf(r.Context(), []*registry.Package{p})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusOK, h.packageView(p, true, st[p.ID], latest[p.ID]))
}

// sorts maps hexpm's sort names onto the domain's orders.
var sorts = map[string]registry.Order{
	"name":             {Field: registry.OrderName},
	"total_downloads":  {Field: registry.OrderDownloads, Desc: true},
	"recent_downloads": {Field: registry.OrderDownloads, Desc: true},
	"downloads":        {Field: registry.OrderDownloads, Desc: true},
	"inserted_at":      {Field: registry.OrderCreatedAt, Desc: true},
	"updated_at":       {Field: registry.OrderUpdatedAt, Desc: true},
}

// search serves GET /packages?search=&sort=&page= (mix hex.search): pages
// of 100, page 1 first. Under /repos/ORG it lists that repository; under
// /api alone, every repository the caller may read, as hexpm does.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			h.fail(w, r, apperr.Invalid("page", "page must be a number from 1 to 10000, not %q", s))
			return
		}
		page = n
	}
	in := registry.SearchInput{Term: strings.TrimSpace(q.Get("search")), Repository: repo(r), First: searchPage}
	if page > 1 {
		in.After = registry.OffsetCursor((page - 1) * searchPage)
	}
	if s := q.Get("sort"); s != "" {
		o, ok := sorts[s]
		if !ok {
			h.fail(w, r, apperr.Invalid("sort", "unknown sort %q (want name, total_downloads, recent_downloads, inserted_at or updated_at)", s))
			return
		}
		in.OrderBy = &o
	}
	res, err := h.Registry.Search(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Registry.WithRepositories(r.Context(), res.Packages); err != nil {
		h.fail(w, r, err)
		return
	}
	ids := make([]int, len(res.Packages))
	for i, p := range res.Packages {
		ids[i] = p.ID
	}
	stats, err := h.Registry.DownloadStats(r.Context(), registry.OfPackages, ids)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	latest, err := h.Registry.HexLatestOf(r.Context(), res.Packages)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]any, 0, len(res.Packages))
	for _, p := range res.Packages {
		out = append(out, h.packageView(p, false, stats[p.ID], latest[p.ID]))
	}
	reply(w, r, http.StatusOK, out)
}

// owners serves GET /packages/NAME/owners (mix hex.owner list).
func (h *Handler) owners(w http.ResponseWriter, r *http.Request) {
	p, err := h.loadPackage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]any, 0, len(p.Edges.Owners))
	for _, o := range p.Edges.Owners {
		out = append(out, h.ownerView(o))
	}
	reply(w, r, http.StatusOK, out)
}

// owner serves GET /packages/NAME/owners/USERNAME.
func (h *Handler) owner(w http.ResponseWriter, r *http.Request) {
	p, err := h.loadPackage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	name, err := h.ownerName(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, o := range p.Edges.Owners {
		if v := h.ownerView(o); v["username"] == name {
			reply(w, r, http.StatusOK, v)
			return
		}
	}
	writeError(w, r, http.StatusNotFound, name+" is not an owner of "+p.Name, nil)
}

// ownerName is the owner a route names: a username or organization name,
// or a user's email address, which becomes that user's name.
func (h *Handler) ownerName(r *http.Request) (string, error) {
	name := r.PathValue("owner")
	if !strings.Contains(name, "@") {
		return name, nil
	}
	u, err := h.Accounts.User(r.Context(), name)
	if err != nil {
		return "", err
	}
	return u.Username, nil
}

// addOwner serves PUT /packages/NAME/owners/OWNER with {level, transfer}
// (mix hex.owner add / transfer). transfer: true makes OWNER the only
// owner, which is how mix hands a new package to an organization.
func (h *Handler) addOwner(w http.ResponseWriter, r *http.Request) {
	body, err := decodeBody(r)
	if err != nil {
		badRequest(w, r, "%s", err.Error())
		return
	}
	name, err := h.ownerName(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	transfer, _, err := etf.Bool(body, "transfer")
	if err != nil {
		h.fail(w, r, apperr.Invalid("transfer", "%s", err.Error()))
		return
	}
	levelName, err := str(body, "level")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if transfer {
		_, err = h.Registry.Transfer(r.Context(), repo(r), r.PathValue("name"), name)
	} else {
		level, lerr := registry.ParseOwnerLevel(levelName)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		_, err = h.Registry.AddOwner(r.Context(), repo(r), r.PathValue("name"), name, level)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusNoContent, nil)
}

// removeOwner serves DELETE /packages/NAME/owners/OWNER.
func (h *Handler) removeOwner(w http.ResponseWriter, r *http.Request) {
	name, err := h.ownerName(r)
	if err == nil {
		_, err = h.Registry.RemoveOwner(r.Context(), repo(r), r.PathValue("name"), name)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusNoContent, nil)
}
