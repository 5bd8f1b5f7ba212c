// Package frontend embeds the built single-page web app.
//
// `npm run build` writes the app to dist/app (ignored by git); dist/placeholder.html is
// committed so that `go build` works on a fresh clone before the app is built.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built app if there is one, else a folder with only the
// placeholder page. built reports which.
func FS() (files fs.FS, built bool) {
	if app, err := fs.Sub(dist, "dist/app"); err == nil {
		if _, err := fs.Stat(app, "index.html"); err == nil {
			return app, true
		}
	}
	sub, _ := fs.Sub(dist, "dist")
	return sub, false
}
