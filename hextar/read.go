package hextar

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"
)

// Outer entry names, in the order hex_core writes them.
const (
	nameVersion  = "VERSION"
	nameChecksum = "CHECKSUM"
	nameMetadata = "metadata.config"
	nameContents = "contents.tar.gz"
)

var outerNames = []string{nameVersion, nameChecksum, nameMetadata, nameContents}

// errLimit is returned by limitReader once its limit is passed.
var errLimit = errors.New("size limit exceeded")

// limitReader yields at most n bytes and fails with errLimit, setting
// exceeded, when the source has more. It can hash what passes through.
type limitReader struct {
	r        io.Reader
	n        int64 // bytes still allowed
	read     int64
	exceeded bool
	h        hash.Hash
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.exceeded {
		return 0, errLimit
	}
	if l.n <= 0 {
		// At the limit: any further byte means the input is too large.
		var one [1]byte
		for {
			n, err := l.r.Read(one[:])
			if n > 0 {
				l.exceeded = true
				return 0, errLimit
			}
			if err != nil {
				return 0, err
			}
		}
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	l.read += int64(n)
	if l.h != nil {
		l.h.Write(p[:n])
	}
	return n, err
}

// Read reads and checks a Hex version-3 package tarball from r. It streams:
// the tarball is counted as it arrives and refused past
// limits.MaxCompressed, and contents.tar.gz is decompressed entry by entry,
// counting bytes, and refused past limits.MaxUncompressed, so that neither a
// large upload nor a gzip bomb is ever held in memory. Only the compressed
// entries (at most MaxCompressed bytes) are kept.
//
// Read checks that VERSION is "3", that CHECKSUM matches (hex digits in any
// case), that the four entries each appear exactly once and nothing else
// does, that metadata.config is in the dialect Hex clients read and names a
// package and a valid version, and that contents.tar.gz holds only regular
// files and directories whose paths stay inside the package. Entries may
// come in any order, as for hex_core.
//
// Every error is an *Error; use errors.Is with ErrTooLarge, ErrChecksum,
// ErrVersion, ErrUnsafePath, ErrMetadata or ErrCorrupt.
func Read(r io.Reader, limits Limits) (*Package, error) {
	limits = limits.withDefaults()
	outer := &limitReader{r: r, n: limits.MaxCompressed, h: sha256.New()}
	tooBig := func() error {
		return newErr(ErrTooLarge, "package exceeds %s", formatSize(limits.MaxCompressed))
	}
	tr := tar.NewReader(outer)
	entries := map[string][]byte{}
	pkg := &Package{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if outer.exceeded {
				return nil, tooBig()
			}
			return nil, corruptTar("the package", err)
		}
		name := hdr.Name
		known := false
		for _, n := range outerNames {
			known = known || n == name
		}
		if !known {
			return nil, newErr(ErrCorrupt, "unexpected file %q in the package (a Hex package holds only VERSION, CHECKSUM, metadata.config and contents.tar.gz)", name)
		}
		if _, dup := entries[name]; dup {
			return nil, newErr(ErrCorrupt, "%s appears twice in the package", name)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, newErr(ErrCorrupt, "%s is not a regular file", name)
		}
		if hdr.Size > limits.MaxCompressed {
			return nil, tooBig()
		}
		var data []byte
		switch name {
		case nameVersion, nameChecksum:
			if hdr.Size > 256 {
				return nil, newErr(ErrCorrupt, "%s is %d bytes long; it should be a single line", name, hdr.Size)
			}
			data, err = io.ReadAll(tr)
		case nameMetadata:
			if hdr.Size > limits.MaxMetadata {
				return nil, newErr(ErrTooLarge, "metadata.config exceeds %s", formatSize(limits.MaxMetadata))
			}
			data, err = io.ReadAll(tr)
		case nameContents:
			data, err = readContents(tr, limits, pkg)
		}
		if err != nil {
			if outer.exceeded {
				return nil, tooBig()
			}
			var e *Error
			if errors.As(err, &e) {
				return nil, e
			}
			return nil, corruptTar("the package", err)
		}
		entries[name] = data
		if name == nameVersion && string(data) != "3" {
			return nil, newErr(ErrVersion, "unsupported package format version %q: Depot accepts Hex tarball version 3 (build it with a current mix or rebar3)", truncate(string(data), 16))
		}
	}
	// Anything after the end-of-archive marker must be zero padding, and
	// still counts towards the size and the outer checksum.
	if err := checkTrailer(outer, "the package"); err != nil {
		if outer.exceeded {
			return nil, tooBig()
		}
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, corruptTar("the package", err)
	}
	for _, n := range outerNames {
		if _, ok := entries[n]; !ok {
			if len(entries) == 0 {
				return nil, newErr(ErrCorrupt, "the upload is not a Hex package tarball (no VERSION, CHECKSUM, metadata.config or contents.tar.gz inside)")
			}
			return nil, newErr(ErrCorrupt, "the package has no %s", n)
		}
	}

	want, err := decodeChecksum(entries[nameChecksum])
	if err != nil {
		return nil, err
	}
	inner := innerChecksum(entries[nameVersion], entries[nameMetadata], entries[nameContents])
	if inner != want {
		return nil, newErr(ErrChecksum, "CHECKSUM does not match the package contents (expected %s, computed %s): the tarball was altered or built incorrectly",
			strings.ToUpper(hex.EncodeToString(want[:])), strings.ToUpper(hex.EncodeToString(inner[:])))
	}

	meta, err := ParseMetadata(entries[nameMetadata], limits)
	if err != nil {
		return nil, err
	}
	pkg.Metadata = meta
	pkg.InnerChecksum = inner
	copy(pkg.OuterChecksum[:], outer.h.Sum(nil))
	pkg.Size = outer.read
	pkg.MetadataConfig = entries[nameMetadata]
	pkg.Contents = entries[nameContents]
	return pkg, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func corruptTar(what string, err error) error {
	msg := err.Error()
	if errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "it ends too early (truncated upload?)"
	}
	return wrapErr(ErrCorrupt, err, "%s is not a valid tar archive: %s", what, msg)
}

// checkTrailer reads r to its end and fails if anything but zero padding
// follows the end-of-archive marker. Read errors are returned as they are.
func checkTrailer(r io.Reader, what string) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		for _, c := range buf[:n] {
			if c != 0 {
				return newErr(ErrCorrupt, "%s has data after the end of its tar archive", what)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func innerChecksum(version, metadata, contents []byte) [32]byte {
	h := sha256.New()
	h.Write(version)
	h.Write(metadata)
	h.Write(contents)
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func decodeChecksum(b []byte) ([32]byte, error) {
	var sum [32]byte
	if len(b) != 64 {
		return sum, newErr(ErrChecksum, "CHECKSUM must be 64 hexadecimal digits, found %d bytes", len(b))
	}
	if _, err := hex.Decode(sum[:], b); err != nil {
		return sum, newErr(ErrChecksum, "CHECKSUM must be 64 hexadecimal digits")
	}
	return sum, nil
}

// readContents keeps the compressed bytes of contents.tar.gz while walking
// its entries from the stream, and records the files in pkg.
func readContents(r io.Reader, limits Limits, pkg *Package) ([]byte, error) {
	var compressed bytes.Buffer
	tee := io.TeeReader(r, &compressed)
	if err := walkContents(tee, limits, pkg); err != nil {
		return nil, err
	}
	// The gzip reader stops at the end of its stream; keep any rest so the
	// checksum covers the entry exactly.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return nil, err
	}
	return compressed.Bytes(), nil
}

func walkContents(r io.Reader, limits Limits, pkg *Package) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		if errors.Is(err, errLimit) {
			return err
		}
		return wrapErr(ErrCorrupt, err, "contents.tar.gz is not gzip data: %v", err)
	}
	// Multistream stays on: gunzip, and so Hex clients, decompress every
	// concatenated member, so every member must be checked.
	lim := &limitReader{r: zr, n: limits.MaxUncompressed}
	tooBig := func() error {
		return newErr(ErrTooLarge, "contents exceed %s uncompressed", formatSize(limits.MaxUncompressed))
	}
	fail := func(err error) error {
		switch {
		case lim.exceeded:
			return tooBig()
		case errors.Is(err, errLimit): // the outer limit
			return err
		case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
			return wrapErr(ErrCorrupt, err, "contents.tar.gz is damaged: %v", err)
		}
		return corruptTar("contents.tar.gz", err)
	}
	tr := tar.NewReader(lim)
	seen := map[string]bool{}
	entries := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		entries++
		if entries > limits.MaxFiles {
			return newErr(ErrTooLarge, "contents hold more than %d files", limits.MaxFiles)
		}
		name, err := cleanPath(hdr.Name)
		if err != nil {
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeReg:
			if name == "" {
				return newErr(ErrUnsafePath, "a file in contents.tar.gz has an empty name")
			}
			if seen[name] {
				return newErr(ErrCorrupt, "file %s appears twice in contents.tar.gz", name)
			}
			seen[name] = true
			pkg.Files = append(pkg.Files, name)
			if hdr.Size > limits.MaxUncompressed {
				return tooBig()
			}
			if _, err := io.Copy(io.Discard, tr); err != nil {
				return fail(err)
			}
		case tar.TypeDir, tar.TypeXGlobalHeader:
		case tar.TypeSymlink:
			return newErr(ErrUnsafePath, "symbolic link %s → %s is not allowed in a package", name, hdr.Linkname)
		case tar.TypeLink:
			return newErr(ErrUnsafePath, "hard link %s → %s is not allowed in a package", name, hdr.Linkname)
		case tar.TypeChar, tar.TypeBlock:
			return newErr(ErrUnsafePath, "device file %s is not allowed in a package", name)
		case tar.TypeFifo:
			return newErr(ErrUnsafePath, "named pipe %s is not allowed in a package", name)
		default:
			return newErr(ErrCorrupt, "entry %s in contents.tar.gz has unsupported type %q", name, hdr.Typeflag)
		}
	}
	// Read to the end of the gzip stream: padding counts towards the limit,
	// the gzip trailer (CRC and size) gets verified, and nothing may hide
	// after the end of the archive.
	if err := checkTrailer(lim, "contents.tar.gz"); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return fail(err)
	}
	pkg.UncompressedSize = lim.read
	return nil
}

// cleanPath checks a path from contents.tar.gz and returns it without "./"
// prefixes or a trailing slash ("" for the archive root). Backslashes count
// as separators because Windows clients treat them so.
func cleanPath(name string) (string, error) {
	shown := fmt.Sprintf("%q", name)
	if name != "" && !strings.ContainsAny(name, "\"\\\x00") && isPrintable(name) {
		shown = name
	}
	if strings.ContainsRune(name, 0) {
		return "", newErr(ErrUnsafePath, "path %s contains a NUL byte", shown)
	}
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, "\\") ||
		len(name) >= 2 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z') {
		return "", newErr(ErrUnsafePath, "path %s is absolute; package paths must be relative", shown)
	}
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return "", newErr(ErrUnsafePath, "path %s escapes the package", shown)
		}
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}
