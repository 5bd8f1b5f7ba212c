package interchange

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// ExportOptions say what to export and how to sign it.
type ExportOptions struct {
	// Org is the organization whose repository is exported.
	Org string
	// Key signs the dump's names, versions and packages/NAME. Nil makes a
	// fresh key for this dump alone: its public half is the dump's
	// public_key, the private half is discarded, so the dump verifies and
	// imports but nobody can sign a changed copy with the same key.
	Key *rsa.PrivateKey
	// KeyPEM is Key as a PEM, for callers that receive one (GraphQL); it
	// is used when Key is nil.
	KeyPEM []byte
	// Repository is the name the payloads carry (clients configure it as
	// the repository's name); "" means the organization's name.
	Repository string
}

// ExportSummary is what an export wrote.
type ExportSummary struct {
	Repository         string
	Packages, Releases int
	Docs               int
	Bytes              int64
	// PublicKey is the PEM the dump verifies with (its public_key file).
	PublicKey []byte
}

// Sink receives the files of a dump, by slash-separated path.
type Sink interface {
	Put(name string, size int64, r io.Reader) error
}

// CanExport is the export rule: the operator, or an admin of the
// organization through a browser session or an api:write key. Billing does
// not enter into it: a lapsed organization's admins can take their data
// with them for as long as it is kept.
func CanExport(v *viewer.Viewer, org string) bool {
	if v.IsSystem() {
		return true
	}
	o, ok := v.OrgByName(org)
	return ok && v.Scopes.AllowsWrite() && v.RoleIn(o.ID) >= viewer.RoleAdmin
}

// authorizeExport applies CanExport, and asks an admin with two-factor
// authentication for a fresh code: an export hands over every private
// package at once, like the other sensitive actions.
func (s *Service) authorizeExport(ctx context.Context, org string) error {
	v := viewer.FromContext(ctx)
	switch {
	case v.IsSystem():
		return nil
	case v.Anonymous():
		return apperr.SignInRequired()
	case org == "":
		return apperr.Invalid("organization", "name the organization to export")
	case !CanExport(v, org):
		return apperr.New(apperr.Forbidden, "only admins of organization %s can export its packages", org)
	case v.SensitiveNeedsCode(s.now()):
		return apperr.CodeRequired()
	}
	return nil
}

// Export writes organization opts.Org's repository into sink as a static
// Hex registry (see the package comment for the layout).
func (s *Service) Export(ctx context.Context, opts ExportOptions, sink Sink) (ExportSummary, error) {
	if err := s.authorizeExport(ctx, opts.Org); err != nil {
		return ExportSummary{}, err
	}
	if opts.Org == "" {
		return ExportSummary{}, apperr.Invalid("organization", "name the organization to export")
	}
	if opts.Key == nil && len(opts.KeyPEM) > 0 {
		k, err := hexrepo.DecodePrivateKeyPEM(opts.KeyPEM)
		if err != nil {
			return ExportSummary{}, apperr.Invalid("privateKey", "the private key is not a PEM RSA private key: %v", err)
		}
		opts.Key = k
	}
	key := opts.Key
	if key == nil {
		k, err := hexrepo.GenerateKey()
		if err != nil {
			return ExportSummary{}, err
		}
		key = k
	}
	sys := viewer.System(ctx)
	row, pkgs, err := s.Registry.RepositoryContents(sys, opts.Org)
	if err != nil {
		return ExportSummary{}, err
	}
	if row.OrganizationID == nil {
		return ExportSummary{}, apperr.Invalid("organization", "%s is the public repository, not an organization", opts.Org)
	}
	w := &exportWriter{sink: sink, sum: ExportSummary{Repository: opts.Repository}}
	if w.sum.Repository == "" {
		w.sum.Repository = row.Name
	}
	repoName := w.sum.Repository
	man := Manifest{Format: ManifestFormat, Repository: repoName, ExportedAt: s.now()}
	names := hexrepo.Names{Repository: repoName}
	versions := hexrepo.Versions{Repository: repoName}
	for _, rp := range pkgs {
		p := rp.Package
		hp := hexrepo.Package{Name: p.Name, Repository: repoName}
		mp := ManifestPackage{Name: p.Name, Description: p.Description, Owners: owners(rp.Owners)}
		ve := hexrepo.VersionsEntry{Name: p.Name}
		for i, rel := range rp.Releases {
			wr, err := registry.HexRelease(rel, s.Registry.PublicName(), row.Name, repoName)
			if err != nil {
				return w.sum, err
			}
			hp.Releases = append(hp.Releases, wr)
			ve.Versions = append(ve.Versions, rel.Version)
			if rel.Edges.Retirement != nil {
				ve.Retired = append(ve.Retired, int32(i))
			}
			if err := w.blob(sys, s.Registry, tarballPath(p.Name, rel.Version), rel.BlobKey); err != nil {
				return w.sum, err
			}
			w.sum.Releases++
			mr := ManifestRelease{Version: rel.Version, OuterChecksum: rel.OuterChecksum, PublishedAt: rel.FirstPublishedAt.UTC()}
			if rel.DocsBlobKey != nil {
				d := &ManifestDocs{File: docsPath(p.Name, rel.Version), SHA256: *rel.DocsBlobKey}
				if rel.DocsPublishedAt != nil {
					d.PublishedAt = rel.DocsPublishedAt.UTC()
				}
				if d.Size, err = w.blobSize(sys, s.Registry, d.File, *rel.DocsBlobKey); err != nil {
					return w.sum, err
				}
				w.sum.Docs++
				mr.Docs = d
			}
			mp.Releases = append(mp.Releases, mr)
		}
		body, err := hexrepo.EncodePackageSigned(hp, key)
		if err != nil {
			return w.sum, fmt.Errorf("sign package %s: %w", p.Name, err)
		}
		if err := w.bytes("packages/"+p.Name, body); err != nil {
			return w.sum, err
		}
		names.Packages = append(names.Packages, hexrepo.NameEntry{Name: p.Name, UpdatedAt: p.UpdatedAt.UTC()})
		versions.Packages = append(versions.Packages, ve)
		man.Packages = append(man.Packages, mp)
		w.sum.Packages++
	}
	body, err := hexrepo.EncodeNamesSigned(names, key)
	if err != nil {
		return w.sum, fmt.Errorf("sign names: %w", err)
	}
	if err := w.bytes("names", body); err != nil {
		return w.sum, err
	}
	if body, err = hexrepo.EncodeVersionsSigned(versions, key); err != nil {
		return w.sum, fmt.Errorf("sign versions: %w", err)
	}
	if err := w.bytes("versions", body); err != nil {
		return w.sum, err
	}
	pub, err := hexrepo.EncodePublicKeyPEM(&key.PublicKey)
	if err != nil {
		return w.sum, err
	}
	w.sum.PublicKey = pub
	if err := w.bytes("public_key", pub); err != nil {
		return w.sum, err
	}
	mj, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return w.sum, err
	}
	if err := w.bytes(ManifestFile, append(mj, '\n')); err != nil {
		return w.sum, err
	}
	// The organization's admins can read who took a copy of everything.
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{Action: "organization.export", OrganizationID: *row.OrganizationID,
			Params: map[string]any{"repository": repoName, "packages": w.sum.Packages, "releases": w.sum.Releases, "docs": w.sum.Docs}})
	})
	return w.sum, err
}

func owners(os []*ent.PackageOwner) []ManifestOwner {
	var out []ManifestOwner
	for _, o := range os {
		switch {
		case o.Edges.User != nil:
			out = append(out, ManifestOwner{Kind: "user", Name: o.Edges.User.Username, Level: string(o.Level)})
		case o.Edges.Organization != nil:
			out = append(out, ManifestOwner{Kind: "organization", Name: o.Edges.Organization.Name, Level: string(o.Level)})
		}
	}
	return out
}

type exportWriter struct {
	sink Sink
	sum  ExportSummary
}

func (w *exportWriter) bytes(name string, b []byte) error {
	w.sum.Bytes += int64(len(b))
	if err := w.sink.Put(name, int64(len(b)), bytes.NewReader(b)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func (w *exportWriter) blob(ctx context.Context, reg *registry.Service, name, key string) error {
	_, err := w.blobSize(ctx, reg, name, key)
	return err
}

func (w *exportWriter) blobSize(ctx context.Context, reg *registry.Service, name, key string) (int64, error) {
	rc, size, err := reg.Blobs.Open(ctx, key)
	if err != nil {
		return 0, fmt.Errorf("open blob of %s: %w", name, err)
	}
	defer rc.Close()
	w.sum.Bytes += size
	if err := w.sink.Put(name, size, rc); err != nil {
		return 0, fmt.Errorf("write %s: %w", name, err)
	}
	return size, nil
}

// DirSink writes a dump into a folder, which can then be served as it is
// by any static file server.
type DirSink string

// Put implements Sink.
func (d DirSink) Put(name string, _ int64, r io.Reader) error {
	path := filepath.Join(string(d), filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TarGz writes a dump as one gzipped tar whose entries sit under a single
// top folder, so `tar xzf` gives the registry folder.
type TarGz struct {
	zw  *gzip.Writer
	tw  *tar.Writer
	dir string
	at  time.Time
}

// NewTarGz starts a tar.gz dump on w with entries under dir/.
func NewTarGz(w io.Writer, dir string, at time.Time) *TarGz {
	zw := gzip.NewWriter(w)
	return &TarGz{zw: zw, tw: tar.NewWriter(zw), dir: dir, at: at}
}

// Put implements Sink.
func (t *TarGz) Put(name string, size int64, r io.Reader) error {
	if err := t.tw.WriteHeader(&tar.Header{Name: t.dir + "/" + name, Mode: 0o644, Size: size, ModTime: t.at, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return err
	}
	n, err := io.Copy(t.tw, r)
	if err == nil && n != size {
		err = fmt.Errorf("%s: wrote %d bytes, expected %d", name, n, size)
	}
	return err
}

// Close finishes the archive.
func (t *TarGz) Close() error {
	if err := t.tw.Close(); err != nil {
		return err
	}
	return t.zw.Close()
}

// ExportArchive runs Export into one tar.gz stored in the blob store (its
// entries under a folder named after the repository) and returns the
// blob's ref. No row references the blob, so the blob store's sweep removes
// it once it is older than DEPOT_BLOB_SWEEP_AGE; fronts hand it out
// through short-lived links (Links) well within that age.
func (s *Service) ExportArchive(ctx context.Context, opts ExportOptions) (blob.Ref, ExportSummary, error) {
	if err := s.authorizeExport(ctx, opts.Org); err != nil {
		return blob.Ref{}, ExportSummary{}, err
	}
	pr, pw := io.Pipe()
	type result struct {
		sum ExportSummary
		err error
	}
	done := make(chan result, 1)
	go func() {
		dir := opts.Repository
		if dir == "" {
			dir = opts.Org
		}
		tg := NewTarGz(pw, dir, s.now())
		sum, err := s.Export(ctx, opts, tg)
		if err == nil {
			err = tg.Close()
		}
		pw.CloseWithError(err)
		done <- result{sum, err}
	}()
	ref, putErr := s.Registry.Blobs.Put(ctx, pr)
	pr.CloseWithError(errors.New("export: the blob store stopped reading"))
	res := <-done
	if res.err != nil {
		return blob.Ref{}, res.sum, res.err
	}
	if putErr != nil {
		return blob.Ref{}, res.sum, fmt.Errorf("store export: %w", putErr)
	}
	return ref, res.sum, nil
}
