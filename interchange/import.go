package interchange

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/viewer"
)

// Service imports and exports registries through the registry and the docs
// host; it holds no rows of its own.
type Service struct {
	// DB records the export audit rows; releases and docs are written
	// through Registry and Docs.
	DB       *ent.Client
	Registry *registry.Service
	Docs     *docshost.Service
	// Now stamps exports; nil means time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// payloadLimit bounds names, versions, packages/NAME, public_key and the
// manifest as read from a source.
const payloadLimit = 64 << 20

// ImportOptions say where an import goes and how the source is trusted.
type ImportOptions struct {
	// Org is the organization whose repository receives the releases; ""
	// for the public repository.
	Org string
	// Owner owns new public packages (a username or an organization name).
	Owner string
	// PublicKey is the PEM the source's payloads must verify with; nil
	// reads the source's own public_key file (which proves only that the
	// source is consistent, not who made it).
	PublicKey []byte
	// Repository is the repository name the payloads must carry; "" takes
	// the one the signed names payload carries, and every other payload
	// must agree with it.
	Repository string
	// Progress, when set, receives one line per release.
	Progress io.Writer
}

// Summary is what an import did.
type Summary struct {
	Imported, Skipped int
	// Docs counts docs tarballs stored; DocsSkipped those already there.
	Docs, DocsSkipped int
	Refused           []Refusal
}

// Refusal is a release the registry would not take, and why.
type Refusal struct {
	Package, Version, Reason string
}

func (r Refusal) String() string { return r.Package + " " + r.Version + ": " + r.Reason }

// planned is one verified release of the source.
type planned struct {
	name, version, outer string
	deps                 []string
	retired              *registry.ImportRetirement
	publishedAt          time.Time
	docs                 *ManifestDocs
}

// Import verifies the whole of src, then imports every release into the
// target repository. A source that fails verification (a bad signature, a
// payload for another repository, a tarball whose checksum differs, a
// missing file) is refused with a BAD_USER_INPUT error (apperr.BadInput) and nothing is
// imported. A release the registry refuses (it exists with other bytes, a
// dependency is unknown, the name is reserved) is listed in
// Summary.Refused and the others still go in. Running it again imports
// only what is missing.
func (s *Service) Import(ctx context.Context, src Source, opts ImportOptions) (Summary, error) {
	if !viewer.FromContext(ctx).IsSystem() {
		return Summary{}, apperr.New(apperr.Forbidden, "only the operator can import a registry")
	}
	plan, err := verify(ctx, src, opts)
	if err != nil {
		return Summary{}, err
	}
	var sum Summary
	for i, p := range plan {
		outcome, err := s.importOne(ctx, src, opts, p, &sum)
		if err != nil {
			return sum, err
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "[%d/%d] %s %s: %s\n", i+1, len(plan), p.name, p.version, outcome)
		}
	}
	return sum, nil
}

func (s *Service) importOne(ctx context.Context, src Source, opts ImportOptions, p planned, sum *Summary) (string, error) {
	rel, outcome, err := s.Registry.Import(ctx, registry.ImportInput{
		Repository: opts.Org, Owner: opts.Owner,
		Name: p.name, Version: p.version, OuterChecksum: p.outer,
		Tarball:     func() (io.ReadCloser, error) { return src.Open(ctx, tarballPath(p.name, p.version)) },
		PublishedAt: p.publishedAt, Retirement: p.retired,
	})
	var ae *apperr.Error
	if errors.As(err, &ae) {
		sum.Refused = append(sum.Refused, Refusal{Package: p.name, Version: p.version, Reason: ae.Message})
		return "refused: " + ae.Message, nil
	}
	if err != nil {
		return "", fmt.Errorf("import %s %s: %w", p.name, p.version, err)
	}
	if outcome == registry.Imported {
		sum.Imported++
	} else {
		sum.Skipped++
	}
	if p.docs == nil {
		return outcome, nil
	}
	if rel.DocsBlobKey != nil && *rel.DocsBlobKey == p.docs.SHA256 {
		sum.DocsSkipped++
		return outcome, nil
	}
	rc, err := src.Open(ctx, p.docs.File)
	if err != nil {
		return "", fmt.Errorf("open docs of %s %s: %w", p.name, p.version, err)
	}
	defer rc.Close()
	err = s.Docs.Import(ctx, opts.Org, p.name, p.version, rc, p.docs.PublishedAt)
	if errors.As(err, &ae) {
		sum.Refused = append(sum.Refused, Refusal{Package: p.name, Version: p.version, Reason: "docs: " + ae.Message})
		return outcome + ", docs refused: " + ae.Message, nil
	}
	if err != nil {
		return "", fmt.Errorf("import docs of %s %s: %w", p.name, p.version, err)
	}
	sum.Docs++
	return outcome + " with docs", nil
}

func tarballPath(name, version string) string { return "tarballs/" + name + "-" + version + ".tar" }
func docsPath(name, version string) string    { return "docs/" + name + "-" + version + ".tar.gz" }

// invalid is a source that failed verification.
func invalid(format string, args ...any) error {
	return apperr.Invalid("source", "the source registry is refused, nothing was imported: "+format, args...)
}

// verify reads and checks everything in src and returns the releases in
// the order they can be imported: packages after the packages of the same
// repository they depend on, each package's releases oldest first.
func verify(ctx context.Context, src Source, opts ImportOptions) ([]planned, error) {
	pemKey := opts.PublicKey
	if pemKey == nil {
		b, err := readAll(ctx, src, "public_key", payloadLimit)
		if err != nil {
			return nil, invalid("no public key given and none in the source: %v", err)
		}
		pemKey = b
	}
	pub, err := hexrepo.DecodePublicKeyPEM(pemKey)
	if err != nil {
		return nil, invalid("public key: %v", err)
	}
	names, err := readNames(ctx, src, pub, opts.Repository)
	if err != nil {
		return nil, err
	}
	repoName := names.Repository
	body, err := readAll(ctx, src, "versions", payloadLimit)
	if err != nil {
		return nil, invalid("versions: %v", err)
	}
	versions, err := hexrepo.DecodeVersionsSigned(body, pub, repoName)
	if err != nil {
		return nil, invalid("versions: %v", err)
	}
	listed := map[string][]string{}
	for _, e := range versions.Packages {
		listed[e.Name] = e.Versions
	}
	man, err := readManifest(ctx, src, repoName)
	if err != nil {
		return nil, err
	}
	byPkg := map[string][]planned{}
	var order []string
	for _, n := range names.Packages {
		body, err := readAll(ctx, src, "packages/"+n.Name, payloadLimit)
		if err != nil {
			return nil, invalid("package %s: %v", n.Name, err)
		}
		p, err := hexrepo.DecodePackageSigned(body, pub, repoName, n.Name)
		if err != nil {
			return nil, invalid("package %s: %v", n.Name, err)
		}
		var vs []string
		for _, r := range p.Releases {
			vs = append(vs, r.Version)
			pl, err := verifyRelease(ctx, src, repoName, p.Name, r, man)
			if err != nil {
				return nil, err
			}
			byPkg[p.Name] = append(byPkg[p.Name], pl)
		}
		if !sameSet(vs, listed[n.Name]) {
			return nil, invalid("package %s: the versions file lists %v, its package file %v", n.Name, listed[n.Name], vs)
		}
		delete(listed, n.Name)
		order = append(order, n.Name)
	}
	for name := range listed {
		return nil, invalid("the versions file lists %s, the names file does not", name)
	}
	var plan []planned
	for _, name := range dependencyOrder(order, byPkg) {
		rels := byPkg[name]
		// Oldest first, so the package's first publish is its first
		// release's (registry.Import anchors the 24-hour window there).
		sort.SliceStable(rels, func(i, j int) bool { return rels[i].publishedAt.Before(rels[j].publishedAt) })
		plan = append(plan, rels...)
	}
	return plan, nil
}

func readNames(ctx context.Context, src Source, pub *rsa.PublicKey, want string) (hexrepo.Names, error) {
	body, err := readAll(ctx, src, "names", payloadLimit)
	if err != nil {
		return hexrepo.Names{}, invalid("names: %v", err)
	}
	if want != "" {
		n, err := hexrepo.DecodeNamesSigned(body, pub, want)
		if err != nil {
			return hexrepo.Names{}, invalid("names: %v", err)
		}
		return n, nil
	}
	// No expected name: take the signed one, which then binds the rest.
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return hexrepo.Names{}, invalid("names: %v", err)
	}
	signed, err := io.ReadAll(io.LimitReader(zr, payloadLimit))
	if err != nil {
		return hexrepo.Names{}, invalid("names: %v", err)
	}
	payload, err := hexrepo.Verify(signed, pub)
	if err != nil {
		return hexrepo.Names{}, invalid("names: %v", err)
	}
	n, err := hexrepo.DecodeNames(payload)
	if err != nil {
		return hexrepo.Names{}, invalid("names: %v", err)
	}
	return n, nil
}

func readManifest(ctx context.Context, src Source, repoName string) (*Manifest, error) {
	body, err := readAll(ctx, src, ManifestFile, payloadLimit)
	if isNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, invalid("%s: %v", ManifestFile, err)
	}
	var m Manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, invalid("%s: %v", ManifestFile, err)
	}
	if m.Format != ManifestFormat {
		return nil, invalid("%s: format %q, want %q", ManifestFile, m.Format, ManifestFormat)
	}
	if m.Repository != repoName {
		return nil, invalid("%s describes repository %q, the payloads are signed for %q", ManifestFile, m.Repository, repoName)
	}
	return &m, nil
}

// verifyRelease checks one release's tarball against the signed checksums
// and its docs against the manifest.
func verifyRelease(ctx context.Context, src Source, repoName, name string, r hexrepo.Release, man *Manifest) (planned, error) {
	what := name + " " + r.Version
	rc, err := src.Open(ctx, tarballPath(name, r.Version))
	if err != nil {
		return planned{}, invalid("%s: tarball: %v", what, err)
	}
	tb, err := hextar.Read(rc, hextar.DefaultLimits)
	rc.Close()
	if err != nil {
		return planned{}, invalid("%s: tarball: %v", what, err)
	}
	if !bytes.Equal(tb.InnerChecksum[:], r.InnerChecksum) {
		return planned{}, invalid("%s: the tarball's inner checksum is %s, the registry signed %x", what, hextar.Hex(tb.InnerChecksum), r.InnerChecksum)
	}
	if len(r.OuterChecksum) > 0 && !bytes.Equal(tb.OuterChecksum[:], r.OuterChecksum) {
		return planned{}, invalid("%s: the tarball's checksum is %s, the registry signed %x", what, hextar.Hex(tb.OuterChecksum), r.OuterChecksum)
	}
	if tb.Metadata.Name != name || tb.Metadata.Version != r.Version {
		return planned{}, invalid("%s: the tarball holds %s %s", what, tb.Metadata.Name, tb.Metadata.Version)
	}
	p := planned{name: name, version: r.Version, outer: hextar.Hex(tb.OuterChecksum)}
	for _, req := range tb.Metadata.Requirements {
		if req.Repository == "" || req.Repository == repoName {
			p.deps = append(p.deps, req.Name)
		}
	}
	if r.Retired != nil {
		p.retired = &registry.ImportRetirement{Reason: retirement.Reason(strings.ToUpper(r.Retired.Reason.String())), Message: r.Retired.Message}
	}
	mr, ok := man.release(name, r.Version)
	if !ok {
		return p, nil
	}
	if mr.OuterChecksum != p.outer {
		return planned{}, invalid("%s: %s names outer checksum %s, the registry signed %s", what, ManifestFile, mr.OuterChecksum, p.outer)
	}
	p.publishedAt = mr.PublishedAt
	if d := mr.Docs; d != nil {
		if err := verifyDocs(ctx, src, *d); err != nil {
			return planned{}, invalid("%s: docs: %v", what, err)
		}
		p.docs = d
	}
	return p, nil
}

func verifyDocs(ctx context.Context, src Source, d ManifestDocs) error {
	rc, err := src.Open(ctx, d.File)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return fmt.Errorf("read %s: %w", d.File, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != d.SHA256 {
		return fmt.Errorf("%s has checksum %s, the manifest says %s", d.File, got, d.SHA256)
	}
	return nil
}

// dependencyOrder puts each package after the packages of the source it
// depends on (the registry only accepts known dependencies). A cycle is
// broken in name order; the registry then refuses what it must.
func dependencyOrder(names []string, rels map[string][]planned) []string {
	slices.Sort(names)
	state := map[string]int{} // 0 new, 1 visiting, 2 done
	var out []string
	var visit func(string)
	visit = func(n string) {
		if state[n] != 0 {
			return
		}
		state[n] = 1
		var deps []string
		for _, r := range rels[n] {
			deps = append(deps, r.deps...)
		}
		slices.Sort(deps)
		for _, d := range slices.Compact(deps) {
			if _, ok := rels[d]; ok {
				visit(d)
			}
		}
		state[n] = 2
		out = append(out, n)
	}
	for _, n := range names {
		visit(n)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
