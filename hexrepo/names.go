package hexrepo

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// Names is the /names resource: every package a client may resolve from
// the repository.
type Names struct {
	Repository string
	Packages   []NameEntry
}

// NameEntry is one package in Names. A zero UpdatedAt is left off the
// wire; rebar3 3.19's hex_core does not know the field at all and skips it.
type NameEntry struct {
	Name      string
	UpdatedAt time.Time
}

// Wire numbers from hex_core's hex_pb_names.proto. updated_at is 3, not 2:
// 2 was the package-level repository string, deprecated and never reused.
const (
	namesPackages   protowire.Number = 1
	namesRepository protowire.Number = 2

	nameName      protowire.Number = 1
	nameUpdatedAt protowire.Number = 3

	tsSeconds protowire.Number = 1
	tsNanos   protowire.Number = 2
)

// EncodeNames returns the unsigned Names protobuf, entries in the given
// order.
func EncodeNames(n Names) ([]byte, error) {
	if n.Repository == "" {
		return nil, fmt.Errorf("%w: names without a repository", ErrInvalid)
	}
	var b []byte
	for i, e := range n.Packages {
		if e.Name == "" {
			return nil, fmt.Errorf("%w: names entry #%d has no name", ErrInvalid, i)
		}
		m := appendString(nil, nameName, e.Name)
		if !e.UpdatedAt.IsZero() {
			// Both Timestamp fields are proto2 "required", so both are
			// written even when nanos is zero.
			var ts []byte
			ts = appendVarint(ts, tsSeconds, uint64(e.UpdatedAt.Unix()))
			ts = appendInt32(ts, tsNanos, int32(e.UpdatedAt.Nanosecond()))
			m = appendBytes(m, nameUpdatedAt, ts)
		}
		b = appendBytes(b, namesPackages, m)
	}
	b = appendString(b, namesRepository, n.Repository)
	return b, nil
}

// DecodeNames parses an unsigned Names protobuf. UpdatedAt comes back in
// UTC.
func DecodeNames(b []byte) (Names, error) {
	var n Names
	var hasRepo bool
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case namesPackages:
			if err = f.want(protowire.BytesType, "Names.packages"); err != nil {
				return err
			}
			var e NameEntry
			if e, err = decodeNameEntry(f.bytes); err != nil {
				return err
			}
			n.Packages = append(n.Packages, e)
		case namesRepository:
			n.Repository, err = f.str("Names.repository")
			hasRepo = true
		}
		return err
	})
	if err != nil {
		return Names{}, err
	}
	if !hasRepo {
		return Names{}, missing("Names", "repository")
	}
	return n, nil
}

func decodeNameEntry(b []byte) (NameEntry, error) {
	var e NameEntry
	var hasName bool
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case nameName:
			e.Name, err = f.str("Names.Package.name")
			hasName = true
		case nameUpdatedAt:
			if err = f.want(protowire.BytesType, "Names.Package.updated_at"); err != nil {
				return err
			}
			e.UpdatedAt, err = decodeTimestamp(f.bytes)
		}
		return err
	})
	if err != nil {
		return NameEntry{}, err
	}
	if !hasName {
		return NameEntry{}, missing("Names.Package", "name")
	}
	return e, nil
}

func decodeTimestamp(b []byte) (time.Time, error) {
	var secs int64
	var nanos int32
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case tsSeconds:
			secs, err = f.int64("Timestamp.seconds")
		case tsNanos:
			nanos, err = f.int32("Timestamp.nanos")
		}
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	if nanos < 0 || nanos > 999_999_999 {
		return time.Time{}, fmt.Errorf("%w: timestamp nanos %d out of range", ErrMalformed, nanos)
	}
	return time.Unix(secs, int64(nanos)).UTC(), nil
}
