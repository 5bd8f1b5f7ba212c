package hexapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/org"
	"github.com/depot-registry/depot/urls"
	"github.com/depot-registry/depot/viewer"
)

// me serves GET /users/me: the user and the organizations it belongs to,
// which mix reads to offer "publish as yourself or as ORG".
func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	u, err := h.Accounts.Me(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := viewer.FromContext(r.Context())
	out := h.userView(u, v.ReadsAccountOf(u.ID))
	// A key that does not read account data (package:, repository:, docs:)
	// sees the user's organizations as an outsider does: none.
	orgs := make([]any, 0)
	for _, o := range v.Orgs {
		if role := org.ViewerRole(v, o.ID); role != viewer.RoleNone {
			orgs = append(orgs, map[string]any{"name": o.Name, "role": role.String()})
		}
	}
	out["organizations"] = orgs
	if !h.withPackages(w, r, out, u) {
		return
	}
	reply(w, r, http.StatusOK, out)
}

// withPackages adds the packages u owns, as hexpm's user view lists them
// (`mix hex.owner packages` reads them from /users/me).
func (h *Handler) withPackages(w http.ResponseWriter, r *http.Request, out map[string]any, u *account.User) bool {
	ps, err := h.Registry.OwnedPackages(r.Context(), u.ID)
	if err != nil {
		h.fail(w, r, err)
		return false
	}
	list := make([]any, 0, len(ps))
	for _, p := range ps {
		paths := h.pathsOf(p)
		list = append(list, map[string]any{
			"name": p.Name, "repository": repositoryName(p),
			"url": paths.apiPackage(p.Name), "html_url": paths.htmlPackage(p.Name),
		})
	}
	out["packages"] = list
	return true
}

// user serves GET /users/NAME.
func (h *Handler) user(w http.ResponseWriter, r *http.Request) {
	u, err := h.Accounts.User(r.Context(), r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := h.userView(u, viewer.FromContext(r.Context()).ReadsAccountOf(u.ID))
	if h.withPackages(w, r, out, u) {
		reply(w, r, http.StatusOK, out)
	}
}

// keyView is KeyView "show"; the secret only right after creation.
func (h *Handler) keyView(k *account.APIKey, secret string, authing int) map[string]any {
	var sec any
	if secret != "" {
		sec = secret
	}
	out := map[string]any{
		"name":        k.Name,
		"authing_key": k.ID == authing,
		"secret":      sec,
		"permissions": permissionsOf(k.Scopes),
		"revoke_at":   stampPtr(k.RevokedAt),
		"inserted_at": stamp(k.CreatedAt),
		"updated_at":  stamp(k.UpdatedAt),
		"url":         urls.Site{Base: h.PublicURL}.APIKey(k.Name),
	}
	if k.LastUsedAt != nil {
		out["last_use"] = map[string]any{"used_at": stamp(*k.LastUsedAt), "ip": k.LastUsedIP, "user_agent": k.LastUsedUserAgent}
	}
	return out
}

// activeKeys are the caller's keys that still work, newest first.
func (h *Handler) activeKeys(r *http.Request) ([]*account.APIKey, error) {
	ks, err := h.Accounts.APIKeys(r.Context())
	if err != nil {
		return nil, err
	}
	out := ks[:0]
	for _, k := range ks {
		if h.Accounts.KeyActive(k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// findKey is the caller's newest active key called name.
func (h *Handler) findKey(r *http.Request) (*account.APIKey, error) {
	ks, err := h.activeKeys(r)
	if err != nil {
		return nil, err
	}
	name := r.PathValue("key")
	for _, k := range ks {
		if k.Name == name {
			return k, nil
		}
	}
	return nil, apperr.New(apperr.NotFound, "no API key named %q", name)
}

// keys serves GET /keys (mix hex.user key list).
func (h *Handler) keys(w http.ResponseWriter, r *http.Request) {
	ks, err := h.activeKeys(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	authing := viewer.FromContext(r.Context()).KeyID
	out := make([]any, 0, len(ks))
	for _, k := range ks {
		out = append(out, h.keyView(k, "", authing))
	}
	reply(w, r, http.StatusOK, out)
}

// key serves GET /keys/NAME.
func (h *Handler) key(w http.ResponseWriter, r *http.Request) {
	k, err := h.findKey(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusOK, h.keyView(k, "", viewer.FromContext(r.Context()).KeyID))
}

// createKey serves POST /keys with {name, permissions}: 201 with the
// secret, shown this once. Authenticated by password (HTTP Basic, what
// `mix hex.user auth` and `rebar3 hex user auth` send) or by a key allowed
// to make keys.
func (h *Handler) createKey(w http.ResponseWriter, r *http.Request) {
	body, err := decodeBody(r)
	if err != nil {
		badRequest(w, r, "%s", err.Error())
		return
	}
	v := viewer.FromContext(r.Context())
	name, err := str(body, "name")
	var scopes []string
	if err == nil {
		scopes, err = scopesFor(v, body["permissions"])
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	k, secret, err := h.Accounts.CreateAPIKey(r.Context(), account.CreateKeyInput{Name: name, Scopes: scopes})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	view := h.keyView(k, secret, v.KeyID)
	w.Header().Set("Location", view["url"].(string))
	reply(w, r, http.StatusCreated, view)
}

// revokeKey serves DELETE /keys/NAME: 200 with the revoked key.
func (h *Handler) revokeKey(w http.ResponseWriter, r *http.Request) {
	k, err := h.findKey(r)
	if err == nil {
		k, err = h.Accounts.RevokeAPIKey(r.Context(), k.ID)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusOK, h.keyView(k, "", viewer.FromContext(r.Context()).KeyID))
}

// revokeAllKeys serves DELETE /keys: every active key of the caller,
// including the one in use, is revoked; the answer is that key.
func (h *Handler) revokeAllKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := h.activeKeys(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	authing := viewer.FromContext(r.Context()).KeyID
	var current *account.APIKey
	for _, k := range ks {
		rk, err := h.Accounts.RevokeAPIKey(r.Context(), k.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if rk.ID == authing {
			current = rk
		}
	}
	if current == nil {
		reply(w, r, http.StatusNoContent, nil)
		return
	}
	reply(w, r, http.StatusOK, h.keyView(current, "", authing))
}

// auth serves GET /auth?domain=&resource=: 204 when the credential may act
// in that domain (mix and rebar3 ask before a publish or a repository
// fetch), else 401 (the key lacks it) or 403 (the account does).
func (h *Handler) auth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	domain, resource := q.Get("domain"), q.Get("resource")
	if domain == "" {
		badRequest(w, r, "missing required parameters: domain")
		return
	}
	v := viewer.FromContext(r.Context())
	if v.Anonymous() {
		h.fail(w, r, apperr.SignInRequired())
		return
	}
	var err error
	if domain == "package" {
		err = h.packageAuth(r, resource)
	} else {
		err = checkAuth(v, domain, resource)
	}
	var ae *authError
	if errors.As(err, &ae) {
		writeError(w, r, ae.status, ae.message, nil)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusNoContent, nil)
}

// packageAuth: may the caller publish package resource ("NAME",
// "hexpm/NAME" or "ORG/NAME")? The registry's Permissions decides, scopes
// and ownership together.
func (h *Handler) packageAuth(r *http.Request, resource string) error {
	repoName, name, ok := strings.Cut(resource, "/")
	if !ok {
		repoName, name = "", resource
	}
	if repoName == "hexpm" {
		repoName = ""
	}
	p, err := h.Registry.Package(r.Context(), repoName, name)
	if apperr.CodeOf(err) == apperr.NotFound {
		return &authError{403, "account not authorized for this action"}
	}
	if err != nil {
		return err
	}
	canPublish, _, err := h.Registry.Permissions(r.Context(), p)
	if err != nil {
		return err
	}
	if !canPublish {
		return &authError{403, "account not authorized for this action"}
	}
	return nil
}

// organization serves GET /orgs/ORG to its members.
func (h *Handler) organization(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("organization")
	ms, err := h.Orgs.Members(r.Context(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	o, err := h.Orgs.Get(r.Context(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	mine, _ := viewer.FromContext(r.Context()).OrgByName(name)
	reply(w, r, http.StatusOK, map[string]any{
		"name":           o.Name,
		"billing_active": mine.Entitled,
		"inserted_at":    stamp(o.CreatedAt),
		"updated_at":     stamp(o.UpdatedAt),
		"users":          h.memberViews(ms),
	})
}

// members serves GET /orgs/ORG/members to its members.
func (h *Handler) members(w http.ResponseWriter, r *http.Request) {
	ms, err := h.Orgs.Members(r.Context(), r.PathValue("organization"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusOK, h.memberViews(ms))
}

func (h *Handler) memberViews(ms []*org.Membership) []any {
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		if u := m.Edges.User; u != nil {
			v := h.minimalUser(u)
			v["role"] = strings.ToLower(string(m.Role))
			out = append(out, v)
		}
	}
	return out
}

// repositories serves GET /repos: the repositories the caller may read.
func (h *Handler) repositories(w http.ResponseWriter, r *http.Request) {
	rs, err := h.Registry.Repositories(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]any, 0, len(rs))
	for _, x := range rs {
		out = append(out, map[string]any{"name": x.Name, "inserted_at": stamp(x.CreatedAt), "updated_at": stamp(x.UpdatedAt)})
	}
	reply(w, r, http.StatusOK, out)
}

// repository serves GET /repos/ORG.
func (h *Handler) repository(w http.ResponseWriter, r *http.Request) {
	x, err := h.Registry.Repository(r.Context(), repo(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusOK, map[string]any{"name": x.Name, "inserted_at": stamp(x.CreatedAt), "updated_at": stamp(x.UpdatedAt)})
}
