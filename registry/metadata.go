package registry

import (
	"errors"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent/schema/schematype"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/names"
	"github.com/depot-registry/depot/semver"
)

// checkMetadata applies Depot's rules on top of what hextar already
// verified: the name is a valid, unreserved package name, the version is
// strict SemVer without build metadata, and public packages declare a
// license (consumers must know whether they may use them).
func checkMetadata(m hextar.Metadata, r repo) (semver.Version, error) {
	if err := names.Package(m.Name); err != nil {
		return semver.Version{}, err
	}
	v, err := semver.Parse(m.Version)
	if err != nil {
		if errors.Is(err, semver.ErrBuildMetadata) {
			return semver.Version{}, apperr.Invalid("version", "version %q has build metadata (+...), which Hex versions cannot carry", m.Version)
		}
		return semver.Version{}, apperr.Invalid("version", "version %q is not valid SemVer: %v", m.Version, err)
	}
	if !r.private() && len(nonEmpty(m.Licenses)) == 0 {
		return semver.Version{}, apperr.Invalid("licenses", "public packages must declare at least one license in metadata (licenses)")
	}
	for _, req := range m.Requirements {
		if _, err := semver.ParseRequirement(req.Requirement); err != nil {
			return semver.Version{}, apperr.Invalid("requirements", "dependency %s: invalid requirement %q: %v", req.Name, req.Requirement, err)
		}
	}
	return v, nil
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func links(ls []hextar.Link) []schematype.Link {
	out := make([]schematype.Link, 0, len(ls))
	for _, l := range ls {
		out = append(out, schematype.Link{Name: l.Name, URL: l.URL})
	}
	return out
}
