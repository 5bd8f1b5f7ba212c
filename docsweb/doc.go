// Package docsweb is the HTTP front of package documentation: it serves
// /docs/ from the docs service (docshost), which owns the rules — which
// release's docs a URL means, who may read them, what a doc set holds.
//
// URLs (case-sensitive, like the file names inside the tarball):
//
//	/docs/PKG/VERSION/PATH            docs of one release
//	/docs/PKG/PATH                    docs of the latest release with docs
//	/docs/repos/ORG/PKG/VERSION/PATH  the same for ORG's private repository
//	/docs/repos/ORG/PKG/PATH
//
// A PATH ending in "/" (or empty) serves that folder's index.html. "repos"
// is a reserved package name, and a docs tarball may not have a top-level
// entry named like a version, so these URLs can never be ambiguous.
// Anything hidden is the same 404 as anything missing.
//
// Isolation: docs are HTML written by package authors and served from the
// app's origin, so every docs response carries
// `Content-Security-Policy: sandbox allow-scripts allow-popups`: the page
// runs in an opaque origin and its scripts can neither read the app's
// cookies nor call /graphql as the visitor.
package docsweb
