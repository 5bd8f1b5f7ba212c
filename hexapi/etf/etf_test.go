package etf

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/depot-registry/depot/internal/hexcore"
)

var goldens = []struct {
	file string
	want any
	erl  string // the Erlang term Encode(want) must equal under binary_to_term
}{
	{"error_422", map[string]any{"status": int64(422), "message": "Validation error(s)",
		"errors": map[string]any{"name": "has already been taken"}},
		`#{<<"status">> => 422, <<"message">> => <<"Validation error(s)">>, <<"errors">> => #{<<"name">> => <<"has already been taken">>}}`},
	{"list_of_maps", []any{
		map[string]any{"name": "decimal", "downloads": int64(123456)},
		map[string]any{"name": "jason", "downloads": int64(70000)}},
		`[#{<<"name">> => <<"decimal">>, <<"downloads">> => 123456}, #{<<"name">> => <<"jason">>, <<"downloads">> => 70000}]`},
	{"key_create", map[string]any{"name": "ci", "permissions": []any{
		map[string]any{"domain": "api", "resource": "write"}}},
		`#{<<"name">> => <<"ci">>, <<"permissions">> => [#{<<"domain">> => <<"api">>, <<"resource">> => <<"write">>}]}`},
	{"retire", map[string]any{"reason": "security", "message": "CVE-2026-1"},
		`#{<<"reason">> => <<"security">>, <<"message">> => <<"CVE-2026-1">>}`},
	{"owner", map[string]any{"level": "full", "transfer": true},
		`#{<<"level">> => <<"full">>, <<"transfer">> => true}`},
	{"scalars", []any{int64(0), int64(255), int64(256), int64(-1), int64(2147483647),
		int64(-2147483648), int64(2147483648), int64(9223372036854775807),
		int64(-9223372036854775808), 1.5, -0.25, true, false, nil, []any{}, "abc", "",
		Tuple{Atom("ok"), "x"}},
		// STRING_EXT "abc" decodes to a string, which Depot encodes as a binary.
		`[0, 255, 256, -1, 2147483647, -2147483648, 2147483648, 9223372036854775807, -9223372036854775808, 1.5, -0.25, true, false, nil, [], <<"abc">>, <<>>, {ok, <<"x">>}]`},
	{"atom_value", map[string]any{"name": Atom("decimal")}, `#{<<"name">> => decimal}`},
}

func TestDecodeGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", g.file+".etf"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, g.want) {
				t.Fatalf("got %#v\nwant %#v", got, g.want)
			}
		})
	}
}

// TestEncodeAcceptedByErlang hands Depot's bytes to real Erlang's binary_to_term
// and compares with the expected term there, since map key order differs.
func TestEncodeAcceptedByErlang(t *testing.T) {
	// hexcore.Eval runs the machine's erl (the test command installs it) and
	// fails the test, never skips, when it is missing.
	var checks []string
	for _, g := range goldens {
		b, err := Encode(g.want)
		if err != nil {
			t.Fatalf("%s: %v", g.file, err)
		}
		checks = append(checks, `case binary_to_term(`+hexcore.Binary(b)+`, [safe]) =:= (`+g.erl+`) of `+
			`true -> io:format("ok ~s~n", ["`+g.file+`"]); false -> io:format("MISMATCH ~s~n", ["`+g.file+`"]) end`)
	}
	out := hexcore.Eval(t, strings.Join(checks, ", "))
	for _, g := range goldens {
		if !strings.Contains(out, "ok "+g.file+"\n") {
			t.Errorf("%s not accepted by Erlang:\n%s", g.file, out)
		}
	}
}

func TestEncodeDeterministic(t *testing.T) {
	v := map[string]any{"b": int64(1), "a": "x", "c": []any{nil}}
	first, _ := Encode(v)
	for range 20 {
		b, _ := Encode(v)
		if !bytes.Equal(b, first) {
			t.Fatal("map encoding not deterministic")
		}
	}
	want := []byte{131, 116, 0, 0, 0, 3, 109, 0, 0, 0, 1, 'a', 109, 0, 0, 0, 1, 'x'}
	if !bytes.HasPrefix(first, want) {
		t.Fatalf("keys not sorted: %v", first)
	}
}

func deep(n int) []byte {
	b := []byte{131}
	for range n {
		b = append(b, 108, 0, 0, 0, 1)
	}
	b = append(b, 106)
	for range n {
		b = append(b, 106)
	}
	return b
}

func TestDecodeMalformed(t *testing.T) {
	owner, _ := os.ReadFile("testdata/owner.etf")
	tests := []struct {
		name, in, reason string
	}{
		{"empty", "", "empty body"},
		{"truncated", string(owner[:len(owner)-3]), "truncated"},
		{"wrong version", "\x82\x61\x01", "version byte 130"},
		{"json", `{"name":"x"}`, "looks like JSON"},
		{"binary length past end", "\x83\x6d\xff\xff\xff\xf0ab", "exceeds the body"},
		{"list length past end", "\x83\x6c\x00\x00\x00\x05\x6a", "truncated"},
		{"map count past end", "\x83\x74\x00\x10\x00\x00", "exceeds the body"},
		{"nesting past bound", string(deep(40)), "nesting deeper than 32"},
		{"trailing bytes", "\x83\x61\x01\x00", "trailing"},
		{"compressed", "\x83\x50\x00\x00\x00\x01x", "compressed"},
		{"pid", "\x83\x58\x77\x00", "term type 88"},
		{"atom key", "\x83\x74\x00\x00\x00\x01\x77\x01a\x61\x01", "map key is not a binary"},
		{"improper list", "\x83\x6c\x00\x00\x00\x01\x61\x01\x61\x02", "improper list"},
		{"big past int64", "\x83\x6e\x09\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01", "int64 range"},
		{"duplicate key", "\x83\x74\x00\x00\x00\x02\x6d\x00\x00\x00\x01a\x61\x01\x6d\x00\x00\x00\x01a\x61\x02", "duplicate"},
		{"too large", strings.Repeat("x", 17), "exceeds the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in), opts(tt.name))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want *Error, got %v", err)
			}
			if !strings.Contains(e.Reason, tt.reason) {
				t.Fatalf("reason %q, want it to contain %q", e.Reason, tt.reason)
			}
		})
	}
}

func opts(name string) Options {
	if name == "too large" {
		return Options{MaxSize: 16}
	}
	return Options{}
}

func TestAtomWhereBinaryBelongs(t *testing.T) {
	b, _ := os.ReadFile("testdata/atom_value.etf")
	m, err := DecodeMap(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, present, err := String(m, "name")
	var e *Error
	if !present || !errors.As(err, &e) || !strings.Contains(e.Reason, "atom") {
		t.Fatalf("want atom refused, got present=%v err=%v", present, err)
	}
	b, _ = os.ReadFile("testdata/owner.etf")
	m, _ = DecodeMap(b, Options{})
	if s, _, err := String(m, "level"); err != nil || s != "full" {
		t.Fatalf("level = %q, %v", s, err)
	}
	if v, _, err := Bool(m, "transfer"); err != nil || !v {
		t.Fatalf("transfer = %v, %v", v, err)
	}
	if _, err := DecodeMap([]byte{131, 97, 1}, Options{}); err == nil {
		t.Fatal("integer body accepted as map")
	}
}

func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Decode(b, Options{})
		if err != nil {
			return
		}
		enc, err := Encode(v)
		if err != nil {
			t.Fatalf("decoded %#v but cannot encode: %v", v, err)
		}
		v2, err := Decode(enc, Options{})
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("round trip: %#v != %#v", v, v2)
		}
	})
}
