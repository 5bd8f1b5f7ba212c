// Package pkgtest builds small but real Hex package tarballs for tests.
package pkgtest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"maps"
	"slices"
	"testing"

	"github.com/depot-registry/depot/internal/samplepkg"
)

// Dep is a dependency of a test package.
type Dep = samplepkg.Dep

// Tarball builds a valid Hex v3 tarball of an Erlang application NAME at
// VERSION with one module, depending on deps.
func Tarball(t testing.TB, name, version string, deps ...Dep) []byte {
	t.Helper()
	tar, err := samplepkg.Build(name, version, "The "+name+" test package.", deps...)
	if err != nil {
		t.Fatalf("build tarball %s %s: %v", name, version, err)
	}
	return tar
}

// Docs builds a gzipped tar of documentation files, as `mix hex.publish`
// uploads them, in name order so the bytes are reproducible.
func Docs(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
