package registry_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Hand-built tarballs for inputs hextar.Create refuses to make.

type tarEntry struct {
	name string
	typ  byte
	data []byte
	link string
}

func tarOf(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Typeflag: typ, Name: e.name, Linkname: e.link, Mode: 0o644,
			ModTime: time.Unix(946684800, 0), Format: tar.FormatGNU}
		if typ == tar.TypeReg {
			hdr.Size = int64(len(e.data))
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

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func metaText(name, version string) string {
	return fmt.Sprintf("{<<\"name\">>,<<\"%s\">>}.\n{<<\"version\">>,<<\"%s\">>}.\n{<<\"app\">>,<<\"%s\">>}.\n{<<\"description\">>,<<\"d\">>}.\n{<<\"licenses\">>,[<<\"MIT\">>]}.\n{<<\"build_tools\">>,[<<\"mix\">>]}.\n", name, version, name)
}

// rawPkg builds a package from parts; empty parts take working defaults.
type rawPkg struct {
	version  string // VERSION file; "" = "3"
	meta     string // metadata.config; "" = valid for foo 1.0.0
	noMeta   bool
	contents []byte // contents.tar.gz; nil = one file
	checksum string // CHECKSUM; "" = the right one
}

func (p rawPkg) build(t testing.TB) []byte {
	t.Helper()
	if p.version == "" {
		p.version = "3"
	}
	if p.meta == "" {
		p.meta = metaText("foo", "1.0.0")
	}
	if p.contents == nil {
		p.contents = gzipped(t, tarOf(t, tarEntry{name: "lib/foo.ex", data: []byte("x")}))
	}
	if p.checksum == "" {
		h := sha256.New()
		h.Write([]byte(p.version))
		if !p.noMeta {
			h.Write([]byte(p.meta))
		}
		h.Write(p.contents)
		p.checksum = strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
	}
	entries := []tarEntry{{name: "VERSION", data: []byte(p.version)}, {name: "CHECKSUM", data: []byte(p.checksum)}}
	if !p.noMeta {
		entries = append(entries, tarEntry{name: "metadata.config", data: []byte(p.meta)})
	}
	entries = append(entries, tarEntry{name: "contents.tar.gz", data: p.contents})
	return tarOf(t, entries...)
}
