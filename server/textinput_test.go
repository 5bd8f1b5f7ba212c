package server_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/depot-registry/depot/graph/generated"
	"github.com/depot-registry/depot/server/servertest"
)

// textCase is one operation setting one string argument (or input field)
// of one root field to a bad value, all other required inputs to harmless
// ones.
type textCase struct {
	name, query, leaf string
	upload            bool // the operation needs an Upload in $f
}

// textCases walks the schema: every String or ID argument of every query
// and mutation field, nested input objects and lists included, so a field
// added later is covered without editing this test.
func textCases(t *testing.T) []textCase {
	t.Helper()
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	var cases []textCase
	for _, root := range []*ast.Definition{s.Query, s.Mutation} {
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			done := map[string]bool{}
			for _, a := range f.Arguments {
				for _, path := range stringLeaves(s, a.Type, done, 0) {
					full := append([]string{a.Name}, path...)
					b := &docBuilder{schema: s}
					args := b.fields(f.Arguments, full)
					sel := ""
					if d := s.Types[f.Type.Name()]; d.Kind == ast.Object || d.Kind == ast.Interface || d.Kind == ast.Union {
						sel = " { __typename }"
					}
					vars := "$bad: String!"
					if b.badType != "" {
						vars = "$bad: " + b.badType + "!"
					}
					if b.upload {
						vars += ", $f: Upload!"
					}
					op := string(root.Name[0:1])
					kind := map[string]string{"Q": "query", "M": "mutation"}[op]
					cases = append(cases, textCase{
						name:   f.Name + "." + strings.Join(full, "."),
						query:  fmt.Sprintf("%s(%s) { %s%s%s }", kind, vars, f.Name, args, sel),
						leaf:   full[len(full)-1],
						upload: b.upload,
					})
				}
			}
		}
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].name < cases[j].name })
	return cases
}

// stringLeaves lists the paths to String and ID values inside a value of
// type t. Each input type is walked once per root field (the Ent filter
// inputs nest without end).
func stringLeaves(s *ast.Schema, t *ast.Type, done map[string]bool, depth int) [][]string {
	for t.Elem != nil {
		t = t.Elem
	}
	d := s.Types[t.NamedType]
	switch {
	case d.Kind == ast.Scalar && (d.Name == "String" || d.Name == "ID"):
		return [][]string{{}}
	case d.Kind != ast.InputObject || done[d.Name] || depth > 3:
		return nil
	}
	done[d.Name] = true
	var out [][]string
	for _, f := range d.Fields {
		for _, p := range stringLeaves(s, f.Type, done, depth+1) {
			out = append(out, append([]string{f.Name}, p...))
		}
	}
	return out
}

// docBuilder renders argument literals: required inputs get placeholder
// values, the target path gets $bad.
type docBuilder struct {
	schema  *ast.Schema
	upload  bool
	badType string
}

func (b *docBuilder) fields(defs ast.ArgumentDefinitionList, target []string) string {
	var parts []string
	for _, a := range defs {
		if len(target) > 0 && a.Name == target[0] {
			parts = append(parts, a.Name+": "+b.literal(a.Type, target[1:], true))
		} else if a.Type.NonNull && a.DefaultValue == nil {
			parts = append(parts, a.Name+": "+b.literal(a.Type, nil, false))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (b *docBuilder) literal(t *ast.Type, rest []string, target bool) string {
	if t.Elem != nil {
		return "[" + b.literal(t.Elem, rest, target) + "]"
	}
	d := b.schema.Types[t.NamedType]
	if target && len(rest) == 0 {
		b.badType = d.Name
		return "$bad"
	}
	switch d.Kind {
	case ast.Enum:
		return d.EnumValues[0].Name
	case ast.InputObject:
		var parts []string
		for _, f := range d.Fields {
			if target && f.Name == rest[0] {
				parts = append(parts, f.Name+": "+b.literal(f.Type, rest[1:], true))
			} else if f.Type.NonNull && f.DefaultValue == nil {
				parts = append(parts, f.Name+": "+b.literal(f.Type, nil, false))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	switch d.Name {
	case "Int", "Float":
		return "1"
	case "Boolean":
		return "false"
	case "Time":
		return `"2026-01-01T00:00:00Z"`
	case "Map":
		return "{}"
	case "Upload":
		b.upload = true
		return "$f"
	}
	return `"x"`
}

// A NUL, invalid UTF-8 or a control character in any string input of any
// root field is BAD_USER_INPUT naming the field, on SQLite and PostgreSQL
// alike (PostgreSQL used to answer INTERNAL, SQLite stored the NUL), and
// nothing is stored. Multi-line fields take tab and line breaks.
func TestTextInputRefused(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("tess")
	c.Do(createOrgDoc, map[string]any{"n": "tessorg"}).MustOK(t)
	cases := textCases(t)
	if len(cases) < 40 {
		t.Fatalf("only %d string inputs found in the schema", len(cases))
	}
	before := snapshot(t, env)
	for _, tc := range cases {
		for _, bad := range []string{"a\x00b", "bell\x07"} {
			t.Run(tc.name+fmt.Sprintf("/%q", bad), func(t *testing.T) {
				vars := map[string]any{"bad": bad}
				var r *servertest.Result
				if tc.upload {
					r = c.Upload(tc.query, vars, "f", []byte("not a tarball"))
				} else {
					r = c.Do(tc.query, vars)
				}
				wantCode(t, r, "BAD_USER_INPUT")
				if f, _ := r.Errors[0].Extensions["field"].(string); f != tc.leaf {
					t.Fatalf("%s: field %q, want %q: %s", tc.query, f, tc.leaf, r.Raw)
				}
			})
		}
	}
	unchanged(t, env, before)

	// Invalid UTF-8 can only arrive raw, in a GET's query text (JSON
	// decoding replaces it); the parser refuses it.
	resp := c.Get("/graphql?query="+url.QueryEscape(`{package(name:"a\xffb"){name}}`), nil)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `"BAD_USER_INPUT"`) {
		t.Fatalf("invalid UTF-8: %d %s", resp.StatusCode, body)
	}
	unchanged(t, env, before)

	// Free text keeps its line breaks and tabs.
	r := c.Do(`mutation($a: String) { updateBillingProfile(input: {organization: "tessorg", email: "b@example.com", name: "Tess", country: "DE", company: false, address: $a}) { billingProfile { address } } }`,
		map[string]any{"a": "Street 1\n\t12345 Town\r\n"})
	r.MustOK(t)
	if !strings.Contains(string(r.Data), `Street 1\n\t12345 Town`) {
		t.Fatalf("address not kept: %s", r.Raw)
	}
}

// A tarball whose metadata description holds a NUL is refused as an
// invalid tarball (BAD_USER_INPUT, field "tarball") on both databases.
func TestPublishRefusesNULInDescription(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("tess")
	// Built by hand: hextar.Create refuses such metadata too.
	tar := rawTarball(t, "{<<\"name\">>,<<\"nulpkg\">>}.\n{<<\"version\">>,<<\"1.0.0\">>}.\n"+
		"{<<\"description\">>,<<\"has a \\000 in it\">>}.\n{<<\"build_tools\">>,[<<\"mix\">>]}.\n")
	before := snapshot(t, env)
	r := c.Publish(tar, nil)
	wantCode(t, r, "BAD_USER_INPUT")
	if f, _ := r.Errors[0].Extensions["field"].(string); f != "tarball" || !strings.Contains(r.Errors[0].Message, "NUL") {
		t.Fatalf("refusal %s", r.Raw)
	}
	unchanged(t, env, before)
}

// rawTarball builds a Hex v3 tarball around metadata.config text as given.
func rawTarball(t *testing.T, meta string) []byte {
	t.Helper()
	entries := func(files ...[2]string) []byte {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for _, f := range files {
			if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg}); err != nil {
				t.Fatal(err)
			}
			_, _ = tw.Write([]byte(f[1]))
		}
		_ = tw.Close()
		return b.Bytes()
	}
	var contents bytes.Buffer
	zw := gzip.NewWriter(&contents)
	_, _ = zw.Write(entries([2]string{"lib/a.ex", "x"}))
	_ = zw.Close()
	sum := sha256.Sum256([]byte("3" + meta + contents.String()))
	return entries([2]string{"VERSION", "3"}, [2]string{"CHECKSUM", strings.ToUpper(hex.EncodeToString(sum[:]))},
		[2]string{"metadata.config", meta}, [2]string{"contents.tar.gz", contents.String()})
}
