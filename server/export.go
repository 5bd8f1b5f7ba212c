package server

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/viewer"
)

// exportDownload serves an export archive to whoever holds a valid link
// (interchange.Links): the link is the credential, minted for an
// organization admin a few minutes before, so no cookie or key is asked.
func (s *Server) exportDownload() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, org, err := s.Resolver.ExportLinks.Check(r.PathValue("token"), s.now())
		if err != nil {
			http.Error(w, "this export link is invalid or expired; export again", http.StatusNotFound)
			return
		}
		rc, size, err := s.Blobs.Open(viewer.System(r.Context()), key)
		if errors.Is(err, blob.ErrNotFound) {
			http.Error(w, "this export is gone; export again", http.StatusNotFound)
			return
		}
		if err != nil {
			s.Log.Error("open export", "org", org, "err", err)
			http.Error(w, "could not read the export", http.StatusInternalServerError)
			return
		}
		defer rc.Close()
		w.Header().Set("Content-Type", "application/gzip")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.Header().Set("Content-Disposition", `attachment; filename="`+org+`-registry.tar.gz"`)
		w.Header().Set("Cache-Control", "private, no-store")
		_, _ = io.Copy(w, rc)
	})
}
