// Package pkgtest builds small but real Hex package tarballs for tests.
package pkgtest

import (
	"fmt"
	"testing"

	"github.com/depot-registry/depot/hextar"
)

// Dep is a dependency of a test package.
type Dep struct{ Name, Requirement string }

// Tarball builds a valid Hex v3 tarball of an Erlang application NAME at
// VERSION with one module, depending on deps.
func Tarball(t testing.TB, name, version string, deps ...Dep) []byte {
	t.Helper()
	meta := hextar.Metadata{
		Name: name, Version: version, App: name,
		Description: "The " + name + " test package.",
		Licenses:    []string{"Apache-2.0"},
		BuildTools:  []string{"rebar3"},
		Files:       []string{"src/" + name + ".erl", "src/" + name + ".app.src"},
	}
	for _, d := range deps {
		meta.Requirements = append(meta.Requirements, hextar.Requirement{Name: d.Name, App: d.Name, Requirement: d.Requirement})
	}
	src := fmt.Sprintf("-module(%s).\n-export([hello/0]).\nhello() -> %q.\n", name, name+" "+version)
	appSrc := fmt.Sprintf("{application, %s, [{description, \"%s\"}, {vsn, \"%s\"}, {applications, [kernel, stdlib]}]}.\n", name, name, version)
	tar, _, _, err := hextar.Create(meta, []hextar.File{
		{Name: "src/" + name + ".erl", Mode: 0o644, Data: []byte(src)},
		{Name: "src/" + name + ".app.src", Mode: 0o644, Data: []byte(appSrc)},
	})
	if err != nil {
		t.Fatalf("build tarball %s %s: %v", name, version, err)
	}
	return tar
}
