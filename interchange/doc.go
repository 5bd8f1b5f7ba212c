// Package interchange moves whole registries in and out of Depot in the
// layout every Hex client and `mix hex.registry build` share: a static
// registry folder (names, versions, packages/NAME, tarballs/NAME-VERSION.tar,
// public_key), plus docs/NAME-VERSION.tar.gz and a depot-export.json file
// (Manifest) for what the Hex formats cannot carry.
//
// Import verifies the whole source first — every signature, repository
// name, checksum and tarball — and publishes nothing if any of it is wrong;
// then it hands each release to registry.Import (which keeps its publish
// time and retirement) in dependency order. Export writes an
// organization's repository in the same layout, signed with the caller's
// key, so a dump can be served as it is or imported elsewhere. Who may
// export is decided here; what a release is, is the registry's.
package interchange
