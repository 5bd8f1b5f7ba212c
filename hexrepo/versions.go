package hexrepo

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Versions is the /versions resource: every package with all its versions,
// which lets mix resolve without fetching each /packages/NAME first.
type Versions struct {
	Repository string
	Packages   []VersionsEntry
}

// VersionsEntry is one package in Versions.
type VersionsEntry struct {
	Name     string
	Versions []string
	// Retired holds zero-based indexes into Versions of retired releases.
	Retired []int32
}

// Wire numbers from hex_core's hex_pb_versions.proto.
const (
	versionsPackages   protowire.Number = 1
	versionsRepository protowire.Number = 2

	verName     protowire.Number = 1
	verVersions protowire.Number = 2
	verRetired  protowire.Number = 3 // [packed=true]
)

// EncodeVersions returns the unsigned Versions protobuf.
func EncodeVersions(v Versions) ([]byte, error) {
	if v.Repository == "" {
		return nil, fmt.Errorf("%w: versions without a repository", ErrInvalid)
	}
	var b []byte
	for i, e := range v.Packages {
		if e.Name == "" {
			return nil, fmt.Errorf("%w: versions entry #%d has no name", ErrInvalid, i)
		}
		m := appendString(nil, verName, e.Name)
		for _, s := range e.Versions {
			m = appendString(m, verVersions, s)
		}
		if len(e.Retired) > 0 {
			var packed []byte
			for _, idx := range e.Retired {
				// An index past the list would make mix mark the wrong
				// release, or crash, so it is refused here.
				if idx < 0 || int(idx) >= len(e.Versions) {
					return nil, fmt.Errorf("%w: %s retired index %d outside %d versions", ErrInvalid, e.Name, idx, len(e.Versions))
				}
				packed = protowire.AppendVarint(packed, uint64(int64(idx)))
			}
			m = appendBytes(m, verRetired, packed)
		}
		b = appendBytes(b, versionsPackages, m)
	}
	b = appendString(b, versionsRepository, v.Repository)
	return b, nil
}

// DecodeVersions parses an unsigned Versions protobuf.
func DecodeVersions(b []byte) (Versions, error) {
	var v Versions
	var hasRepo bool
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case versionsPackages:
			if err = f.want(protowire.BytesType, "Versions.packages"); err != nil {
				return err
			}
			var e VersionsEntry
			if e, err = decodeVersionsEntry(f.bytes); err != nil {
				return err
			}
			v.Packages = append(v.Packages, e)
		case versionsRepository:
			v.Repository, err = f.str("Versions.repository")
			hasRepo = true
		}
		return err
	})
	if err != nil {
		return Versions{}, err
	}
	if !hasRepo {
		return Versions{}, missing("Versions", "repository")
	}
	return v, nil
}

func decodeVersionsEntry(b []byte) (VersionsEntry, error) {
	var e VersionsEntry
	var hasName bool
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case verName:
			e.Name, err = f.str("Versions.Package.name")
			hasName = true
		case verVersions:
			var s string
			s, err = f.str("Versions.Package.versions")
			e.Versions = append(e.Versions, s)
		case verRetired:
			e.Retired, err = appendRetired(e.Retired, f)
		}
		return err
	})
	if err != nil {
		return VersionsEntry{}, err
	}
	if !hasName {
		return VersionsEntry{}, missing("Versions.Package", "name")
	}
	return e, nil
}

// appendRetired accepts both packed and unpacked encodings, as protobuf
// parsers must for repeated scalars.
func appendRetired(dst []int32, f field) ([]int32, error) {
	if f.typ == protowire.VarintType {
		return append(dst, int32(f.varint)), nil
	}
	if err := f.want(protowire.BytesType, "Versions.Package.retired"); err != nil {
		return nil, err
	}
	for b := f.bytes; len(b) > 0; {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, fmt.Errorf("%w: retired index: %w", ErrMalformed, protowire.ParseError(n))
		}
		dst = append(dst, int32(v))
		b = b[n:]
	}
	return dst, nil
}
