package hexrepo

import (
	"crypto/sha256"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Package is the /packages/NAME resource: every release of one package.
// Releases are encoded in the given order; clients sort versions themselves.
type Package struct {
	Name       string
	Repository string
	Releases   []Release
}

// Release is one published version as the dependency resolver sees it.
type Release struct {
	Version string
	// InnerChecksum is the SHA-256 of the tarball's contents (the legacy
	// "checksum" clients still store in lock files).
	InnerChecksum []byte
	// OuterChecksum is the SHA-256 of the whole tarball. It is optional on
	// the wire but required here: rebar3 drops releases without it.
	OuterChecksum []byte
	Dependencies  []Dependency
	// Retired is nil for a release in good standing.
	Retired *Retirement
}

// Dependency is one requirement of a release.
type Dependency struct {
	Package     string
	Requirement string
	Optional    bool
	// App is the OTP application name when it differs from Package.
	App string
	// Repository names the repository holding Package when it is not the
	// one serving this payload.
	Repository string
}

// Retirement marks a release that resolvers should only keep if it is
// already locked.
type Retirement struct {
	Reason  RetirementReason
	Message string
}

// RetirementReason is hex_core's RetirementReason enum; the values are wire
// numbers and must not change.
type RetirementReason int32

// The reasons Hex knows, with hex_core's numbers.
const (
	ReasonOther      RetirementReason = 0
	ReasonInvalid    RetirementReason = 1
	ReasonSecurity   RetirementReason = 2
	ReasonDeprecated RetirementReason = 3
	ReasonRenamed    RetirementReason = 4
)

var reasonNames = [...]string{"other", "invalid", "security", "deprecated", "renamed"}

// String returns the lowercase name the Hex HTTP API and mix use
// ("security", ...), or "RetirementReason(N)" for an unknown number.
func (r RetirementReason) String() string {
	if r.Valid() {
		return reasonNames[r]
	}
	return fmt.Sprintf("RetirementReason(%d)", int32(r))
}

// Valid reports whether r is one of the reasons Hex clients know.
func (r RetirementReason) Valid() bool { return r >= 0 && int(r) < len(reasonNames) }

// ParseRetirementReason is the inverse of String for the known reasons.
func ParseRetirementReason(s string) (RetirementReason, error) {
	for i, n := range reasonNames {
		if n == s {
			return RetirementReason(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown retirement reason %q", ErrInvalid, s)
}

// Wire numbers from hex_core's hex_pb_package.proto.
const (
	pkgReleases   protowire.Number = 1
	pkgName       protowire.Number = 2
	pkgRepository protowire.Number = 3

	relVersion       protowire.Number = 1
	relInnerChecksum protowire.Number = 2
	relDependencies  protowire.Number = 3
	relRetired       protowire.Number = 4
	relOuterChecksum protowire.Number = 5

	retReason  protowire.Number = 1
	retMessage protowire.Number = 2

	depPackage     protowire.Number = 1
	depRequirement protowire.Number = 2
	depOptional    protowire.Number = 3
	depApp         protowire.Number = 4
	depRepository  protowire.Number = 5
)

// EncodePackage returns the unsigned Package protobuf. Fields are written
// in field-number order and optional fields only when set, which is what
// hex_core's own encoder does, so equal values give byte-identical payloads
// (stable ETags, comparable golden files).
func EncodePackage(p Package) ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var b []byte
	for _, r := range p.Releases {
		b = appendBytes(b, pkgReleases, appendRelease(nil, r))
	}
	b = appendString(b, pkgName, p.Name)
	b = appendString(b, pkgRepository, p.Repository)
	return b, nil
}

func appendRelease(b []byte, r Release) []byte {
	b = appendString(b, relVersion, r.Version)
	b = appendBytes(b, relInnerChecksum, r.InnerChecksum)
	for _, d := range r.Dependencies {
		b = appendBytes(b, relDependencies, appendDependency(nil, d))
	}
	if r.Retired != nil {
		var m []byte
		m = appendInt32(m, retReason, int32(r.Retired.Reason))
		if r.Retired.Message != "" {
			m = appendString(m, retMessage, r.Retired.Message)
		}
		b = appendBytes(b, relRetired, m)
	}
	if len(r.OuterChecksum) > 0 {
		b = appendBytes(b, relOuterChecksum, r.OuterChecksum)
	}
	return b
}

func appendDependency(b []byte, d Dependency) []byte {
	b = appendString(b, depPackage, d.Package)
	b = appendString(b, depRequirement, d.Requirement)
	// false is proto2's default; both rebar3 and mix read a missing flag
	// as "not optional", so only true is written.
	if d.Optional {
		b = appendVarint(b, depOptional, 1)
	}
	if d.App != "" {
		b = appendString(b, depApp, d.App)
	}
	if d.Repository != "" {
		b = appendString(b, depRepository, d.Repository)
	}
	return b
}

func (p Package) validate() error {
	if p.Name == "" || p.Repository == "" {
		return fmt.Errorf("%w: package needs a name and a repository (got %q, %q)", ErrInvalid, p.Name, p.Repository)
	}
	seen := make(map[string]bool, len(p.Releases))
	for i, r := range p.Releases {
		if err := r.validate(); err != nil {
			return fmt.Errorf("package %s release #%d: %w", p.Name, i, err)
		}
		if seen[r.Version] {
			return fmt.Errorf("%w: package %s lists version %s twice", ErrInvalid, p.Name, r.Version)
		}
		seen[r.Version] = true
	}
	return nil
}

func (r Release) validate() error {
	if r.Version == "" {
		return fmt.Errorf("%w: release without a version", ErrInvalid)
	}
	if len(r.InnerChecksum) != sha256.Size {
		return fmt.Errorf("%w: %s inner checksum is %d bytes, want SHA-256", ErrInvalid, r.Version, len(r.InnerChecksum))
	}
	if len(r.OuterChecksum) != sha256.Size {
		return fmt.Errorf("%w: %s outer checksum is %d bytes, want SHA-256 (rebar3 ignores releases without one)", ErrInvalid, r.Version, len(r.OuterChecksum))
	}
	for _, d := range r.Dependencies {
		if d.Package == "" || d.Requirement == "" {
			return fmt.Errorf("%w: %s has a dependency without package or requirement (%q, %q)", ErrInvalid, r.Version, d.Package, d.Requirement)
		}
	}
	if r.Retired != nil && !r.Retired.Reason.Valid() {
		return fmt.Errorf("%w: %s retired with %v", ErrInvalid, r.Version, r.Retired.Reason)
	}
	return nil
}

// DecodePackage parses an unsigned Package protobuf. It checks structure
// and required fields, not the semantic rules EncodePackage enforces, so
// legacy payloads (without outer checksums) still decode.
func DecodePackage(b []byte) (Package, error) {
	var p Package
	var hasName, hasRepo bool
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case pkgReleases:
			if err = f.want(protowire.BytesType, "Package.releases"); err != nil {
				return err
			}
			var r Release
			if r, err = decodeRelease(f.bytes); err != nil {
				return err
			}
			p.Releases = append(p.Releases, r)
		case pkgName:
			p.Name, err = f.str("Package.name")
			hasName = true
		case pkgRepository:
			p.Repository, err = f.str("Package.repository")
			hasRepo = true
		}
		return err
	})
	if err != nil {
		return Package{}, err
	}
	if !hasName || !hasRepo {
		return Package{}, missing("Package", "name", "repository")
	}
	return p, nil
}

func decodeRelease(b []byte) (Release, error) {
	var r Release
	var hasVersion, hasInner bool
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case relVersion:
			r.Version, err = f.str("Release.version")
			hasVersion = true
		case relInnerChecksum:
			r.InnerChecksum, err = f.bytesCopy("Release.inner_checksum")
			hasInner = true
		case relDependencies:
			if err = f.want(protowire.BytesType, "Release.dependencies"); err != nil {
				return err
			}
			var d Dependency
			if d, err = decodeDependency(f.bytes); err != nil {
				return err
			}
			r.Dependencies = append(r.Dependencies, d)
		case relRetired:
			if err = f.want(protowire.BytesType, "Release.retired"); err != nil {
				return err
			}
			var ret Retirement
			if ret, err = decodeRetirement(f.bytes); err != nil {
				return err
			}
			r.Retired = &ret
		case relOuterChecksum:
			r.OuterChecksum, err = f.bytesCopy("Release.outer_checksum")
		}
		return err
	})
	if err != nil {
		return Release{}, err
	}
	if !hasVersion || !hasInner {
		return Release{}, missing("Release", "version", "inner_checksum")
	}
	return r, nil
}

func decodeRetirement(b []byte) (Retirement, error) {
	var ret Retirement
	var hasReason bool
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case retReason:
			var v int32
			v, err = f.int32("RetirementStatus.reason")
			// Unknown numbers are kept rather than rejected: a newer Hex
			// may add reasons, and the release is retired either way.
			ret.Reason = RetirementReason(v)
			hasReason = true
		case retMessage:
			ret.Message, err = f.str("RetirementStatus.message")
		}
		return err
	})
	if err != nil {
		return Retirement{}, err
	}
	if !hasReason {
		return Retirement{}, missing("RetirementStatus", "reason")
	}
	return ret, nil
}

func decodeDependency(b []byte) (Dependency, error) {
	var d Dependency
	var hasPkg, hasReq bool
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case depPackage:
			d.Package, err = f.str("Dependency.package")
			hasPkg = true
		case depRequirement:
			d.Requirement, err = f.str("Dependency.requirement")
			hasReq = true
		case depOptional:
			d.Optional, err = f.bool("Dependency.optional")
		case depApp:
			d.App, err = f.str("Dependency.app")
		case depRepository:
			d.Repository, err = f.str("Dependency.repository")
		}
		return err
	})
	if err != nil {
		return Dependency{}, err
	}
	if !hasPkg || !hasReq {
		return Dependency{}, missing("Dependency", "package", "requirement")
	}
	return d, nil
}
