// Package samplepkg builds small but real Hex package tarballs: an Erlang
// application with one module, which rebar3 and mix compile. Tests build
// them through internal/pkgtest; the benchmarks publish them.
package samplepkg

import (
	"fmt"

	"github.com/depot-registry/depot/hextar"
)

// Dep is a dependency of a sample package.
type Dep struct{ Name, Requirement string }

// Build returns a valid Hex v3 tarball of the Erlang application name at
// version, described by description, depending on deps.
func Build(name, version, description string, deps ...Dep) ([]byte, error) {
	meta := hextar.Metadata{
		Name: name, Version: version, App: name,
		Description: description,
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
	return tar, err
}
