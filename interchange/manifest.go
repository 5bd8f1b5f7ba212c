package interchange

import "time"

// ManifestFile is the name of the manifest inside a dump.
const ManifestFile = "depot-export.json"

// ManifestFormat is the manifest's format marker; a different value is
// refused rather than half understood.
const ManifestFormat = "depot-export/1"

// Manifest is depot-export.json: what a Depot dump knows beyond the Hex
// formats. Import reads it when present; a static registry without it
// imports with publish times of now and no docs.
type Manifest struct {
	Format string `json:"format"`
	// Repository is the name the dump's payloads are signed under.
	Repository string            `json:"repository"`
	ExportedAt time.Time         `json:"exported_at"`
	Packages   []ManifestPackage `json:"packages"`
}

// ManifestPackage is one package's extra metadata.
type ManifestPackage struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Owners are informative: an import does not recreate accounts, so
	// imported private packages belong to the target organization and
	// public ones to the owner the operator names.
	Owners   []ManifestOwner   `json:"owners,omitempty"`
	Releases []ManifestRelease `json:"releases"`
}

// ManifestOwner is one owner of a package at the source.
type ManifestOwner struct {
	Kind  string `json:"kind"` // "user" or "organization"
	Name  string `json:"name"`
	Level string `json:"level"` // "FULL" or "MAINTAINER"
}

// ManifestRelease is one release's extra metadata.
type ManifestRelease struct {
	Version       string        `json:"version"`
	OuterChecksum string        `json:"outer_checksum"`
	PublishedAt   time.Time     `json:"published_at"`
	Docs          *ManifestDocs `json:"docs,omitempty"`
}

// ManifestDocs is a release's docs tarball in the dump.
type ManifestDocs struct {
	// File is the path in the dump, docs/NAME-VERSION.tar.gz.
	File string `json:"file"`
	// SHA256 is the lower-case hex checksum of the file.
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	PublishedAt time.Time `json:"published_at"`
}

func (m *Manifest) release(name, version string) (ManifestRelease, bool) {
	if m == nil {
		return ManifestRelease{}, false
	}
	for _, p := range m.Packages {
		if p.Name != name {
			continue
		}
		for _, r := range p.Releases {
			if r.Version == version {
				return r, true
			}
		}
	}
	return ManifestRelease{}, false
}
