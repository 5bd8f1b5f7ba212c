package server

import (
	"io/fs"
	"net/http"
)

// ideCSP is the app's policy plus data: fonts: GraphiQL's stylesheet
// carries its fonts inline. Scripts stay 'self' only: no inline script, no CDN.
const ideCSP = appCSP + "; font-src 'self' data:"

// idePage is the built GraphiQL page of the web app (see
// frontend/src/ide/main.tsx), bundled from npm so the IDE works offline and
// behind firewalls. Its scripts and styles are the app's /assets/ files.
const idePage = "graphiql.html"

// ideHandler serves GraphiQL for a browser's GET /graphql. When the web app
// is not built into the binary (or predates the IDE), it answers a page
// saying how to build it instead.
func ideHandler(files fs.FS, built bool) http.Handler {
	page := []byte(ideUnbuilt)
	if built {
		if b, err := fs.ReadFile(files, idePage); err == nil {
			page = b
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", ideCSP)
		_, _ = w.Write(page)
	})
}

const ideUnbuilt = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Depot GraphQL · GraphiQL not built</title></head>
<body>
<h1>Depot's GraphQL API</h1>
<p>The GraphQL IDE (GraphiQL) is bundled with the web app, and this server was
built without it. Build both with <code>./scripts/run.sh</code> (or
<code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>, then rebuild
the server), and reload this page.</p>
<p>The API itself works: POST <code>{"query": "{ __typename }"}</code> as JSON to
<code>/graphql</code>. See docs/API.md.</p>
</body>
</html>
`
