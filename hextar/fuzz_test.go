package hextar

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read. Besides not panicking, whatever
// Read accepts must satisfy the promises Depot relies on, and its metadata
// must survive Create and Read again.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"hexcore_full.tar", "hexcore_legacy.tar", "hexcore_minimal.tar", "create_golden.tar"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(pkg{}.build(f))
	f.Add(pkg{version: "2"}.build(f))
	f.Add(pkg{contents: gz(f, tarOf(f, entry{name: "../evil", data: []byte("x")}, entry{name: "l", typ: '2', link: "/etc"}))}.build(f))
	f.Add(pkg{meta: minimalMeta + "{<<\"requirements\">>,[[{<<\"name\">>,<<\"a\">>},{<<\"requirement\">>,<<\"~> 1.0\">>}]]}.\n"}.build(f))
	f.Add([]byte{})
	limits := Limits{MaxCompressed: 1 << 20, MaxUncompressed: 4 << 20, MaxMetadata: 64 << 10, MaxFiles: 1000}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(bytes.NewReader(data), limits)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Msg == "" {
				t.Fatalf("error %v (%T) is not a complete *Error", err, err)
			}
			return
		}
		if p.OuterChecksum != sha256.Sum256(data) || p.Size != int64(len(data)) {
			t.Fatal("outer checksum or size does not cover the input")
		}
		if p.UncompressedSize > limits.MaxUncompressed {
			t.Fatal("uncompressed limit not enforced")
		}
		for _, name := range p.Files {
			if name == "" || strings.HasPrefix(name, "/") || strings.HasPrefix(name, "\\") {
				t.Fatalf("unsafe file name %q accepted", name)
			}
			for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
				if part == ".." {
					t.Fatalf("unsafe file name %q accepted", name)
				}
			}
		}
		tarball, _, _, err := Create(p.Metadata, nil)
		if err != nil {
			t.Fatalf("Create refused metadata that Read accepted: %v", err)
		}
		p2, err := Read(bytes.NewReader(tarball), DefaultLimits)
		if err != nil {
			t.Fatalf("Read refused Create's output: %v", err)
		}
		checkMetadata(t, p2.Metadata, p.Metadata)
	})
}

// FuzzParseMetadata reaches the metadata checks that FuzzRead rarely gets
// past the checksum to. Accepted metadata must survive Create and Read.
func FuzzParseMetadata(f *testing.F) {
	for _, name := range []string{"hexcore_full.tar", "hexcore_legacy.tar", "create_golden.tar"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		p, err := Read(bytes.NewReader(data), DefaultLimits)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p.MetadataConfig)
	}
	f.Add([]byte(minimalMeta + "{<<\"requirements\">>,#{<<\"a\">> => #{<<\"requirement\">> => <<\"~> 1.0\">>}}}.\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMetadata(data, Limits{MaxMetadata: 64 << 10})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" {
				t.Fatalf("error %v is not a complete *Error", err)
			}
			return
		}
		tarball, _, _, err := Create(m, nil)
		if err != nil {
			t.Fatalf("Create refused metadata that ParseMetadata accepted: %v", err)
		}
		p, err := Read(bytes.NewReader(tarball), DefaultLimits)
		if err != nil {
			t.Fatalf("Read refused Create's output: %v", err)
		}
		checkMetadata(t, p.Metadata, m)
	})
}

// FuzzReadContents wraps arbitrary bytes as contents.tar.gz with a correct
// CHECKSUM, so the inner walk (gzip, tar, paths, limits) gets fuzzed.
func FuzzReadContents(f *testing.F) {
	f.Add(gz(f, tarOf(f, entry{name: "lib/a.ex", data: []byte("a")}, entry{name: "dir/", typ: '5'})))
	f.Add(gz(f, tarOf(f, entry{name: "../evil", data: []byte("x")})))
	f.Add(gz(f, tarOf(f, entry{name: "l", typ: '2', link: "/etc"})))
	f.Add(tarOf(f, entry{name: "not-compressed", data: []byte("x")}))
	f.Add([]byte{0x1f, 0x8b})
	limits := Limits{MaxUncompressed: 1 << 20, MaxFiles: 500}
	f.Fuzz(func(t *testing.T, contents []byte) {
		data := pkg{contents: contents}.build(t)
		p, err := Read(bytes.NewReader(data), limits)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" {
				t.Fatalf("error %v is not a complete *Error", err)
			}
			return
		}
		if p.UncompressedSize > limits.MaxUncompressed || len(p.Files) > limits.MaxFiles {
			t.Fatal("limits not enforced")
		}
		if !bytes.Equal(p.Contents, contents) {
			t.Fatal("Contents differ from the stored entry")
		}
		seen := map[string]bool{}
		for _, name := range p.Files {
			if seen[name] || name == "" || strings.HasPrefix(name, "/") || strings.Contains("/"+strings.ReplaceAll(name, "\\", "/")+"/", "/../") {
				t.Fatalf("unsafe or duplicate file name %q accepted", name)
			}
			seen[name] = true
		}
	})
}
