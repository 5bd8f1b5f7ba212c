// Package rebar3test drives the real rebar3 against a Depot server, so the
// Hex repository front is tested with the client people use rather than
// with our reading of the protocol.
//
// A Project is a scratch rebar3 project with its own HOME (so rebar3's
// global config and package cache belong to the test) and no proxy
// variables (the server listens on loopback). Tests fail, never skip, when
// rebar3 or erl is missing: a conformance test that silently does not run
// proves nothing.
package rebar3test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// InstallHint tells the reader how to get the client.
const InstallHint = "install it with: apt-get update && apt-get install -y rebar3 erlang-nox"

// Require fails the test unless rebar3 and erl are installed, and returns
// rebar3's path.
func Require(t testing.TB) string {
	t.Helper()
	for _, tool := range []string{"erl", "rebar3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("rebar3test: %s not found (%v); %s", tool, err, InstallHint)
		}
	}
	p, _ := exec.LookPath("rebar3")
	return p
}

// Repo is one entry of rebar3's hex repos list.
type Repo struct {
	// Name must equal the repository field of the payloads the URL serves,
	// or be "PARENT:ORG" for an organization of repository PARENT (rebar3
	// then fetches PARENT's URL + /repos/ORG and expects ORG in payloads).
	Name string
	// URL is the repository root, e.g. http://127.0.0.1:PORT/repo or
	// http://127.0.0.1:PORT/repo/repos/ORG.
	URL string
	// PublicKey is the PEM the payloads must be signed with.
	PublicKey []byte
	// Key, when set, is sent raw in the authorization header (repo_key).
	Key string
}

// term renders r as the Erlang map rebar3 reads. Empty fields are left
// out, so an organization entry ("PARENT:ORG") inherits its parent's URL
// and key as rebar3 intends.
func (r Repo) term() string {
	fields := []string{fmt.Sprintf("name => <<%q>>", r.Name)}
	if r.URL != "" {
		fields = append(fields, fmt.Sprintf("repo_url => <<%q>>", r.URL))
	}
	if len(r.PublicKey) > 0 {
		fields = append(fields, fmt.Sprintf("repo_public_key => <<%q>>", string(r.PublicKey)), "repo_verify => true", "repo_verify_origin => true")
	}
	if r.Key != "" {
		fields = append(fields, fmt.Sprintf("repo_key => <<%q>>", r.Key))
	}
	return "#{" + strings.Join(fields, ", ") + "}"
}

// Project is a scratch rebar3 project.
type Project struct {
	t testing.TB
	// Dir is the project folder; Home the HOME rebar3 runs with.
	Dir, Home string
	rebar3    string
}

// Dep is one dependency of the project: a Hex package and a requirement.
// rebar3 looks it up in the configured repositories in order.
type Dep struct {
	Name, Requirement string
}

// NewProject writes an application named app depending on deps, with a
// module calling callMod:callFun() so a dependency that did not compile
// makes the build fail.
func NewProject(t testing.TB, app string, deps []Dep, repos ...Repo) *Project {
	t.Helper()
	p := &Project{t: t, Dir: filepath.Join(t.TempDir(), app), Home: t.TempDir(), rebar3: Require(t)}
	var ds []string
	var apps []string
	for _, d := range deps {
		ds = append(ds, fmt.Sprintf("{%s, %q}", d.Name, d.Requirement))
		apps = append(apps, d.Name)
	}
	p.write("rebar.config", fmt.Sprintf("{erl_opts, [debug_info]}.\n{deps, [%s]}.\n", strings.Join(ds, ", ")))
	p.write("src/"+app+".app.src", fmt.Sprintf(`{application, %s, [{description, "scratch"}, {vsn, "0.1.0"}, {applications, [kernel, stdlib%s]}]}.`+"\n",
		app, prefixEach(apps, ", ")))
	p.write("src/"+app+".erl", fmt.Sprintf("-module(%s).\n-export([start/0]).\nstart() -> ok.\n", app))
	p.SetRepos(repos...)
	return p
}

func prefixEach(ss []string, sep string) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(sep + s)
	}
	return b.String()
}

// SetRepos writes rebar3's global config (HOME/.config/rebar3/rebar.config)
// with repos replacing hex.pm, so nothing is ever asked of the internet.
func (p *Project) SetRepos(repos ...Repo) {
	p.t.Helper()
	terms := make([]string, len(repos))
	for i, r := range repos {
		terms[i] = r.term()
	}
	cfg := fmt.Sprintf("{hex, [{repos, replace, [%s]}]}.\n", strings.Join(terms, ",\n  "))
	path := filepath.Join(p.Home, ".config", "rebar3", "rebar.config")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *Project) write(name, content string) {
	p.t.Helper()
	path := filepath.Join(p.Dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// Run runs rebar3 with args in the project and returns its combined
// output; err is non-nil when rebar3 exits non-zero.
func (p *Project) Run(args ...string) (string, error) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.rebar3, args...)
	cmd.Dir = p.Dir
	cmd.Env = p.env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("rebar3 %s: %w", strings.Join(args, " "), err)
	}
	return out.String(), err
}

// MustRun is Run failing the test on error, with rebar3's output.
func (p *Project) MustRun(args ...string) string {
	p.t.Helper()
	out, err := p.Run(args...)
	if err != nil {
		p.t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// env is the parent environment without proxies and with the project's
// HOME. Proxy variables would send loopback requests to a proxy.
func (p *Project) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToLower(name) {
		case "http_proxy", "https_proxy", "all_proxy", "no_proxy", "home", "rebar_cache_dir", "rebar_global_config_dir", "hex_cdn", "hex_mirror":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+p.Home, "REBAR_COLOR=none", "QUIET=")
}

// RemoveBuild deletes _build, so the next compile fetches deps again
// (from rebar3's cache, revalidated against the server).
func (p *Project) RemoveBuild() {
	p.t.Helper()
	if err := os.RemoveAll(filepath.Join(p.Dir, "_build")); err != nil {
		p.t.Fatal(err)
	}
}

// RemoveLock deletes rebar.lock so the next run resolves afresh.
func (p *Project) RemoveLock() {
	p.t.Helper()
	if err := os.Remove(filepath.Join(p.Dir, "rebar.lock")); err != nil && !os.IsNotExist(err) {
		p.t.Fatal(err)
	}
}

// RemoveCache deletes rebar3's package cache (tarballs and registry).
func (p *Project) RemoveCache() {
	p.t.Helper()
	if err := os.RemoveAll(filepath.Join(p.Home, ".cache", "rebar3")); err != nil {
		p.t.Fatal(err)
	}
}

// Locked is one package of rebar.lock.
type Locked struct {
	Version string
	// Inner and Outer are the checksums rebar3 recorded (pkg_hash and
	// pkg_hash_ext), lower-cased to compare with Depot's.
	Inner, Outer string
}

var (
	lockPkgRE  = regexp.MustCompile(`\{<<"([a-z0-9_]+)">>,\s*\{pkg,\s*<<"[a-z0-9_]+">>,\s*<<"([^"]+)">>`)
	lockHashRE = regexp.MustCompile(`\{<<"([a-z0-9_]+)">>,\s*<<"([0-9A-Fa-f]{64})">>\}`)
)

// Lock parses rebar.lock.
func (p *Project) Lock() map[string]Locked {
	p.t.Helper()
	data, err := os.ReadFile(filepath.Join(p.Dir, "rebar.lock"))
	if err != nil {
		p.t.Fatalf("read rebar.lock: %v", err)
	}
	s := string(data)
	out := map[string]Locked{}
	for _, m := range lockPkgRE.FindAllStringSubmatch(s, -1) {
		out[m[1]] = Locked{Version: m[2]}
	}
	inner, outer, ok := strings.Cut(s, "pkg_hash_ext")
	if !ok {
		p.t.Fatalf("rebar.lock has no pkg_hash_ext (outer checksums):\n%s", s)
	}
	for _, m := range lockHashRE.FindAllStringSubmatch(inner, -1) {
		l := out[m[1]]
		l.Inner = strings.ToLower(m[2])
		out[m[1]] = l
	}
	for _, m := range lockHashRE.FindAllStringSubmatch(outer, -1) {
		l := out[m[1]]
		l.Outer = strings.ToLower(m[2])
		out[m[1]] = l
	}
	return out
}
