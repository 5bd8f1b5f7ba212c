// Package cli is the depot command-line client: it builds Hex package
// tarballs and talks to a Depot server only through its public GraphQL API
// (publish, docs, revert, retire, owners, live release events), like any
// other integration. It also holds `depot repo-key`, which prints what Hex
// clients need to trust a server's registry.
//
// Credentials: the server URL comes from DEPOT_URL and the API key from
// DEPOT_API_KEY; either falls back to the config file
// $XDG_CONFIG_HOME/depot/config.json (usually ~/.config/depot/config.json):
//
//	{"url": "https://depot.example.com", "key": "dpk_..."}
//
// Refusals print the server's message and error code and exit non-zero.
package cli
