package hextar

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/depot-registry/depot/hextar/internal/erltest"
	"github.com/depot-registry/depot/hextar/term"
)

var update = flag.Bool("update", false, "regenerate golden files in testdata (Create's golden tarball and the hex_core fixtures)")

// hexCoreFixtures are built by r3_hex_tarball:create (hex_core inside
// rebar3) when -update is given; the Erlang expressions use \x{...} escapes
// so the command line stays ASCII.
var hexCoreFixtures = []struct {
	file string
	meta string // Erlang map expression
	want Metadata
}{
	{
		file: "hexcore_full.tar",
		meta: `#{<<"name">> => <<"ecto_thing">>, <<"version">> => <<"2.1.0-rc.1">>, <<"app">> => <<"ecto_thing_app">>,
			<<"description">> => <<"Line one\nLine \"two\" with \\ backslash">>,
			<<"licenses">> => [<<"Apache-2.0">>, <<"MIT">>],
			<<"links">> => #{<<"GitHub">> => <<"https://example.org/ecto_thing">>, <<"Docs">> => <<"https://example.org/docs">>},
			<<"requirements">> => #{
				<<"decimal">> => #{<<"app">> => <<"decimal">>, <<"optional">> => false, <<"requirement">> => <<"~> 2.0">>, <<"repository">> => <<"hexpm">>},
				<<"jason">> => #{<<"app">> => <<"jason">>, <<"optional">> => true, <<"requirement">> => <<">= 1.0.0 and < 2.0.0">>}},
			<<"build_tools">> => [<<"mix">>],
			<<"elixir">> => <<"~> 1.12">>,
			<<"files">> => [<<"lib">>, <<"lib/ecto_thing.ex">>, <<"mix.exs">>],
			<<"extra">> => #{<<"maintainers">> => [<<"A">>]}}`,
		want: Metadata{
			Name: "ecto_thing", Version: "2.1.0-rc.1", App: "ecto_thing_app",
			Description: "Line one\nLine \"two\" with \\ backslash",
			Elixir:      "~> 1.12",
			Licenses:    []string{"Apache-2.0", "MIT"},
			Links:       []Link{{"Docs", "https://example.org/docs"}, {"GitHub", "https://example.org/ecto_thing"}},
			Requirements: []Requirement{
				{Name: "decimal", App: "decimal", Requirement: "~> 2.0", Repository: "hexpm"},
				{Name: "jason", App: "jason", Requirement: ">= 1.0.0 and < 2.0.0", Optional: true},
			},
			BuildTools: []string{"mix"},
			Files:      []string{"lib", "lib/ecto_thing.ex", "mix.exs"},
			Extra:      term.List{term.Tuple{term.Binary("maintainers"), term.List{term.Binary("A")}}},
		},
	},
	{
		// Older Mix wrote requirements as a list of maps with a "name"; no
		// build_tools, so Read guesses them from files. The description has
		// characters outside Latin-1, which hex_core writes as bytes.
		file: "hexcore_legacy.tar",
		meta: `#{<<"name">> => <<"legacy">>, <<"version">> => <<"0.1.0">>,
			<<"description">> => <<"Caf\x{e9} \x{65e5}\x{672c} \x{1f389}"/utf8>>,
			<<"requirements">> => [
				#{<<"name">> => <<"plug">>, <<"app">> => <<"plug">>, <<"optional">> => false, <<"requirement">> => <<"~> 1.4">>},
				#{<<"name">> => <<"cowboy">>, <<"app">> => <<"cowboy">>, <<"optional">> => true, <<"requirement">> => <<"~> 2.9.0">>, <<"repository">> => <<"hexpm">>}],
			<<"files">> => [<<"src/legacy.erl">>, <<"rebar.config">>, <<"Makefile">>, <<"sub/mix.exs">>],
			<<"unknown_key">> => [<<"kept">>, 42, {<<"t">>, -1}]}`,
		want: Metadata{
			Name: "legacy", Version: "0.1.0",
			Description: "Café 日本 🎉",
			Requirements: []Requirement{
				{Name: "plug", App: "plug", Requirement: "~> 1.4"},
				{Name: "cowboy", App: "cowboy", Requirement: "~> 2.9.0", Optional: true, Repository: "hexpm"},
			},
			BuildTools: []string{"make", "rebar"},
			Files:      []string{"src/legacy.erl", "rebar.config", "Makefile", "sub/mix.exs"},
			Other: []Field{{"unknown_key", term.List{term.Binary("kept"), term.Integer(42),
				term.Tuple{term.Binary("t"), term.Integer(-1)}}}},
		},
	},
	{
		file: "hexcore_minimal.tar",
		meta: `#{<<"name">> => <<"mini">>, <<"version">> => <<"0.0.1">>}`,
		want: Metadata{Name: "mini", Version: "0.0.1"},
	},
}

// hexCoreFiles are the package files of every fixture.
const hexCoreFiles = `[{"src/legacy.erl", <<"-module(legacy).\n">>}, {"rebar.config", <<"{deps, []}.\n">>},
	{"lib/ecto_thing.ex", <<"defmodule EctoThing do\nend\n">>}, {"priv/empty", <<>>}]`

var hexCoreFileNames = []string{"src/legacy.erl", "rebar.config", "lib/ecto_thing.ex", "priv/empty"}

// readChecksums reads testdata/hexcore_checksums.txt: "FILE INNER OUTER"
// per line, as hex_core printed them.
func readChecksums(t *testing.T) map[string][2]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "hexcore_checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string][2]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 {
			sums[fields[0]] = [2]string{fields[1], fields[2]}
		}
	}
	return sums
}

func regenerateHexCoreFixtures(t *testing.T) {
	var b strings.Builder
	b.WriteString(`Files = ` + hexCoreFiles + `,
		Gen = fun(Name, Meta) ->
			{ok, #{tarball := T, inner_checksum := I, outer_checksum := O}} = r3_hex_tarball:create(Meta, Files),
			ok = file:write_file(Name, T),
			io_lib:format("~s ~s ~s~n", [Name, binary:encode_hex(I), binary:encode_hex(O)])
		end,
		Out = [`)
	for i, fx := range hexCoreFixtures {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`Gen("` + fx.file + `", ` + fx.meta + `)`)
	}
	b.WriteString(`], ok = file:write_file("hexcore_checksums.txt", Out)`)
	erltest.Eval(t, "testdata", b.String())
}

// TestReadHexCoreFixtures reads tarballs made by hex_core and checks that
// Read reports the checksums hex_core computed and the metadata it wrote.
func TestReadHexCoreFixtures(t *testing.T) {
	if *update {
		regenerateHexCoreFixtures(t)
	}
	sums := readChecksums(t)
	for _, fx := range hexCoreFixtures {
		t.Run(fx.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", fx.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Read(bytes.NewReader(data), DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := sums[fx.file]
			if !ok {
				t.Fatalf("no checksums recorded for %s", fx.file)
			}
			if got := strings.ToUpper(Hex(p.InnerChecksum)); got != want[0] {
				t.Errorf("inner checksum %s, hex_core says %s", got, want[0])
			}
			if got := strings.ToUpper(Hex(p.OuterChecksum)); got != want[1] {
				t.Errorf("outer checksum %s, hex_core says %s", got, want[1])
			}
			if !slices.Equal(p.Files, hexCoreFileNames) {
				t.Errorf("files %q", p.Files)
			}
			checkMetadata(t, p.Metadata, fx.want)
		})
	}
}

// TestHexCoreFixtureChecksumsAreHexCores re-derives the recorded checksums
// with hex_core's unpack, so hexcore_checksums.txt cannot drift from the
// committed tarballs.
func TestHexCoreFixtureChecksumsAreHexCores(t *testing.T) {
	sums := readChecksums(t)
	var b strings.Builder
	b.WriteString(`Out = [begin {ok, Bin} = file:read_file(F), {ok, #{inner_checksum := I, outer_checksum := O}} = r3_hex_tarball:unpack(Bin, memory), ` +
		`io_lib:format("~s ~s ~s~n", [F, binary:encode_hex(I), binary:encode_hex(O)]) end || F <- [`)
	for i, fx := range hexCoreFixtures {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + fx.file + `"`)
	}
	b.WriteString(`]], io:put_chars(Out)`)
	out := erltest.Eval(t, "testdata", b.String())
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || sums[f[0]] != [2]string{f[1], f[2]} {
			t.Errorf("hex_core unpack reports %q, recorded %v", line, sums[f[0]])
		}
	}
}

// checkMetadata compares metadata ignoring nil-versus-empty slices and the
// order of links and requirements (hex_core sorts map keys).
func checkMetadata(t *testing.T, got, want Metadata) {
	t.Helper()
	norm := func(m Metadata) Metadata {
		m.Links = slices.Clone(m.Links)
		slices.SortFunc(m.Links, func(a, b Link) int { return strings.Compare(a.Name, b.Name) })
		m.Requirements = slices.Clone(m.Requirements)
		slices.SortFunc(m.Requirements, func(a, b Requirement) int { return strings.Compare(a.Name, b.Name) })
		for _, p := range []*[]string{&m.Licenses, &m.BuildTools, &m.Files} {
			if len(*p) == 0 {
				*p = nil
			}
		}
		if len(m.Links) == 0 {
			m.Links = nil
		}
		if len(m.Requirements) == 0 {
			m.Requirements = nil
		}
		m.Other = slices.Clone(m.Other)
		slices.SortStableFunc(m.Other, func(a, b Field) int { return strings.Compare(a.Key, b.Key) })
		return m
	}
	g, w := norm(got), norm(want)
	gExtra, wExtra := g.Extra, w.Extra
	gOther, wOther := g.Other, w.Other
	g.Extra, w.Extra, g.Other, w.Other = nil, nil, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("metadata\n got %+v\nwant %+v", g, w)
	}
	if !sameTerm(gExtra, wExtra) {
		t.Errorf("extra: got %#v, want %#v", gExtra, wExtra)
	}
	if len(gOther) != len(wOther) {
		t.Fatalf("other: got %#v, want %#v", gOther, wOther)
	}
	for i := range gOther {
		if gOther[i].Key != wOther[i].Key || !sameTerm(gOther[i].Value, wOther[i].Value) {
			t.Errorf("other %d: got %#v, want %#v", i, gOther[i], wOther[i])
		}
	}
}

// sameTerm compares terms treating a map and a proplist with the same pairs
// as equal (hex_core turns proplists into maps when it unpacks), and a char
// list as the list of its code points (Erlang's ~w prints it so).
func sameTerm(a, b term.Term) bool {
	return term.Equal(plain(a), plain(b))
}

func plain(t term.Term) term.Term {
	switch t := t.(type) {
	case term.Map:
		l := term.List{}
		for _, e := range t {
			l = append(l, term.Tuple{plain(e.Key), plain(e.Value)})
		}
		return l
	case term.Charlist:
		l := term.List{}
		for _, r := range string(t) {
			l = append(l, term.Integer(r))
		}
		return l
	case term.List:
		l := term.List{}
		for _, e := range t {
			l = append(l, plain(e))
		}
		return l
	case term.Tuple:
		l := term.Tuple{}
		for _, e := range t {
			l = append(l, plain(e))
		}
		return l
	}
	return t
}

// goldenMeta and goldenFiles feed the writer's golden file.
var goldenMeta = Metadata{
	Name:        "golden",
	Version:     "1.2.3-beta.1",
	App:         "golden",
	Description: "A package whose bytes never change.\nÜnïcødé — 日本語 ✓",
	Elixir:      "~> 1.14",
	Licenses:    []string{"MIT"},
	Links:       []Link{{"GitHub", "https://example.org/golden"}, {"Changelog", "https://example.org/golden/CHANGELOG.md"}},
	Requirements: []Requirement{
		{Name: "jason", App: "jason", Requirement: "~> 1.4", Optional: true},
		{Name: "private_dep", App: "private_dep", Requirement: ">= 0.1.0 and < 0.3.0", Repository: "acme"},
	},
	BuildTools: []string{"mix"},
	Files:      []string{"lib/golden.ex", "mix.exs", "priv/run.sh"},
	Extra:      term.List{term.Tuple{term.Binary("note"), term.Binary("x")}},
	Other:      []Field{{"custom", term.List{term.Integer(1), term.Atom("true"), term.Charlist("chars")}}},
}

var goldenFiles = []File{
	{Name: "mix.exs", Data: []byte("defmodule Golden.MixProject do\nend\n")},
	{Name: "priv/run.sh", Mode: 0o755, Data: []byte("#!/bin/sh\necho hi\n")},
	{Name: "lib/golden.ex", Data: []byte("defmodule Golden do\n  def hi, do: :hi\nend\n")},
}

func TestCreateGolden(t *testing.T) {
	tarball, inner, outer, err := Create(goldenMeta, goldenFiles)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "create_golden.tar")
	if *update {
		if err := os.WriteFile(path, tarball, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tarball, want) {
		t.Fatalf("Create output differs from %s (%d vs %d bytes); if intended (e.g. a Go compress/flate change), run go test ./hextar -run TestCreateGolden -update", path, len(tarball), len(want))
	}
	if outer != sha256.Sum256(tarball) {
		t.Error("outer checksum is not the SHA-256 of the tarball")
	}
	// Deterministic: same input, same bytes, whatever the file order.
	reversed := slices.Clone(goldenFiles)
	slices.Reverse(reversed)
	again, inner2, _, err := Create(goldenMeta, reversed)
	if err != nil || !bytes.Equal(again, tarball) || inner2 != inner {
		t.Fatalf("Create is not deterministic: %v", err)
	}
	p, err := Read(bytes.NewReader(tarball), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if p.InnerChecksum != inner || p.OuterChecksum != outer {
		t.Error("Read reports other checksums than Create")
	}
	if !slices.Equal(p.Files, []string{"lib/golden.ex", "mix.exs", "priv/run.sh"}) {
		t.Errorf("files %q", p.Files)
	}
	checkMetadata(t, p.Metadata, goldenMeta)
}

// createCases are packages that hex_core must unpack to the same thing.
func createCases() map[string]struct {
	meta  Metadata
	files []File
} {
	many := []File{}
	for i := range 300 {
		many = append(many, File{Name: "lib/deep/er/mod" + strings.Repeat("x", i%50) + "_" + hex.EncodeToString([]byte{byte(i), byte(i >> 8)}) + ".ex", Data: bytes.Repeat([]byte{byte(i)}, i*13)})
	}
	return map[string]struct {
		meta  Metadata
		files []File
	}{
		"golden.tar":  {goldenMeta, goldenFiles},
		"minimal.tar": {Metadata{Name: "mini", Version: "0.0.1"}, nil},
		"many.tar": {Metadata{Name: "many", Version: "10.20.30", Description: strings.Repeat("long text ", 500),
			Files: []string{"lib"}, Links: []Link{}, Other: []Field{{"binary_blob", term.Binary("\x00\x01\xff\xfe caf\xe9")}}}, many},
		"longname.tar": {Metadata{Name: "longname", Version: "1.0.0"}, []File{
			{Name: strings.Repeat("a", 99) + "/" + strings.Repeat("b", 99) + ".txt", Data: []byte("ustar prefix")},
			{Name: strings.Repeat("c/", 120) + "deep.txt", Data: []byte("pax")},
			{Name: "ünïcødé/名前.txt", Data: []byte("utf8 name")},
		}},
	}
}

// TestHexCoreUnpacksCreate has hex_core (r3_hex_tarball:unpack) read
// Create's tarballs and report checksums, files and metadata.
func TestHexCoreUnpacksCreate(t *testing.T) {
	erltest.Require(t)
	dir := t.TempDir()
	type made struct {
		inner, outer [32]byte
		meta         Metadata
		files        []File
	}
	results := map[string]made{}
	var names []string
	for name, c := range createCases() {
		tarball, inner, outer, err := Create(c.meta, c.files)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), tarball, 0o644); err != nil {
			t.Fatal(err)
		}
		results[name] = made{inner, outer, c.meta, c.files}
		names = append(names, `"`+name+`"`)
	}
	erltest.Eval(t, dir, `
		lists:foreach(fun(F) ->
			{ok, Bin} = file:read_file(F),
			{ok, #{inner_checksum := I, outer_checksum := O, metadata := M, contents := C}} = r3_hex_tarball:unpack(Bin, memory),
			Sums = io_lib:format("~s ~s~n", [binary:encode_hex(I), binary:encode_hex(O)]),
			Files = [io_lib:format("~s ~s~n", [binary:encode_hex(crypto:hash(sha256, unicode:characters_to_binary(N))), binary:encode_hex(crypto:hash(sha256, D))]) || {N, D} <- lists:sort(C)],
			ok = file:write_file(F ++ ".sums", [Sums | Files]),
			Meta = [io_lib:format("~tw.~n", [KV]) || KV <- lists:sort(maps:to_list(M))],
			ok = file:write_file(F ++ ".meta", unicode:characters_to_binary(Meta))
		end, [`+strings.Join(names, ",")+`])`)
	for name, r := range results {
		t.Run(name, func(t *testing.T) {
			sums, err := os.ReadFile(filepath.Join(dir, name+".sums"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
			want := strings.ToUpper(Hex(r.inner) + " " + Hex(r.outer))
			if lines[0] != want {
				t.Errorf("hex_core checksums %s, Create returned %s", lines[0], want)
			}
			var wantFiles []string
			sorted := slices.Clone(r.files)
			slices.SortFunc(sorted, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
			for _, f := range sorted {
				n, d := sha256.Sum256([]byte(f.Name)), sha256.Sum256(f.Data)
				wantFiles = append(wantFiles, strings.ToUpper(Hex(n)+" "+Hex(d)))
			}
			if got := lines[1:]; !slices.Equal(got, wantFiles) && !(len(got) == 0 && len(wantFiles) == 0) {
				t.Errorf("hex_core unpacked %d files %q, want %q", len(got), got, wantFiles)
			}
			metaText, err := os.ReadFile(filepath.Join(dir, name+".meta"))
			if err != nil {
				t.Fatal(err)
			}
			m, err := ParseMetadata(metaText, DefaultLimits)
			if err != nil {
				t.Fatalf("reading hex_core's view of the metadata: %v\n%s", err, metaText)
			}
			want2 := r.meta
			if want2.Links == nil {
				want2.Links = []Link{}
			}
			checkMetadata(t, m, want2)
		})
	}
}
