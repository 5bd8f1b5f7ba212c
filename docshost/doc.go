// Package docshost stores and serves package documentation: the gzipped
// tar of HTML files that `mix hex.publish docs` (or `depot docs publish`)
// uploads for one release.
//
// URLs (case-sensitive, like the file names inside the tarball):
//
//	/docs/PKG/VERSION/PATH            docs of one release
//	/docs/PKG/PATH                    docs of the latest release with docs
//	/docs/repos/ORG/PKG/VERSION/PATH  the same for ORG's private repository
//	/docs/repos/ORG/PKG/PATH
//
// "Latest" is the highest stable version that has docs, else the highest
// pre-release that has docs. A PATH ending in "/" (or empty) serves that
// folder's index.html. "repos" is a reserved package name, and a docs
// tarball may not have a top-level entry named like a version, so these
// URLs can never be ambiguous.
//
// Isolation: docs are HTML written by package authors and served from the
// app's origin, so every docs response carries
// `Content-Security-Policy: sandbox allow-scripts allow-popups`: the page
// runs in an opaque origin and its scripts can neither read the app's
// cookies nor call /graphql as the visitor. Private docs follow the
// repository's privacy rule (members of an entitled organization; API keys
// need a repository:ORG, docs:ORG, api:read or api:write scope), and
// anything hidden is the same 404 as anything missing.
//
// Storage: the docs tarball is one content-addressed blob referenced by
// release.docs_blob_key. Serving unpacks a tarball into memory on first use
// and keeps it in a size-bounded LRU keyed by blob key; a blob never
// changes under its key, so the cache needs no invalidation, and every
// request still asks the database which blob (if any) a URL maps to, so a
// reverted or republished doc set disappears at once on every instance.
// Tarballs too large for the cache are served by streaming through the
// gzipped tar to the requested file.
package docshost
