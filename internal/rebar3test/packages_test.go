package rebar3test_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/depot-registry/depot/hextar"
)

// dep is a requirement of a test package; repository "" means its own.
type dep struct{ name, requirement, repository string }

// erlPackage builds a real rebar3 package: an OTP application name whose
// module name exports value/0, calling each dependency's value/0 so that a
// dependency that was not fetched and compiled breaks the build.
func erlPackage(t *testing.T, name, version string, deps ...dep) []byte {
	t.Helper()
	calls := []string{fmt.Sprintf("%q", name+" "+version)}
	apps := []string{"kernel", "stdlib"}
	meta := hextar.Metadata{
		Name: name, Version: version, App: name,
		Description: "The " + name + " test package.",
		Licenses:    []string{"Apache-2.0"},
		BuildTools:  []string{"rebar3"},
		Files:       []string{"src/" + name + ".app.src", "src/" + name + ".erl", "rebar.config"},
	}
	var rebarDeps []string
	for _, d := range deps {
		calls = append(calls, d.name+":value()")
		apps = append(apps, d.name)
		meta.Requirements = append(meta.Requirements, hextar.Requirement{Name: d.name, App: d.name, Requirement: d.requirement, Repository: d.repository})
		rebarDeps = append(rebarDeps, fmt.Sprintf("{%s, %q}", d.name, d.requirement))
	}
	src := fmt.Sprintf("-module(%s).\n-export([value/0]).\nvalue() -> [%s].\n", name, strings.Join(calls, ", "))
	appSrc := fmt.Sprintf("{application, %s, [{description, %q}, {vsn, %q}, {registered, []}, {applications, [%s]}, {env, []}, {licenses, [\"Apache-2.0\"]}]}.\n",
		name, meta.Description, version, strings.Join(apps, ", "))
	rebarConfig := fmt.Sprintf("{erl_opts, [debug_info]}.\n{deps, [%s]}.\n", strings.Join(rebarDeps, ", "))
	tb, _, _, err := hextar.Create(meta, []hextar.File{
		{Name: "src/" + name + ".erl", Mode: 0o644, Data: []byte(src)},
		{Name: "src/" + name + ".app.src", Mode: 0o644, Data: []byte(appSrc)},
		{Name: "rebar.config", Mode: 0o644, Data: []byte(rebarConfig)},
	})
	if err != nil {
		t.Fatalf("build %s %s: %v", name, version, err)
	}
	return tb
}
