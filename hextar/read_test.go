package hextar

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestReadHandBuilt(t *testing.T) {
	data := pkg{}.build(t)
	p, err := Read(bytes.NewReader(data), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if p.Metadata.Name != "foo" || p.Metadata.Version != "1.0.0" {
		t.Errorf("metadata %+v", p.Metadata)
	}
	if len(p.Files) != 1 || p.Files[0] != "lib/foo.ex" {
		t.Errorf("files %v", p.Files)
	}
	if p.OuterChecksum != sha256.Sum256(data) || p.Size != int64(len(data)) {
		t.Error("outer checksum or size wrong")
	}
	if p.UncompressedSize == 0 || len(p.Contents) == 0 || string(p.MetadataConfig) != minimalMeta {
		t.Errorf("package %+v", p)
	}
}

func TestReadAcceptsLowerCaseChecksumAndAnyOrder(t *testing.T) {
	good := pkg{}.build(t)
	p0, err := Read(bytes.NewReader(good), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	lower := pkg{checksum: strings.ToLower(strings.ToUpper(Hex(p0.InnerChecksum)))}.build(t)
	if _, err := Read(bytes.NewReader(lower), Limits{}); err != nil {
		t.Errorf("lower-case CHECKSUM: %v", err)
	}
	// Entries in another order, as hex_core accepts.
	contents := gz(t, tarOf(t, entry{name: "a", data: []byte("a")}))
	sum := sha256.Sum256([]byte("3" + minimalMeta + string(contents)))
	reordered := tarOf(t,
		entry{name: "contents.tar.gz", data: contents},
		entry{name: "metadata.config", data: []byte(minimalMeta)},
		entry{name: "CHECKSUM", data: []byte(Hex(sum))},
		entry{name: "VERSION", data: []byte("3")},
	)
	if _, err := Read(bytes.NewReader(reordered), Limits{}); err != nil {
		t.Errorf("reordered entries: %v", err)
	}
}

func TestReadContentsPaths(t *testing.T) {
	contents := gz(t, tarOf(t,
		entry{name: "./", typ: tar.TypeDir},
		entry{name: "./lib/", typ: tar.TypeDir},
		entry{name: "./lib/a.ex", data: []byte("a")},
		entry{name: "mix.exs", data: []byte("m")},
		entry{name: "dir/with space/ünï.txt", data: []byte("u")},
		entry{name: strings.Repeat("long/", 40) + "file.ex", data: []byte("l")},
	))
	p, err := Read(bytes.NewReader(pkg{contents: contents}.build(t)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lib/a.ex", "mix.exs", "dir/with space/ünï.txt", strings.Repeat("long/", 40) + "file.ex"}
	if strings.Join(p.Files, "|") != strings.Join(want, "|") {
		t.Errorf("files = %q, want %q", p.Files, want)
	}
}

func TestReadBadInput(t *testing.T) {
	good := pkg{}.build(t)
	content := func(es ...entry) []byte { return gz(t, tarOf(t, es...)) }
	file := func(name string) entry { return entry{name: name, data: []byte("x")} }
	wrongSum := strings.Repeat("AB", 32)
	tests := []struct {
		name string
		data []byte
		kind *Error
		msg  string
	}{
		{"empty", nil, ErrCorrupt, "not a Hex package"},
		{"garbage", bytes.Repeat([]byte("garbage!"), 200), ErrCorrupt, "not a valid tar"},
		{"truncated", good[:len(good)/2+100], ErrCorrupt, ""},
		{"truncated in header", good[:700], ErrCorrupt, ""},
		{"wrong inner checksum", pkg{checksum: wrongSum}.build(t), ErrChecksum, "CHECKSUM does not match"},
		{"checksum not hex", pkg{checksum: strings.Repeat("zz", 32)}.build(t), ErrChecksum, "64 hexadecimal digits"},
		{"checksum with newline", pkg{checksum: wrongSum + "\n"}.build(t), ErrChecksum, "64 hexadecimal digits"},
		{"version 2", pkg{version: "2"}.build(t), ErrVersion, `version "2"`},
		{"version 3 with newline", pkg{version: "3\n"}.build(t), ErrVersion, "version 3"},
		{"missing VERSION", pkg{omit: "VERSION"}.build(t), ErrCorrupt, "no VERSION"},
		{"missing CHECKSUM", pkg{omit: "CHECKSUM"}.build(t), ErrCorrupt, "no CHECKSUM"},
		{"missing metadata", pkg{omit: "metadata.config"}.build(t), ErrCorrupt, "no metadata.config"},
		{"missing contents", pkg{omit: "contents.tar.gz"}.build(t), ErrCorrupt, "no contents.tar.gz"},
		{"unknown entry", pkg{extra: []entry{file("README")}}.build(t), ErrCorrupt, `unexpected file "README"`},
		{"duplicate entry", pkg{extra: []entry{{name: "VERSION", data: []byte("3")}}}.build(t), ErrCorrupt, "VERSION appears twice"},
		{"outer directory", pkg{extra: []entry{{name: "VERSION", typ: tar.TypeDir}}, omit: "VERSION"}.build(t), ErrCorrupt, "not a regular file"},
		{"trailing data", append(append([]byte{}, good...), []byte("hidden payload")...), ErrCorrupt, "data after the end"},
		{"missing name", pkg{meta: "{<<\"version\">>,<<\"1.0.0\">>}.\n"}.build(t), ErrMetadata, `package name (key "name") is missing`},
		{"missing version", pkg{meta: "{<<\"name\">>,<<\"foo\">>}.\n"}.build(t), ErrMetadata, `version (key "version") is missing`},
		{"empty name", pkg{meta: "{<<\"name\">>,<<\"\">>}.\n{<<\"version\">>,<<\"1.0.0\">>}.\n"}.build(t), ErrMetadata, "name must not be empty"},
		{"bad version", pkg{meta: "{<<\"name\">>,<<\"foo\">>}.\n{<<\"version\">>,<<\"1.0\">>}.\n"}.build(t), ErrMetadata, "MAJOR.MINOR.PATCH"},
		{"build metadata", pkg{meta: "{<<\"name\">>,<<\"foo\">>}.\n{<<\"version\">>,<<\"1.0.0+b\">>}.\n"}.build(t), ErrMetadata, "build metadata"},
		{"invalid term syntax", pkg{meta: "{<<\"name\">>,<<\"foo\">>.\n"}.build(t), ErrMetadata, "line 1"},
		{"not key value", pkg{meta: minimalMeta + "[1,2].\n"}.build(t), ErrMetadata, "not a {Key, Value} tuple"},
		{"atom key", pkg{meta: minimalMeta + "{licenses,[]}.\n"}.build(t), ErrMetadata, ""},
		{"duplicate key", pkg{meta: minimalMeta + "{<<\"name\">>,<<\"bar\">>}.\n"}.build(t), ErrMetadata, `"name" appears twice`},
		{"comment", pkg{meta: "% hi\n" + minimalMeta}.build(t), ErrMetadata, "comments are not allowed"},
		{"float", pkg{meta: minimalMeta + "{<<\"extra\">>,[{<<\"x\">>,1.5}]}.\n"}.build(t), ErrMetadata, "floats are not allowed"},
		{"evaluation attempt", pkg{meta: minimalMeta + "{<<\"x\">>, os:cmd(\"rm -rf /\")}.\n"}.build(t), ErrMetadata, ""},
		{"licenses not list", pkg{meta: minimalMeta + "{<<\"licenses\">>,<<\"MIT\">>}.\n"}.build(t), ErrMetadata, "licenses must be a list of strings"},
		{"bad requirement", pkg{meta: minimalMeta + "{<<\"requirements\">>,[{<<\"bar\">>,[{<<\"requirement\">>,<<\"~> banana\">>}]}]}.\n"}.build(t), ErrMetadata, `requirement "bar"`},
		{"requirement without version", pkg{meta: minimalMeta + "{<<\"requirements\">>,[{<<\"bar\">>,[{<<\"app\">>,<<\"bar\">>}]}]}.\n"}.build(t), ErrMetadata, "has no version requirement"},
		{"path traversal", pkg{contents: content(file("../evil"))}.build(t), ErrUnsafePath, "path ../evil escapes the package"},
		{"nested traversal", pkg{contents: content(file("lib/../../evil"))}.build(t), ErrUnsafePath, "escapes the package"},
		{"backslash traversal", pkg{contents: content(file(`lib\..\..\evil`))}.build(t), ErrUnsafePath, "escapes the package"},
		{"absolute path", pkg{contents: content(file("/etc/passwd"))}.build(t), ErrUnsafePath, "path /etc/passwd is absolute"},
		{"drive path", pkg{contents: content(file("C:/evil"))}.build(t), ErrUnsafePath, "is absolute"},
		{"symlink", pkg{contents: content(entry{name: "link", typ: tar.TypeSymlink, link: "/etc/passwd"})}.build(t), ErrUnsafePath, "symbolic link link → /etc/passwd"},
		{"symlink inside", pkg{contents: content(entry{name: "a", typ: tar.TypeSymlink, link: "b"})}.build(t), ErrUnsafePath, "symbolic link"},
		{"hard link", pkg{contents: content(entry{name: "h", typ: tar.TypeLink, link: "lib/foo.ex"})}.build(t), ErrUnsafePath, "hard link"},
		{"char device", pkg{contents: content(entry{name: "tty", typ: tar.TypeChar})}.build(t), ErrUnsafePath, "device file tty"},
		{"block device", pkg{contents: content(entry{name: "sda", typ: tar.TypeBlock})}.build(t), ErrUnsafePath, "device file"},
		{"fifo", pkg{contents: content(entry{name: "p", typ: tar.TypeFifo})}.build(t), ErrUnsafePath, "named pipe"},
		{"duplicate file", pkg{contents: content(file("a"), file("./a"))}.build(t), ErrCorrupt, "appears twice"},
		{"contents not gzip", pkg{contents: []byte("plain text")}.build(t), ErrCorrupt, "not gzip"},
		{"contents empty", pkg{contents: []byte{}}.build(t), ErrCorrupt, "not gzip"},
		{"contents not tar", pkg{contents: gz(t, bytes.Repeat([]byte("x"), 1000))}.build(t), ErrCorrupt, "contents.tar.gz is not a valid tar"},
		{"contents bad crc", pkg{contents: corruptCRC(content(file("a")))}.build(t), ErrCorrupt, "damaged"},
		{"contents truncated gzip", pkg{contents: content(file("a"))[:30]}.build(t), ErrCorrupt, ""},
		{"data after inner archive", pkg{contents: gz(t, append(tarOf(t, file("a")), []byte("hidden")...))}.build(t), ErrCorrupt, "contents.tar.gz has data after the end"},
		{"second gzip member with a link", pkg{contents: append(content(file("a")), content(entry{name: "l", typ: tar.TypeSymlink, link: "/"})...)}.build(t), ErrCorrupt, "data after the end"},
		{"garbage after gzip", pkg{contents: append(content(file("a")), []byte("junk")...)}.build(t), ErrCorrupt, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Read(bytes.NewReader(tt.data), DefaultLimits)
			if err == nil {
				t.Fatalf("Read succeeded: %+v", p.Metadata)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error %q has code %s, want %s", err, e.Code, tt.kind.Code)
			}
			for _, other := range []*Error{ErrTooLarge, ErrChecksum, ErrVersion, ErrUnsafePath, ErrMetadata, ErrCorrupt} {
				if other != tt.kind && errors.Is(err, other) {
					t.Errorf("error also matches %s", other.Code)
				}
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// corruptCRC flips the CRC-32 in a gzip trailer.
func corruptCRC(b []byte) []byte {
	b = bytes.Clone(b)
	b[len(b)-8] ^= 0xff
	return b
}

func TestReadGzipBombSmallLimit(t *testing.T) {
	zeros := make([]byte, 1<<20)
	data := pkg{contents: gz(t, tarOf(t, entry{name: "zeros", data: zeros}))}.build(t)
	if len(data) > 10<<10 {
		t.Fatalf("bomb is %d bytes compressed", len(data))
	}
	_, err := Read(bytes.NewReader(data), Limits{MaxUncompressed: 64 << 10})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "contents exceed 64 KiB uncompressed" {
		t.Fatalf("Read = %v, want contents exceed 64 KiB uncompressed", err)
	}
	// Exactly at the limit passes: the limit is on bytes, not a guess.
	p, err := Read(bytes.NewReader(data), Limits{MaxUncompressed: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Read(bytes.NewReader(data), Limits{MaxUncompressed: p.UncompressedSize}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if _, err := Read(bytes.NewReader(data), Limits{MaxUncompressed: p.UncompressedSize - 1}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("one byte over: %v", err)
	}
	// Many small entries are counted too (headers included).
	var es []entry
	for i := range 300 {
		es = append(es, entry{name: strings.Repeat("d/", 10) + string(rune('a'+i%26)) + strings.Repeat("x", i), data: []byte{}})
	}
	many := pkg{contents: gz(t, tarOf(t, es...))}.build(t)
	if _, err := Read(bytes.NewReader(many), Limits{MaxUncompressed: 32 << 10}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("many entries: %v", err)
	}
	if _, err := Read(bytes.NewReader(many), Limits{MaxFiles: 100}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "more than 100 files") {
		t.Errorf("file count: %v", err)
	}
}

// zeroReader streams n zero bytes without holding them.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// TestReadGzipBombReal decompresses past the real 128 MiB limit: a file of
// zeros that gzips to about 130 KB.
func TestReadGzipBombReal(t *testing.T) {
	const size = 129 << 20
	// Stream the body through tar and gzip so the 129 MiB never sit in
	// memory.
	var gzBuf bytes.Buffer
	zw := newGzip(&gzBuf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "zeros", Mode: 0o644, Size: size}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(tw, &zeroReader{n: size}); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	zw.Close()
	if gzBuf.Len() > 1<<20 {
		t.Fatalf("bomb compressed to %d bytes", gzBuf.Len())
	}
	data := pkg{contents: gzBuf.Bytes()}.build(t)
	_, err := Read(bytes.NewReader(data), DefaultLimits)
	if !errors.Is(err, ErrTooLarge) || err.Error() != "contents exceed 128 MiB uncompressed" {
		t.Fatalf("Read = %v", err)
	}
}

func TestReadUploadTooLarge(t *testing.T) {
	// A header that claims more than the limit is refused before reading.
	var forged bytes.Buffer
	tw := tar.NewWriter(&forged)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "contents.tar.gz", Size: 17 << 20, Mode: 0o644})
	_, err := Read(io.MultiReader(bytes.NewReader(forged.Bytes()), &zeroReader{n: 17 << 20}), DefaultLimits)
	if !errors.Is(err, ErrTooLarge) || err.Error() != "package exceeds 16 MiB" {
		t.Fatalf("claimed size: %v", err)
	}

	// A valid package followed by 17 MiB of zero padding: only the counting
	// reader can notice.
	padded := io.MultiReader(bytes.NewReader(pkg{}.build(t)), &zeroReader{n: 17 << 20})
	if _, err := Read(padded, DefaultLimits); !errors.Is(err, ErrTooLarge) || err.Error() != "package exceeds 16 MiB" {
		t.Fatalf("padded upload: %v", err)
	}

	// Incompressible contents past the limit, streamed.
	noise := make([]byte, 17<<20)
	rand.NewChaCha8([32]byte{1}).Read(noise)
	huge := pkg{contents: gz(t, tarOf(t, entry{name: "noise", data: noise}))}.build(t)
	if len(huge) <= 16<<20 {
		t.Fatalf("test package only %d bytes", len(huge))
	}
	if _, err := Read(bytes.NewReader(huge), DefaultLimits); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge upload: %v", err)
	}
	// A small limit applies the same way.
	if _, err := Read(bytes.NewReader(pkg{}.build(t)), Limits{MaxCompressed: 2048}); !errors.Is(err, ErrTooLarge) || err.Error() != "package exceeds 2 KiB" {
		t.Fatalf("small limit: %v", err)
	}
	if _, err := Read(bytes.NewReader(pkg{meta: minimalMeta + strings.Repeat(" ", 5000)}.build(t)), Limits{MaxMetadata: 4096}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("metadata limit: %v", err)
	}
}

func TestErrorIs(t *testing.T) {
	e := newErr(ErrChecksum, "specific")
	if !errors.Is(e, ErrChecksum) || errors.Is(e, ErrCorrupt) {
		t.Fatal("Is by code broken")
	}
	if errors.Is(ErrChecksum, e) {
		t.Fatal("a sentinel must not match a specific error")
	}
	_, err := Read(bytes.NewReader(pkg{meta: "{<<\"name\">>,<<\"foo\">>}.\n{<<\"version\">>,<<\"1.0.0+b\">>}.\n"}.build(t)), Limits{})
	if !errors.Is(err, ErrMetadata) {
		t.Fatalf("got %v", err)
	}
}
