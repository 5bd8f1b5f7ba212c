package interchange_test

import (
	"context"
	"crypto/rsa"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/interchange"
	"github.com/depot-registry/depot/internal/hexcore"
	"github.com/depot-registry/depot/server/servertest"
	"github.com/depot-registry/depot/viewer"
)

var (
	keyOnce sync.Once
	keys    [2]*rsa.PrivateKey
)

// testKey returns one of two RSA keys made once per test binary.
func testKey(t *testing.T, i int) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		for j := range keys {
			k, err := hexrepo.GenerateKey()
			if err != nil {
				panic(err)
			}
			keys[j] = k
		}
	})
	return keys[i]
}

func pubPEM(t *testing.T, k *rsa.PrivateKey) []byte {
	t.Helper()
	b, err := hexrepo.EncodePublicKeyPEM(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// srcRelease is one release of a hex_core-built source registry.
type srcRelease struct {
	version string
	deps    []string // names of packages of the same registry, "~> 1.0"
	retired string   // a hex_core retirement reason atom suffix, e.g. "SECURITY"
	note    string   // appended to the description, to make other bytes
}

type srcPackage struct {
	name     string
	releases []srcRelease
}

func erlStr(s string) string { return hexcore.Binary([]byte(s)) }

// hexCoreRegistry writes a static registry into dir the way
// `mix hex.registry build` does, with hex_core's own modules (rebar3's
// vendored r3_hex_tarball and r3_hex_registry): real rebar3 packages,
// signed names, versions and packages/NAME, and public_key.
func hexCoreRegistry(t *testing.T, dir, repo string, key *rsa.PrivateKey, pkgs []srcPackage) {
	t.Helper()
	for _, sub := range []string{"tarballs", "packages"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `Dir = %q, Key = %s, Repo = %s,
		Sign = fun(Path, Payload) -> ok = file:write_file(filename:join(Dir, Path), zlib:gzip(r3_hex_registry:sign_protobuf(Payload, Key))) end,
		Tar = fun(Meta, Files) ->
			{ok, #{tarball := T, inner_checksum := I, outer_checksum := O}} = r3_hex_tarball:create(Meta, Files),
			ok = file:write_file(filename:join([Dir, "tarballs", binary_to_list(maps:get(<<"name">>, Meta)) ++ "-" ++ binary_to_list(maps:get(<<"version">>, Meta)) ++ ".tar"]), T),
			{I, O}
		end,
`, dir, erlStr(string(hexrepo.EncodePrivateKeyPEM(key))), erlStr(repo))
	var names, versions []string
	for pi, p := range pkgs {
		var rels, vs, retired []string
		for ri, r := range p.releases {
			v := fmt.Sprintf("S%d_%d", pi, ri)
			var reqs, deps, calls, apps []string
			calls = append(calls, fmt.Sprintf("%q", p.name+" "+r.version))
			apps = append(apps, "kernel", "stdlib")
			for _, d := range r.deps {
				reqs = append(reqs, fmt.Sprintf(`%s => #{<<"app">> => %s, <<"optional">> => false, <<"requirement">> => <<"~> 1.0">>}`, erlStr(d), erlStr(d)))
				deps = append(deps, fmt.Sprintf(`#{package => %s, requirement => <<"~> 1.0">>}`, erlStr(d)))
				calls = append(calls, d+":value()")
				apps = append(apps, d)
			}
			src := fmt.Sprintf("-module(%s).\n-export([value/0]).\nvalue() -> [%s].\n", p.name, strings.Join(calls, ", "))
			appSrc := fmt.Sprintf("{application, %s, [{description, \"imported\"}, {vsn, %q}, {registered, []}, {applications, [%s]}, {env, []}]}.\n",
				p.name, r.version, strings.Join(apps, ", "))
			fmt.Fprintf(&b, `{I%[1]s, O%[1]s} = Tar(#{<<"name">> => %[2]s, <<"version">> => %[3]s, <<"app">> => %[2]s, <<"description">> => %[8]s,
				<<"licenses">> => [<<"Apache-2.0">>], <<"build_tools">> => [<<"rebar3">>], <<"requirements">> => #{%[4]s},
				<<"files">> => [<<"src/%[5]s.erl">>, <<"src/%[5]s.app.src">>]},
				[{"src/%[5]s.erl", %[6]s}, {"src/%[5]s.app.src", %[7]s}]),
`, v, erlStr(p.name), erlStr(r.version), strings.Join(reqs, ", "), p.name, erlStr(src), erlStr(appSrc), erlStr("Imported from a static registry."+r.note))
			rel := fmt.Sprintf(`#{version => %s, inner_checksum => I%s, outer_checksum => O%s, dependencies => [%s]`, erlStr(r.version), v, v, strings.Join(deps, ", "))
			if r.retired != "" {
				rel += fmt.Sprintf(`, retired => #{reason => 'RETIRED_%s', message => <<"use a newer one">>}`, r.retired)
				retired = append(retired, fmt.Sprint(ri))
			}
			rels = append(rels, rel+"}")
			vs = append(vs, erlStr(r.version))
		}
		fmt.Fprintf(&b, "Sign(\"packages/%s\", r3_hex_registry:encode_package(#{name => %s, repository => Repo, releases => [%s]})),\n",
			p.name, erlStr(p.name), strings.Join(rels, ", "))
		names = append(names, "#{name => "+erlStr(p.name)+"}")
		versions = append(versions, fmt.Sprintf("#{name => %s, versions => [%s], retired => [%s]}", erlStr(p.name), strings.Join(vs, ", "), strings.Join(retired, ", ")))
	}
	fmt.Fprintf(&b, "Sign(\"names\", r3_hex_registry:encode_names(#{repository => Repo, packages => [%s]})),\n", strings.Join(names, ", "))
	fmt.Fprintf(&b, "Sign(\"versions\", r3_hex_registry:encode_versions(#{repository => Repo, packages => [%s]}))", strings.Join(versions, ", "))
	hexcore.Eval(t, b.String())
	if err := os.WriteFile(filepath.Join(dir, "public_key"), pubPEM(t, key), 0o644); err != nil {
		t.Fatal(err)
	}
}

// interchangeOf builds the import/export service over a test server, as
// the `depot import` and `depot admin export` commands do over theirs.
func interchangeOf(env *servertest.Env) *interchange.Service {
	return &interchange.Service{DB: env.Server.DB.Client, Registry: env.Server.Registry, Docs: env.Server.Docs, Now: env.Clock.Now}
}

func sys() context.Context { return viewer.System(context.Background()) }

// snapshot counts the rows an import writes, to show a refused one wrote
// none.
type snapshot struct{ packages, releases, retirements, events, audits int }

func snap(t *testing.T, env *servertest.Env) snapshot {
	t.Helper()
	db := env.Server.DB.Client
	ctx := sys()
	count := func(n int, err error) int {
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return snapshot{
		packages:    count(db.Pkg.Query().Count(ctx)),
		releases:    count(db.Release.Query().Count(ctx)),
		retirements: count(db.Retirement.Query().Count(ctx)),
		events:      count(db.ReleaseEvent.Query().Count(ctx)),
		audits:      count(db.AuditLog.Query().Count(ctx)),
	}
}
