package docshost

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/depot-registry/depot/semver"
)

// Limits bound what Publish accepts; the defaults match package tarballs.
type Limits struct {
	MaxCompressed   int64 // the uploaded .tar.gz, bytes
	MaxUncompressed int64 // the tar once gunzipped, bytes
	MaxFiles        int
}

// DefaultLimits are 16 MiB compressed, 128 MiB uncompressed (SPEC §4's
// package limits) and 50,000 entries.
var DefaultLimits = Limits{MaxCompressed: 16 << 20, MaxUncompressed: 128 << 20, MaxFiles: 50_000}

// InvalidError is a docs tarball refused for its content; Msg is safe to
// show to the uploader.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return "invalid docs tarball: " + e.Msg }

func invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// errTooLarge marks a limit hit while reading (wrapped in an InvalidError).
var errTooLarge = errors.New("too large")

// capped fails with errTooLarge once more than n bytes were read.
type capped struct {
	r    io.Reader
	n    int64
	what string
}

func (c *capped) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if c.n < 0 {
		return n, fmt.Errorf("%s: %w", c.what, errTooLarge)
	}
	return n, err
}

// validate reads a whole docs tarball and refuses anything that could
// escape its folder when unpacked, shadow a version URL, or exhaust the
// server: sizes over limits, links, devices, absolute or ".." paths,
// duplicate names, and a top-level entry named like a version. It requires
// a top-level index.html (the page /docs/PKG/ shows).
func validate(r io.Reader, l Limits) error {
	zr, err := gzip.NewReader(&capped{r: r, n: l.MaxCompressed, what: fmt.Sprintf("larger than %d bytes compressed", l.MaxCompressed)})
	if err != nil {
		return readErr(err, "not a gzip file")
	}
	tr := tar.NewReader(&capped{r: zr, n: l.MaxUncompressed, what: fmt.Sprintf("larger than %d bytes uncompressed", l.MaxUncompressed)})
	seen := map[string]bool{}
	files := 0
	hasIndex := false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return readErr(err, "corrupt tar")
		}
		name, isDir, err := entryName(h)
		if err != nil {
			return err
		}
		if name == "" {
			continue // "./" or a global header
		}
		if files++; files > l.MaxFiles {
			return invalid("more than %d entries", l.MaxFiles)
		}
		if seen[name] {
			return invalid("%s appears twice", name)
		}
		seen[name] = true
		if !isDir {
			if _, err := io.Copy(io.Discard, tr); err != nil {
				return readErr(err, "corrupt tar")
			}
		}
		if name == "index.html" && !isDir {
			hasIndex = true
		}
	}
	// Read the gzip trailer too: a truncated upload must not pass.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return readErr(err, "corrupt gzip")
	}
	if err := zr.Close(); err != nil {
		return readErr(err, "corrupt gzip")
	}
	for name := range seen {
		clean := strings.TrimSuffix(name, "/")
		for i := strings.IndexByte(clean, '/'); i >= 0; i = next(clean, i) {
			if seen[clean[:i]] {
				return invalid("%s is both a file and a folder", clean[:i])
			}
		}
		if name != clean && seen[clean] {
			return invalid("%s is both a file and a folder", clean)
		}
	}
	if !hasIndex {
		return invalid("no index.html at the top level (build the docs, then upload the folder's contents)")
	}
	return nil
}

func readErr(err error, what string) error {
	if errors.Is(err, errTooLarge) {
		return invalid("%v", err)
	}
	return &InvalidError{Msg: what + ": " + err.Error()}
}

// entryName checks one tar entry and returns its clean name ("" for
// entries to skip) and whether it is a folder. Folder names are returned
// with a trailing "/", so "a" the file and "a/" the folder differ.
func entryName(h *tar.Header) (string, bool, error) {
	switch h.Typeflag {
	case tar.TypeReg, tar.TypeDir:
	case tar.TypeXGlobalHeader:
		return "", false, nil
	case tar.TypeSymlink, tar.TypeLink:
		return "", false, invalid("%s is a link; docs may only hold files and folders", h.Name)
	default:
		return "", false, invalid("%s is not a regular file or folder (type %q)", h.Name, h.Typeflag)
	}
	raw := h.Name
	if strings.ContainsAny(raw, "\\\x00") {
		return "", false, invalid("file name %q contains a backslash or NUL", raw)
	}
	if strings.HasPrefix(raw, "/") {
		return "", false, invalid("%s is an absolute path", raw)
	}
	name := strings.TrimPrefix(raw, "./")
	isDir := h.Typeflag == tar.TypeDir
	name = strings.TrimSuffix(name, "/")
	if name == "" || name == "." {
		return "", false, nil
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return "", false, invalid("%s leaves its folder (..)", raw)
		}
	}
	if path.Clean(name) != name {
		return "", false, invalid("file name %q is not a clean relative path", raw)
	}
	top, _, _ := strings.Cut(name, "/")
	if _, err := semver.Parse(top); err == nil {
		return "", false, invalid("top-level entry %q is named like a version and would hide the docs of version %s", top, top)
	}
	if isDir {
		return name + "/", true, nil
	}
	return name, false, nil
}

// next is the index of the "/" after position i in s, or -1.
func next(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}
