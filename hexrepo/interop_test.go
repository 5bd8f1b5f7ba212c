package hexrepo

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/hexcore"
)

// These tests hold Depot to what rebar3's embedded hex_core (r3_hex_*)
// actually does: it must verify and decode our bodies, and we must verify
// and decode its bodies. Erlang prints a plain-text rendering so a failure
// shows the field that differs, not two blobs.

const erlPrelude = `io:setopts([{encoding, unicode}]),
Hex = fun(B) -> string:lowercase(binary:encode_hex(B)) end,
Opt = fun(K, M) -> case maps:find(K, M) of {ok, V} -> V; error -> none end end,
ShowRelease = fun(R) ->
    Ret = case Opt(retired, R) of
        none -> "none";
        #{reason := Why} = RM ->
            Msg = case Opt(message, RM) of none -> "none"; M -> [$", M, $"] end,
            io_lib:format("~p ~ts", [Why, Msg])
    end,
    io:format("release ~ts inner=~s outer=~s retired=~ts~n",
        [maps:get(version, R), Hex(maps:get(inner_checksum, R)), Hex(maps:get(outer_checksum, R, <<>>)), Ret]),
    [io:format("  dep ~ts ~ts optional=~p app=~p repository=~p~n",
        [maps:get(package, D), maps:get(requirement, D), Opt(optional, D), Opt(app, D), Opt(repository, D)])
     || D <- maps:get(dependencies, R, [])]
end,
`

func hx(s string) string { return hex.EncodeToString(sum(s)) }

func TestHexCoreReadsOurBodies(t *testing.T) {
	k := key(t)
	pkgBody, err := EncodePackageSigned(fixturePackage(), k)
	if err != nil {
		t.Fatal(err)
	}
	namesBody, err := EncodeNamesSigned(fixtureNames(), k)
	if err != nil {
		t.Fatal(err)
	}
	versionsBody, err := EncodeVersionsSigned(fixtureVersions(), k)
	if err != nil {
		t.Fatal(err)
	}
	pub := hexcore.Binary(pubPEM(t))
	verify := func(body []byte) string {
		return fmt.Sprintf("{ok, Payload} = r3_hex_registry:decode_and_verify_signed(zlib:gunzip(%s), %s),\n", hexcore.Binary(body), pub)
	}
	tests := []struct {
		name, expr, want string
	}{
		{
			name: "package",
			expr: verify(pkgBody) + `{ok, Releases} = r3_hex_registry:decode_package(Payload, <<"depot">>, <<"plug_x">>),
				lists:foreach(ShowRelease, Releases)`,
			want: fmt.Sprintf(`release 1.0.0 inner=%s outer=%s retired='RETIRED_SECURITY' "CVE-2024-0001, use 1.0.1 — désolé"
release 1.0.1 inner=%s outer=%s retired=none
  dep jason ~> 1.0 optional=true app=none repository=none
  dep eex_html >= 0.2.0 and < 1.0.0 optional=none app=<<"eex_html_app">> repository=none
  dep telemetry ~> 1.2 optional=none app=none repository=<<"hexpm">>
`, hx("inner 1.0.0"), hx("outer 1.0.0"), hx("inner 1.0.1"), hx("outer 1.0.1")),
		},
		{
			// rebar3 3.19 predates updated_at and must skip it unharmed.
			name: "names",
			expr: verify(namesBody) + `{ok, Names} = r3_hex_registry:decode_names(Payload, <<"depot">>),
				[io:format("~ts ~w~n", [maps:get(name, N), maps:size(N)]) || N <- Names]`,
			want: "ecto_y 1\nplug_x 1\n",
		},
		{
			name: "versions",
			expr: verify(versionsBody) + `{ok, Pkgs} = r3_hex_registry:decode_versions(Payload, <<"depot">>),
				[io:format("~ts ~ts retired=~w~n", [maps:get(name, P), lists:join(",", maps:get(versions, P)), maps:get(retired, P, [])]) || P <- Pkgs]`,
			want: "ecto_y 0.1.0 retired=[]\nplug_x 1.0.0,1.0.1,2.0.0-rc.1 retired=[0,2]\n",
		},
		{
			// repo_verify_origin: a body for another package is refused.
			name: "package under another name",
			expr: verify(pkgBody) + `io:format("~p~n", [r3_hex_registry:decode_package(Payload, <<"depot">>, <<"plug">>)])`,
			want: "{error,unverified}\n",
		},
		{
			name: "tampered payload",
			expr: fmt.Sprintf(`io:format("~p~n", [r3_hex_registry:decode_and_verify_signed(%s, %s)])`,
				hexcore.Binary(tamper(t, gunzip(t, pkgBody))), pub),
			want: "{error,unverified}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hexcore.Eval(t, erlPrelude+tt.expr); got != tt.want {
				t.Fatalf("hex_core read:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestWeReadHexCoreBodies(t *testing.T) {
	k := key(t)
	namesNoTimes := fixtureNames()
	for i := range namesNoTimes.Packages {
		namesNoTimes.Packages[i].UpdatedAt = time.Time{}
	}
	tests := []struct {
		name   string
		encode string // Erlang expression for the unsigned payload
		golden []byte // expected payload bytes, nil to skip the byte check
		decode func(body []byte) (any, error)
		want   any
	}{
		{
			name:   "package",
			encode: "r3_hex_registry:encode_package(" + erlPackage(fixturePackage(), false) + ")",
			golden: readGolden(t, "package.golden"),
			decode: func(b []byte) (any, error) { return DecodePackageSigned(b, &k.PublicKey, "depot", "plug_x") },
			want:   fixturePackage(),
		},
		{
			// hex.pm writes optional => false explicitly; the value must
			// come out the same.
			name:   "package with explicit defaults",
			encode: "r3_hex_registry:encode_package(" + erlPackage(fixturePackage(), true) + ")",
			decode: func(b []byte) (any, error) { return DecodePackageSigned(b, &k.PublicKey, "depot", "plug_x") },
			want:   fixturePackage(),
		},
		{
			name:   "names",
			encode: "r3_hex_registry:encode_names(" + erlNames(namesNoTimes) + ")",
			golden: mustBytes(EncodeNames(namesNoTimes)),
			decode: func(b []byte) (any, error) { return DecodeNamesSigned(b, &k.PublicKey, "depot") },
			want:   namesNoTimes,
		},
		{
			name:   "versions",
			encode: "r3_hex_registry:encode_versions(" + erlVersions(fixtureVersions()) + ")",
			golden: readGolden(t, "versions.golden"),
			decode: func(b []byte) (any, error) { return DecodeVersionsSigned(b, &k.PublicKey, "depot") },
			want:   fixtureVersions(),
		},
	}
	priv := hexcore.Binary(EncodePrivateKeyPEM(k))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := hexcore.Eval(t, fmt.Sprintf(`Payload = %s,
				Body = zlib:gzip(r3_hex_registry:sign_protobuf(Payload, %s)),
				io:format("~s~n~s~n", [binary:encode_hex(Payload), binary:encode_hex(Body)])`, tt.encode, priv))
			payload, body := splitHex(t, out)
			if tt.golden != nil && string(payload) != string(tt.golden) {
				t.Errorf("hex_core payload differs from ours\nhex_core: %x\n    ours: %x", payload, tt.golden)
			}
			got, err := tt.decode(body)
			if err != nil {
				t.Fatalf("decode hex_core body: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestPublicKeyPEMMatchesErlang checks /public_key serves byte for byte
// what Erlang's public_key writes for a SubjectPublicKeyInfo, the form
// hex.pm publishes and clients paste into repo_public_key.
func TestPublicKeyPEMMatchesErlang(t *testing.T) {
	out := hexcore.Eval(t, fmt.Sprintf(`[Entry] = public_key:pem_decode(%s),
		Priv = public_key:pem_entry_decode(Entry),
		Pub = {'RSAPublicKey', element(3, Priv), element(4, Priv)},
		io:format("~s", [public_key:pem_encode([public_key:pem_entry_encode('SubjectPublicKeyInfo', Pub)])])`,
		hexcore.Binary(EncodePrivateKeyPEM(key(t)))))
	// Erlang's pem_encode ends with an extra blank line; PEM parsers,
	// hex_core's included, ignore it.
	if want := string(pubPEM(t)); strings.TrimRight(out, "\n") != strings.TrimRight(want, "\n") {
		t.Fatalf("Erlang public key PEM:\n%s\nours:\n%s", out, want)
	}
}

func splitHex(t *testing.T, out string) (payload, body []byte) {
	t.Helper()
	lines := strings.Fields(out)
	if len(lines) != 2 {
		t.Fatalf("want two hex lines from erl, got %q", out)
	}
	payload, err := hex.DecodeString(lines[0])
	if err != nil {
		t.Fatal(err)
	}
	body, err = hex.DecodeString(lines[1])
	if err != nil {
		t.Fatal(err)
	}
	return payload, body
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustBytes(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// The erl* helpers write Go values as Erlang map literals for hex_core's
// gpb encoders, spelling every string as hex so no quoting can go wrong.

func erlStr(s string) string { return hexcore.Binary([]byte(s)) }

func erlPackage(p Package, explicitDefaults bool) string {
	rels := make([]string, len(p.Releases))
	for i, r := range p.Releases {
		deps := make([]string, len(r.Dependencies))
		for j, d := range r.Dependencies {
			f := []string{"package => " + erlStr(d.Package), "requirement => " + erlStr(d.Requirement)}
			if d.Optional || explicitDefaults {
				f = append(f, fmt.Sprintf("optional => %t", d.Optional))
			}
			if d.App != "" {
				f = append(f, "app => "+erlStr(d.App))
			}
			if d.Repository != "" {
				f = append(f, "repository => "+erlStr(d.Repository))
			}
			deps[j] = "#{" + strings.Join(f, ", ") + "}"
		}
		f := []string{
			"version => " + erlStr(r.Version),
			"inner_checksum => " + hexcore.Binary(r.InnerChecksum),
			"outer_checksum => " + hexcore.Binary(r.OuterChecksum),
			"dependencies => [" + strings.Join(deps, ", ") + "]",
		}
		if r.Retired != nil {
			f = append(f, fmt.Sprintf("retired => #{reason => 'RETIRED_%s', message => %s}",
				strings.ToUpper(r.Retired.Reason.String()), erlStr(r.Retired.Message)))
		}
		rels[i] = "#{" + strings.Join(f, ", ") + "}"
	}
	return fmt.Sprintf("#{name => %s, repository => %s, releases => [%s]}",
		erlStr(p.Name), erlStr(p.Repository), strings.Join(rels, ", "))
}

func erlNames(n Names) string {
	pkgs := make([]string, len(n.Packages))
	for i, e := range n.Packages {
		pkgs[i] = "#{name => " + erlStr(e.Name) + "}"
	}
	return fmt.Sprintf("#{repository => %s, packages => [%s]}", erlStr(n.Repository), strings.Join(pkgs, ", "))
}

func erlVersions(v Versions) string {
	pkgs := make([]string, len(v.Packages))
	for i, e := range v.Packages {
		vs := make([]string, len(e.Versions))
		for j, s := range e.Versions {
			vs[j] = erlStr(s)
		}
		rs := make([]string, len(e.Retired))
		for j, r := range e.Retired {
			rs[j] = fmt.Sprint(r)
		}
		pkgs[i] = fmt.Sprintf("#{name => %s, versions => [%s], retired => [%s]}",
			erlStr(e.Name), strings.Join(vs, ", "), strings.Join(rs, ", "))
	}
	return fmt.Sprintf("#{repository => %s, packages => [%s]}", erlStr(v.Repository), strings.Join(pkgs, ", "))
}
