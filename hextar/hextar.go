// Package hextar reads and writes Hex package tarballs, format version 3, as
// produced by `mix hex.build` and `rebar3 hex build`.
//
// A tarball is an uncompressed tar holding VERSION ("3"), CHECKSUM (the inner
// checksum: upper-case hex SHA-256 of VERSION + metadata.config +
// contents.tar.gz), metadata.config (Erlang terms, see package term) and
// contents.tar.gz (the package files). The outer checksum is the SHA-256 of
// the whole tarball; clients verify both.
//
// Read streams an upload and refuses anything Hex clients would refuse or
// that could harm whoever unpacks it: oversized or bomb-like archives,
// unsafe paths, links and device files, and metadata that clients would read
// differently. Create writes deterministic tarballs that hex_core unpacks.
package hextar

import (
	"encoding/hex"
	"fmt"
	"time"
)

// Limits bound what Read accepts. Zero fields take the DefaultLimits value.
type Limits struct {
	MaxCompressed   int64 // whole tarball, bytes
	MaxUncompressed int64 // contents.tar.gz once decompressed, bytes
	MaxMetadata     int64 // metadata.config, bytes
	MaxFiles        int   // entries in contents.tar.gz
}

// DefaultLimits are Depot's publishing limits (SPEC §4). They are twice
// hex_core's own (8 MiB / 64 MiB), so anything a Hex client builds fits.
var DefaultLimits = Limits{
	MaxCompressed:   16 << 20,
	MaxUncompressed: 128 << 20,
	MaxMetadata:     8 << 20,
	MaxFiles:        100_000,
}

func (l Limits) withDefaults() Limits {
	if l.MaxCompressed <= 0 {
		l.MaxCompressed = DefaultLimits.MaxCompressed
	}
	if l.MaxUncompressed <= 0 {
		l.MaxUncompressed = DefaultLimits.MaxUncompressed
	}
	if l.MaxMetadata <= 0 {
		l.MaxMetadata = DefaultLimits.MaxMetadata
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultLimits.MaxFiles
	}
	return l
}

// Package is a tarball that Read accepted.
type Package struct {
	Metadata      Metadata
	InnerChecksum [32]byte // SHA-256 of VERSION + metadata.config + contents.tar.gz
	OuterChecksum [32]byte // SHA-256 of the whole tarball
	// Files are the regular files in contents.tar.gz, in archive order,
	// with any "./" prefix removed. Directories are not listed.
	Files            []string
	Size             int64  // bytes of the whole tarball
	UncompressedSize int64  // bytes of contents.tar.gz once decompressed
	MetadataConfig   []byte // metadata.config as stored
	Contents         []byte // contents.tar.gz as stored
}

// File is one file to put in a package with Create.
type File struct {
	Name string // slash-separated relative path, e.g. "lib/foo.ex"
	Mode int64  // permission bits (0o644, 0o755); 0 means 0o644
	Data []byte
}

// Hex returns sum as lower-case hexadecimal, the form Depot shows and
// stores. (CHECKSUM inside the tarball is upper-case.)
func Hex(sum [32]byte) string { return hex.EncodeToString(sum[:]) }

// epoch is the modification time hex_core gives every entry; Create uses it
// too so that output depends only on the input.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Error is the error type of Read and Create. Code is stable and
// machine-readable; Msg is written for the person who uploaded the package.
// errors.Is matches an Error against the sentinel of the same Code.
type Error struct {
	Code string
	Msg  string
	Err  error // underlying cause, if any
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel for e's Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Msg == "" && t.Code == e.Code
}

// Sentinels for errors.Is. Each has an empty Msg, so that it matches any
// Error with its Code but no specific Error matches another.
var (
	ErrTooLarge   = &Error{Code: "too_large"}   // a size limit was exceeded
	ErrChecksum   = &Error{Code: "checksum"}    // CHECKSUM missing, malformed or wrong
	ErrVersion    = &Error{Code: "version"}     // VERSION is not "3"
	ErrUnsafePath = &Error{Code: "unsafe_path"} // path escape, link or special file
	ErrMetadata   = &Error{Code: "metadata"}    // metadata.config unreadable or invalid
	ErrCorrupt    = &Error{Code: "corrupt"}     // not a well-formed package tarball
)

func newErr(kind *Error, format string, args ...any) *Error {
	return &Error{Code: kind.Code, Msg: fmt.Sprintf(format, args...)}
}

func wrapErr(kind *Error, cause error, format string, args ...any) *Error {
	return &Error{Code: kind.Code, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// formatSize writes n bytes as "16 MiB" when it is a whole number of MiB or
// KiB, else "N bytes".
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
