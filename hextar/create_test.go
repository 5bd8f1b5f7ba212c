package hextar

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/depot-registry/depot/hextar/term"
)

func TestCreateRoundTrip(t *testing.T) {
	tarball, _, _, err := Create(goldenMeta, goldenFiles)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Read(bytes.NewReader(tarball), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	// Read → Create → Read keeps everything, unknown keys included.
	var files []File
	for _, f := range goldenFiles {
		files = append(files, f)
	}
	tarball2, _, _, err := Create(p.Metadata, files)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tarball, tarball2) {
		t.Error("Read then Create changed the tarball")
	}
	// The hex_core fixtures' metadata survives a rewrite too.
	for _, fx := range hexCoreFixtures {
		tb, _, _, err := Create(fx.want, nil)
		if err != nil {
			t.Fatalf("%s: %v", fx.file, err)
		}
		p, err := Read(bytes.NewReader(tb), DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", fx.file, err)
		}
		checkMetadata(t, p.Metadata, fx.want)
	}
}

func TestCreateRefuses(t *testing.T) {
	ok := Metadata{Name: "foo", Version: "1.0.0"}
	f := func(name string) []File { return []File{{Name: name, Data: []byte("x")}} }
	tests := []struct {
		name  string
		meta  Metadata
		files []File
		kind  *Error
		msg   string
	}{
		{"no name", Metadata{Version: "1.0.0"}, nil, ErrMetadata, "name must not be empty"},
		{"no version", Metadata{Name: "foo"}, nil, ErrMetadata, "version must not be empty"},
		{"bad version", Metadata{Name: "foo", Version: "1.0"}, nil, ErrMetadata, "MAJOR.MINOR.PATCH"},
		{"build metadata", Metadata{Name: "foo", Version: "1.0.0+x"}, nil, ErrMetadata, "build metadata"},
		{"bad requirement", Metadata{Name: "foo", Version: "1.0.0", Requirements: []Requirement{{Name: "x", Requirement: "~>"}}}, nil, ErrMetadata, `requirement "x"`},
		{"float in extra", Metadata{Name: "foo", Version: "1.0.0", Extra: term.List{term.Float(1.5)}}, nil, ErrMetadata, "float"},
		{"odd atom", Metadata{Name: "foo", Version: "1.0.0", Other: []Field{{"k", term.Atom("ok")}}}, nil, ErrMetadata, "atom ok"},
		{"known key in Other", Metadata{Name: "foo", Version: "1.0.0", Other: []Field{{"name", term.Binary("x")}}}, nil, ErrMetadata, "known key"},
		{"invalid utf8", Metadata{Name: "foo", Version: "1.0.0", Description: "\xff"}, nil, ErrMetadata, "UTF-8"},
		{"traversal", ok, f("../x"), ErrUnsafePath, "escapes the package"},
		{"absolute", ok, f("/x"), ErrUnsafePath, "absolute"},
		{"dot slash", ok, f("./x"), ErrUnsafePath, "not a clean relative path"},
		{"double slash", ok, f("a//x"), ErrUnsafePath, "not a clean relative path"},
		{"trailing slash", ok, f("a/"), ErrUnsafePath, "not a clean relative path"},
		{"empty name", ok, f(""), ErrUnsafePath, ""},
		{"backslash", ok, f(`a\b`), ErrUnsafePath, ""},
		{"duplicate", ok, append(f("a"), f("a")...), ErrCorrupt, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := Create(tt.meta, tt.files)
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Create = %v, want %s containing %q", err, tt.kind.Code, tt.msg)
			}
		})
	}
}

func TestCreateModes(t *testing.T) {
	tarball, _, _, err := Create(Metadata{Name: "m", Version: "1.0.0"}, []File{
		{Name: "run", Mode: 0o4755, Data: []byte("x")},
		{Name: "plain", Data: []byte("y")},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Read(bytes.NewReader(tarball), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	modes := contentModes(t, p.Contents)
	if modes["run"] != 0o100755 || modes["plain"] != 0o100644 {
		t.Errorf("modes %v", modes)
	}
}

func TestHex(t *testing.T) {
	var sum [32]byte
	sum[0], sum[31] = 0xAB, 0x01
	if got := Hex(sum); got != "ab"+strings.Repeat("00", 30)+"01" {
		t.Errorf("Hex = %s", got)
	}
}
