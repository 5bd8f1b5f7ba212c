package hextar

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/hextar/internal/erltest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	erltest.Cleanup()
	os.Exit(code)
}

// entry is one tar entry for hand-built archives.
type entry struct {
	name string
	typ  byte
	data []byte
	link string
	size int64 // overrides len(data) in the header when > 0
}

func tarOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Typeflag: typ, Name: e.name, Linkname: e.link, Mode: 0o644,
			Size: int64(len(e.data)), ModTime: time.Unix(946684800, 0), Format: tar.FormatGNU}
		if typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write(e.data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

const minimalMeta = "{<<\"name\">>,<<\"foo\">>}.\n{<<\"version\">>,<<\"1.0.0\">>}.\n"

// pkg describes a hand-built package; empty fields take working defaults.
type pkg struct {
	version  string
	checksum string // "" computes the right one
	meta     string
	contents []byte // gzipped tar; nil gives one file
	omit     string // outer entry to leave out
	extra    []entry
}

func (p pkg) build(t testing.TB) []byte {
	t.Helper()
	if p.version == "" {
		p.version = "3"
	}
	if p.meta == "" {
		p.meta = minimalMeta
	}
	if p.contents == nil {
		p.contents = gz(t, tarOf(t, entry{name: "lib/foo.ex", data: []byte("defmodule Foo, do: nil\n")}))
	}
	if p.checksum == "" {
		sum := sha256.Sum256([]byte(p.version + p.meta + string(p.contents)))
		p.checksum = strings.ToUpper(hex.EncodeToString(sum[:]))
	}
	var es []entry
	for _, e := range []entry{
		{name: "VERSION", data: []byte(p.version)},
		{name: "CHECKSUM", data: []byte(p.checksum)},
		{name: "metadata.config", data: []byte(p.meta)},
		{name: "contents.tar.gz", data: p.contents},
	} {
		if e.name != p.omit {
			es = append(es, e)
		}
	}
	return tarOf(t, append(es, p.extra...)...)
}

func newGzip(w io.Writer) *gzip.Writer { return gzip.NewWriter(w) }

// contentModes lists the mode of each entry in a contents.tar.gz.
func contentModes(t testing.TB, contents []byte) map[string]int64 {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(contents))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	modes := map[string]int64{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return modes
		}
		if err != nil {
			t.Fatal(err)
		}
		modes[hdr.Name] = hdr.Mode
	}
}
