package hextar

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/depot-registry/depot/hextar/term"
)

// Create builds a Hex version-3 package tarball from meta and files and
// returns it with its inner and outer checksums.
//
// The output depends only on the input (and on Go's compress/flate, which
// may change between Go releases): files are sorted by name, every entry has
// the modification time hex_core uses (2000-01-01), owner 0 and no user
// names, gzip headers carry no time or name, and metadata keys are written
// in sorted order like hex_core. Metadata is checked as Read checks it, and
// the result is within DefaultLimits, so Read accepts whatever Create makes.
//
// File names must be clean relative paths ("lib/a.ex", not "./lib/a.ex" or
// "lib//a.ex") and unique; Mode keeps only permission bits.
func Create(meta Metadata, files []File) (tarball []byte, inner, outer [32]byte, err error) {
	metaTerms, err := meta.encode()
	if err != nil {
		return nil, inner, outer, err
	}
	metaBytes, err := term.Format(metaTerms...)
	if err != nil {
		return nil, inner, outer, metaErr("%v", err)
	}
	// Check the metadata exactly as Read will.
	if _, err := ParseMetadata(metaBytes, DefaultLimits); err != nil {
		return nil, inner, outer, err
	}

	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	var contentsTar bytes.Buffer
	tw := tar.NewWriter(&contentsTar)
	for i, f := range sorted {
		clean, err := cleanPath(f.Name)
		if err != nil {
			return nil, inner, outer, err
		}
		if clean == "" {
			return nil, inner, outer, newErr(ErrUnsafePath, "a file has an empty name")
		}
		if clean != f.Name || strings.Contains(f.Name, "\\") {
			return nil, inner, outer, newErr(ErrUnsafePath, "file name %q is not a clean relative path (use %q)", f.Name, clean)
		}
		if i > 0 && sorted[i-1].Name == f.Name {
			return nil, inner, outer, newErr(ErrCorrupt, "file %s is given twice", f.Name)
		}
		mode := f.Mode & 0o777
		if mode == 0 {
			mode = 0o644
		}
		if err := writeEntry(tw, f.Name, 0o100000|mode, f.Data); err != nil {
			return nil, inner, outer, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, inner, outer, wrapErr(ErrCorrupt, err, "writing contents: %v", err)
	}
	if int64(contentsTar.Len()) > DefaultLimits.MaxUncompressed {
		return nil, inner, outer, newErr(ErrTooLarge, "contents exceed %s uncompressed", formatSize(DefaultLimits.MaxUncompressed))
	}
	if len(files) > DefaultLimits.MaxFiles {
		return nil, inner, outer, newErr(ErrTooLarge, "contents hold more than %d files", DefaultLimits.MaxFiles)
	}

	var contents bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&contents, gzip.BestCompression)
	zw.Write(contentsTar.Bytes())
	if err := zw.Close(); err != nil {
		return nil, inner, outer, wrapErr(ErrCorrupt, err, "compressing contents: %v", err)
	}

	version := []byte("3")
	inner = innerChecksum(version, metaBytes, contents.Bytes())
	checksum := []byte(strings.ToUpper(hex.EncodeToString(inner[:])))

	var out bytes.Buffer
	ow := tar.NewWriter(&out)
	for _, e := range []struct {
		name string
		data []byte
	}{
		{nameVersion, version},
		{nameChecksum, checksum},
		{nameMetadata, metaBytes},
		{nameContents, contents.Bytes()},
	} {
		if err := writeEntry(ow, e.name, 0o100644, e.data); err != nil {
			return nil, inner, outer, err
		}
	}
	if err := ow.Close(); err != nil {
		return nil, inner, outer, wrapErr(ErrCorrupt, err, "writing the package: %v", err)
	}
	if int64(out.Len()) > DefaultLimits.MaxCompressed {
		return nil, inner, outer, newErr(ErrTooLarge, "package exceeds %s", formatSize(DefaultLimits.MaxCompressed))
	}
	tarball = out.Bytes()
	outer = sha256.Sum256(tarball)
	return tarball, inner, outer, nil
}

func writeEntry(tw *tar.Writer, name string, mode int64, data []byte) error {
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Mode:     mode,
		Size:     int64(len(data)),
		ModTime:  epoch,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return wrapErr(ErrCorrupt, err, "cannot store %s: %v", name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return wrapErr(ErrCorrupt, err, "cannot store %s: %v", name, err)
	}
	return nil
}
