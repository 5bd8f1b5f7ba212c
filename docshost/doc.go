// Package docshost is the documentation service: the rules of the gzipped
// tar of HTML files that `mix hex.publish docs` (or `depot docs publish`)
// uploads for one release. It validates and stores a doc set (Publish,
// Revert), says which release's docs a URL means — a version's, or the
// latest release with docs: the highest stable version that has docs, else
// the highest pre-release that has docs (Find) — and who may read them
// (the registry's docs rule: members of an entitled organization; API keys
// need a repository:ORG, docs:ORG, api:read or api:write scope; anything
// hidden is the same not-found as anything missing), and reads their files
// (File). The HTTP front serving /docs/ is docsweb.
//
// A docs tarball may not have a top-level entry named like a version, so
// the front's URLs (/docs/PKG/VERSION/PATH beside /docs/PKG/PATH) can never
// be ambiguous.
//
// Storage: the docs tarball is one content-addressed blob referenced by
// release.docs_blob_key. File unpacks a tarball into memory on first use
// and keeps it in a size-bounded LRU keyed by blob key; a blob never
// changes under its key, so the cache needs no invalidation, and every
// request still asks the database which blob (if any) a URL maps to (Find),
// so a reverted or republished doc set disappears at once on every
// instance. Tarballs too large for the cache are read by streaming through
// the gzipped tar to the requested file.
package docshost
