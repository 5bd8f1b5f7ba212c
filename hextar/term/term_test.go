package term

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/depot-registry/depot/hextar/internal/erltest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	erltest.Cleanup()
	os.Exit(code)
}

func mustParse(t *testing.T, s string) []Term {
	t.Helper()
	ts, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return ts
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		in   string
		want Term
	}{
		{`<<"name">>.`, Binary("name")},
		{`<<>>.`, Binary("")},
		{`<<"a\nb\t\"\\">>.`, Binary("a\nb\t\"\\")},
		{`<<"caf\303\251">>.`, Binary("caf\xc3\xa9")},
		{`<<"café">>.`, Binary("caf\xe9")},          // latin1 segment
		{`<<"café"/utf8>>.`, Binary("caf\xc3\xa9")}, // utf8 segment
		{`<<"日本"/utf8>>.`, Binary("日本")},
		{`<<1,2,255>>.`, Binary("\x01\x02\xff")},
		{`<<"ab" "cd", 0, "é"/utf8>>.`, Binary("abcd\x00\xc3\xa9")},
		{`<< "x" / utf8 >>.`, Binary("x")},
		{`"chars".`, Charlist("chars")},
		{`"".`, Charlist("")},
		{`"a" "b"  "c".`, Charlist("abc")},
		{`"\^A\s\d\e\101\'".`, Charlist("\x01 \x7f\x1bA'")},
		{`"\z".`, Charlist("z")},
		{`true.`, Atom("true")},
		{`nil.`, Atom("nil")},
		{`foo@Bar_9.`, Atom("foo@Bar_9")},
		{`'Hello world'.`, Atom("Hello world")},
		{`'end'.`, Atom("end")},
		{`''.`, Atom("")},
		{`42.`, Integer(42)},
		{`-42.`, Integer(-42)},
		{`+ 7.`, Integer(7)},
		{`- 7.`, Integer(-7)},
		{`9223372036854775807.`, Integer(math.MaxInt64)},
		{`-9223372036854775808.`, Integer(math.MinInt64)},
		{`1.5.`, Float(1.5)},
		{`-2.5e-3.`, Float(-2.5e-3)},
		{`1.0E10.`, Float(1e10)},
		{`{}.`, Tuple{}},
		{`{a, 1}.`, Tuple{Atom("a"), Integer(1)}},
		{`[].`, List{}},
		{`[1, [2], {3}].`, List{Integer(1), List{Integer(2)}, Tuple{Integer(3)}}},
		{`#{}.`, Map{}},
		{`#{<<"k">> => [true], 1 => #{}}.`, Map{{Binary("k"), List{Atom("true")}}, {Integer(1), Map{}}}},
		{"% comment\n{a, % inside\n b}. % after", Tuple{Atom("a"), Atom("b")}},
	}
	for _, tt := range tests {
		ts, err := Parse([]byte(tt.in))
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if len(ts) != 1 || !Equal(ts[0], tt.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", tt.in, ts, tt.want)
		}
	}
}

func TestParseSequence(t *testing.T) {
	ts := mustParse(t, "{<<\"name\">>,<<\"foo\">>}.\n{<<\"version\">>,<<\"1.0.0\">>}.\n\n")
	if len(ts) != 2 {
		t.Fatalf("got %d terms", len(ts))
	}
	if ts := mustParse(t, "  \n"); len(ts) != 0 {
		t.Fatalf("blank input gave %v", ts)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{`{a, b}`, "expected '.'"},
		{`{a, b.`, "expected ',' or '}'"},
		{`{a,}.`, "expected a term"},
		{`[1|2].`, "improper lists"},
		{`Foo.`, "variables are not allowed"},
		{`_.`, "variables are not allowed"},
		{`end.`, "reserved word"},
		{`<<"abc>>.`, "unterminated string"},
		{`'abc.`, "unterminated quoted atom"},
		{`<<256>>.`, "not a byte"},
		{`<<"日">>.`, "does not fit in a byte"},
		{`<<"a"/binary>>.`, "utf8 after '/'"},
		{`<<a>>.`, "a string or a byte"},
		{`"\x41".`, `\x escapes`},
		{`"\12".`, "exactly three digits"},
		{`"\1".`, "exactly three digits"},
		{"\"\\\n\".", "whitespace"},
		{`"abc\`, "unterminated escape"},
		{`16#FF.`, "plain decimal"},
		{`1_000.`, "plain decimal"},
		{`99999999999999999999.`, "64-bit"},
		{`#rec{}.`, "records are not supported"},
		{`#{a b}.`, "expected '=>'"},
		{`fun() -> ok end.`, "reserved word"},
		{`self().`, "expected '.'"},
		{`$a.`, "expected a term"},
		{"<<\"\xff\">>.", "not valid UTF-8"},
		{"'" + strings.Repeat("a", 256) + "'.", "longer than 255"},
		{`-.`, "expected a number"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a SyntaxError", tt.in, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Parse(%q) error %q does not mention %q", tt.in, err, tt.msg)
		}
	}
}

func TestParseErrorPosition(t *testing.T) {
	_, err := Parse([]byte("{a, 1}.\n{b, 'é', Bad}."))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 2 || se.Column != 10 {
		t.Fatalf("error %v, want line 2 column 10", err)
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200) + "."
	if _, err := Parse([]byte(deep)); !errors.Is(err, ErrLimit) {
		t.Errorf("deep nesting: %v, want ErrLimit", err)
	}
	deepBin := strings.Repeat("{", 99) + "<<>>" + strings.Repeat("}", 99) + "."
	if _, err := Parse([]byte(deepBin)); !errors.Is(err, ErrLimit) {
		t.Errorf("binary at depth limit: %v, want ErrLimit", err)
	}
	ok := strings.Repeat("[", 50) + strings.Repeat("]", 50) + "."
	if _, err := Parse([]byte(ok)); err != nil {
		t.Errorf("depth 50: %v", err)
	}
	many := "[" + strings.Repeat("1,", 2000) + "1]."
	if _, err := ParseWith([]byte(many), Options{Limits: Limits{MaxNodes: 1000}}); !errors.Is(err, ErrLimit) {
		t.Errorf("node limit: %v", err)
	}
	if _, err := ParseWith([]byte(many), Options{Limits: Limits{MaxSize: 100}}); !errors.Is(err, ErrLimit) {
		t.Errorf("size limit: %v", err)
	}
}

func TestHexDialect(t *testing.T) {
	good := `{<<"requirements">>,[{<<"a">>,[{<<"optional">>,false},{<<"x">>,nil},{<<"y">>,true}]}]}.` +
		"\n" + `{<<"k">>, #{<<"m">> => [-1, "str", 'true']}}.`
	if _, err := ParseWith([]byte(good), Options{Hex: true}); err != nil {
		t.Fatalf("hex dialect refused %q: %v", good, err)
	}
	for _, tt := range []struct{ in, msg string }{
		{"% c\n{a}.", "comments are not allowed"},
		{`{<<"k">>, 1.5}.`, "floats are not allowed"},
		{`{<<"k">>, ok}.`, "atom ok is not allowed"},
		{`{<<"k">>, 'Hello'}.`, "atom 'Hello' is not allowed"},
	} {
		_, err := ParseWith([]byte(tt.in), Options{Hex: true})
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("hex ParseWith(%q) = %v, want %q", tt.in, err, tt.msg)
		}
		if _, err := Parse([]byte(tt.in)); err != nil {
			t.Errorf("full dialect Parse(%q): %v", tt.in, err)
		}
	}
	if err := ValidateHex(List{Atom("true"), Map{{Binary("k"), Float(1)}}}); err == nil || !strings.Contains(err.Error(), "float") {
		t.Errorf("ValidateHex float: %v", err)
	}
	if err := ValidateHex(Tuple{Atom("error")}); err == nil {
		t.Error("ValidateHex accepted atom error")
	}
	if err := ValidateHex(Tuple{Binary("x"), List{Atom("nil"), Integer(1), Charlist("s")}}); err != nil {
		t.Errorf("ValidateHex: %v", err)
	}
}

// sample holds terms that exercise every formatting rule.
func sample() []Term {
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	var ascii strings.Builder
	for c := 0; c < 128; c++ {
		ascii.WriteByte(byte(c))
	}
	return []Term{
		Tuple{Binary("name"), Binary("foo")},
		Tuple{Binary("description"), Binary("Line one\nLine \"two\" with \\ and\ttab — café 日本語 🎉")},
		Tuple{Binary("all_bytes"), Binary(allBytes)},
		Tuple{Binary("ascii"), Binary(ascii.String())},
		Tuple{Binary("ascii_chars"), Charlist(ascii.String())},
		Tuple{Binary("latin1"), Binary("caf\xe9")},
		Tuple{Binary("invalid_utf8"), Binary("\xc3\x28")},
		Tuple{Binary("unicode_chars"), Charlist("ünïcødé 日本 \u0085 \U0001F600")},
		Tuple{Binary("empty"), List{Binary(""), Charlist(""), List{}, Tuple{}, Map{}}},
		Tuple{Binary("atoms"), List{Atom("true"), Atom("false"), Atom("nil"), Atom("ok"), Atom("end"),
			Atom("Upper"), Atom("with space"), Atom("quote'and\\slash"), Atom(""), Atom("a@b_C9"), Atom("日本")}},
		Tuple{Binary("ints"), List{Integer(0), Integer(-1), Integer(math.MaxInt64), Integer(math.MinInt64)}},
		Tuple{Binary("floats"), List{Float(1.5), Float(-0.0), Float(0), Float(1e21), Float(1e-7),
			Float(math.MaxFloat64), Float(math.SmallestNonzeroFloat64), Float(100000), Float(-123.456)}},
		Tuple{Binary("requirements"), List{Tuple{Binary("bar"), List{
			Tuple{Binary("app"), Binary("bar")}, Tuple{Binary("optional"), Atom("false")},
			Tuple{Binary("requirement"), Binary("~> 1.0")}}}}},
		Tuple{Binary("map"), Map{{Binary("k"), List{Integer(1)}}, {Integer(2), Map{{Atom("x"), Tuple{}}}}}},
		List{List{List{List{Tuple{Tuple{Binary("deep")}}}}}},
	}
}

func TestFormatRoundTrip(t *testing.T) {
	in := sample()
	text, err := Format(in...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(Format): %v\n%s", err, text)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d terms, want %d", len(out), len(in))
	}
	for i := range in {
		if !Equal(in[i], out[i]) {
			t.Errorf("term %d: got %#v, want %#v", i, out[i], in[i])
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		if !strings.HasSuffix(line, ".") {
			t.Errorf("line %q does not end with a dot", line)
		}
	}
}

func TestFormatText(t *testing.T) {
	tests := []struct {
		t    Term
		want string
	}{
		{Tuple{Binary("name"), Binary("foo")}, `{<<"name">>,<<"foo">>}`},
		{Binary("café"), `<<"café"/utf8>>`},
		{Binary("caf\xe9"), `<<"caf\351">>`},
		{Binary("a\x00\n"), `<<"a\000\n">>`},
		{Charlist("x\"y"), `"x\"y"`},
		{Atom("end"), `'end'`},
		{Atom("it's"), `'it\'s'`},
		{Float(1e21), `1.0e+21`},
		{Float(3), `3.0`},
		{Map{{Atom("a"), Integer(1)}}, `#{a => 1}`},
	}
	for _, tt := range tests {
		got, err := FormatTerm(tt.t)
		if err != nil || got != tt.want {
			t.Errorf("FormatTerm(%#v) = %q, %v; want %q", tt.t, got, err, tt.want)
		}
	}
	for _, bad := range []Term{nil, Float(math.NaN()), Float(math.Inf(1)), Atom("\xff"), Charlist("\xff"),
		Atom(strings.Repeat("a", 256)), List{nil}} {
		if _, err := FormatTerm(bad); err == nil {
			t.Errorf("FormatTerm(%#v) succeeded", bad)
		}
	}
}

// normalize makes a term comparable with what Erlang prints with ~tw:
// char lists become lists of integers and maps are sorted by key text.
func normalize(t Term) Term {
	switch t := t.(type) {
	case Charlist:
		l := List{}
		for _, r := range string(t) {
			l = append(l, Integer(r))
		}
		return l
	case Tuple:
		out := Tuple{}
		for _, e := range t {
			out = append(out, normalize(e))
		}
		return out
	case List:
		out := List{}
		for _, e := range t {
			out = append(out, normalize(e))
		}
		return out
	case Map:
		out := Map{}
		for _, e := range t {
			out = append(out, MapEntry{normalize(e.Key), normalize(e.Value)})
		}
		slices.SortFunc(out, func(a, b MapEntry) int {
			ka, _ := FormatTerm(a.Key)
			kb, _ := FormatTerm(b.Key)
			return strings.Compare(ka, kb)
		})
		return out
	}
	return t
}

// TestErlangReadsFormat proves that Erlang's file:consult/1 and hex_core's
// safe_erl_term read Format's output as the same terms we wrote. Erlang
// prints what it read with ~tw, which we parse back and compare.
func TestErlangReadsFormat(t *testing.T) {
	erltest.Require(t)
	dir := t.TempDir()
	all := sample()
	var hexOK []Term
	for _, tm := range all {
		if ValidateHex(tm) == nil {
			hexOK = append(hexOK, tm)
		}
	}
	if len(hexOK) < 8 {
		t.Fatalf("only %d sample terms are Hex-compatible", len(hexOK))
	}
	for name, terms := range map[string][]Term{"all.config": all, "hex.config": hexOK} {
		text, err := Format(terms...)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	erltest.Eval(t, dir, `
		Print = fun(File, Terms) ->
			ok = file:write_file(File, unicode:characters_to_binary([io_lib:format("~tw.~n", [T]) || T <- Terms]))
		end,
		{ok, All} = file:consult("all.config"),
		Print("all.out", All),
		{ok, HexBin} = file:read_file("hex.config"),
		{ok, HexConsult} = file:consult("hex.config"),
		HexStr = unicode:characters_to_list(HexBin),
		{ok, Tokens, _} = r3_safe_erl_term:string(HexStr),
		HexSafe = r3_safe_erl_term:terms(Tokens),
		HexSafe = HexConsult,
		Print("hex.out", HexSafe)`)
	for name, want := range map[string][]Term{"all.out": all, "hex.out": hexOK} {
		out, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(out)
		if err != nil {
			t.Fatalf("parsing Erlang's %s: %v\n%s", name, err, out)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: Erlang read %d terms, want %d", name, len(got), len(want))
		}
		for i := range want {
			if !Equal(normalize(got[i]), normalize(want[i])) {
				t.Errorf("%s term %d: Erlang read %#v, want %#v", name, i, got[i], want[i])
			}
		}
	}
}

func FuzzParseTerms(f *testing.F) {
	for _, s := range []string{
		`{<<"name">>,<<"foo">>}.`,
		"{<<\"requirements\">>,\n [{<<\"bar\">>,\n   [{<<\"app\">>,<<\"bar\">>},\n    {<<\"optional\">>,false}]}]}.\n",
		`{<<"description">>,<<"caf\303\251 \"q\" \\"/utf8>>}.`,
		`[1, -2, 3.5e10, "str" "cat", 'atom', #{k => v}, {}, <<1,2>>].`,
		"% comment\nx. y.",
		`<<"a">>`,
	} {
		f.Add([]byte(s))
	}
	text, _ := Format(sample()...)
	f.Add(text)
	f.Fuzz(func(t *testing.T, data []byte) {
		terms, err := ParseWith(data, Options{Limits: Limits{MaxDepth: 40, MaxNodes: 10000}})
		hexTerms, hexErr := ParseWith(data, Options{Hex: true, Limits: Limits{MaxDepth: 40, MaxNodes: 10000}})
		if hexErr == nil {
			// The Hex dialect is a subset with the same meaning.
			if err != nil || len(hexTerms) != len(terms) {
				t.Fatalf("hex dialect accepted what the full dialect refused: %v", err)
			}
			for i := range terms {
				if !Equal(terms[i], hexTerms[i]) || ValidateHex(terms[i]) != nil {
					t.Fatalf("hex dialect term %d differs", i)
				}
			}
		}
		if err != nil {
			return
		}
		text, err := Format(terms...)
		if err != nil {
			t.Fatalf("Format of parsed terms: %v", err)
		}
		again, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(Format(t)): %v\n%s", err, text)
		}
		if len(again) != len(terms) {
			t.Fatalf("round trip changed the term count")
		}
		for i := range terms {
			if !Equal(terms[i], again[i]) {
				t.Fatalf("round trip changed term %d: %#v -> %#v", i, terms[i], again[i])
			}
		}
	})
}
