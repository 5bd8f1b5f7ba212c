package hexapi

import (
	"net/http"
	"strconv"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/registry"
)

// replaceParam reads ?replace=. hexpm treats a missing flag as true; Depot
// treats it as false, so a client that omits it can never overwrite a
// release by accident. The real clients always send it (hex_core sends
// replace=false unless asked, mix sends --replace as replace=true).
func replaceParam(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("replace"); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, apperr.Invalid("replace", "replace must be true or false, not %q", v)
	}
}

// publish serves POST /publish and POST /packages/NAME/releases: the body
// is the tarball. The domain checks the caller and the repository before it
// reads a byte, so a refused publish answers without reading the body, and
// a client that sent `Expect: 100-continue` never uploads it (Go's server
// sends 100 Continue only when the body is first read).
func (h *Handler) publish(w http.ResponseWriter, r *http.Request) {
	replace, err := replaceParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if max := hextar.DefaultLimits.MaxCompressed; r.ContentLength > max {
		writeError(w, r, http.StatusRequestEntityTooLarge, "package exceeds the limit of "+sizeOf(max), nil)
		return
	}
	rel, replaced, err := h.Registry.Publish(r.Context(), registry.PublishInput{
		Tarball: r.Body, Repository: repo(r), Replace: replace, Name: r.PathValue("name"),
	})
	view, ok := h.releaseDetail(w, r, rel, err)
	if !ok {
		return
	}
	if replaced {
		reply(w, r, http.StatusOK, view)
		return
	}
	w.Header().Set("Location", view["url"].(string))
	reply(w, r, http.StatusCreated, view)
}

func sizeOf(n int64) string {
	const mib = 1 << 20
	if n%mib == 0 {
		return strconv.FormatInt(n/mib, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// releaseDetail renders rel, the result of a domain call that may have
// failed with err; false when it answered the error instead.
func (h *Handler) releaseDetail(w http.ResponseWriter, r *http.Request, rel *registry.Release, err error) (map[string]any, bool) {
	if err == nil {
		rel, err = h.Registry.ReleaseDetail(r.Context(), rel)
	}
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return h.releaseView(rel), true
}

// namedRelease is the release a route names, rendered.
func (h *Handler) namedRelease(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	rel, err := h.Registry.Release(r.Context(), repo(r), r.PathValue("name"), r.PathValue("version"))
	return h.releaseDetail(w, r, rel, err)
}

// release serves GET /packages/NAME/releases/VERSION.
func (h *Handler) release(w http.ResponseWriter, r *http.Request) {
	if view, ok := h.namedRelease(w, r); ok {
		reply(w, r, http.StatusOK, view)
	}
}

// revert serves DELETE /packages/NAME/releases/VERSION (mix hex.publish
// --revert): 204, or 422 once the window has closed.
func (h *Handler) revert(w http.ResponseWriter, r *http.Request) {
	if _, _, err := h.Registry.Revert(r.Context(), repo(r), r.PathValue("name"), r.PathValue("version")); err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusNoContent, nil)
}

// publishDocs serves POST .../docs: the body is the docs tarball.
func (h *Handler) publishDocs(w http.ResponseWriter, r *http.Request) {
	if err := h.Docs.Publish(r.Context(), repo(r), r.PathValue("name"), r.PathValue("version"), r.Body); err != nil {
		h.fail(w, r, err)
		return
	}
	view, ok := h.namedRelease(w, r)
	if !ok {
		return
	}
	w.Header().Set("Location", view["docs_html_url"].(string))
	reply(w, r, http.StatusCreated, view)
}

// docs serves GET .../docs: a redirect to the release's documentation, as
// hexpm redirects to its docs tarball; 404 when the release has none.
func (h *Handler) docs(w http.ResponseWriter, r *http.Request) {
	view, ok := h.namedRelease(w, r)
	if !ok {
		return
	}
	u, ok := view["docs_html_url"].(string)
	if !ok {
		writeError(w, r, http.StatusNotFound, "release "+r.PathValue("version")+" has no documentation", nil)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

// revertDocs serves DELETE .../docs (mix hex.publish docs --revert).
func (h *Handler) revertDocs(w http.ResponseWriter, r *http.Request) {
	if err := h.Docs.Revert(r.Context(), repo(r), r.PathValue("name"), r.PathValue("version")); err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusNoContent, nil)
}

// retire serves POST .../releases/VERSION/retire with {reason, message}
// (mix hex.retire), and POST /packages/NAME/retire, which retires every
// release (a release already retired takes the new reason and message).
func (h *Handler) retire(w http.ResponseWriter, r *http.Request) {
	body, err := decodeBody(r)
	if err != nil {
		badRequest(w, r, "%s", err.Error())
		return
	}
	reason, err := str(body, "reason")
	if err == nil && reason == "" {
		err = apperr.Invalid("reason", "give a reason: other, invalid, security, deprecated or renamed")
	}
	var message string
	if err == nil {
		message, err = str(body, "message")
	}
	if err == nil {
		_, err = h.Registry.Retire(r.Context(), repo(r), r.PathValue("name"), r.PathValue("version"),
			registry.ParseRetireReason(reason), message)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusNoContent, nil)
}

// unretire serves DELETE .../retire (mix hex.retire --unretire).
func (h *Handler) unretire(w http.ResponseWriter, r *http.Request) {
	if _, err := h.Registry.Unretire(r.Context(), repo(r), r.PathValue("name"), r.PathValue("version")); err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, r, http.StatusNoContent, nil)
}
