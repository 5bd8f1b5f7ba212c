package registry

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/semver"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// ImportInput is one release brought over from another registry (the
// operator's `depot import`). Unlike Publish it keeps the release's history:
// its original publish time and its retirement.
type ImportInput struct {
	// Repository is an organization name, or "" for the public repository.
	Repository string
	// Owner names the user or organization that owns a new public package;
	// ignored for private packages (their organization owns them) and for
	// packages that exist.
	Owner string
	// Name, Version and OuterChecksum (lower-case hex) are what the source's
	// signed registry says; an existing release is compared with them before
	// the tarball is read, and the tarball must match them.
	Name, Version, OuterChecksum string
	// Tarball is read only when the release is not there yet.
	Tarball func() (io.ReadCloser, error)
	// PublishedAt is the original publish time; zero means now.
	PublishedAt time.Time
	// Retirement, when set, is carried over.
	Retirement *ImportRetirement
}

// ImportRetirement is a retirement carried over by Import.
type ImportRetirement struct {
	Reason  retirement.Reason
	Message string
}

// Import outcomes.
const (
	Imported = "imported"
	// AlreadyPresent: the release exists with the same outer checksum.
	AlreadyPresent = "skipped"
)

// Import stores a release from another registry, keeping its publish time.
//
// It is the operator's tool (the system viewer only): the source's
// signatures and checksums were verified by the caller, and the usual
// owner checks do not apply since nobody here published it. Everything
// else a publish checks still holds: tarball validity, metadata rules,
// reservations, the upstream-name guard, known dependencies. A release that
// exists with the same outer checksum is AlreadyPresent (import is
// idempotent); one with different bytes is a CONFLICT and is never
// replaced. The 60-minute and 24-hour windows count from the original
// publish time, so an import is not a fresh publish: an old release is
// immutable at once, as it was at its source.
func (s *Service) Import(ctx context.Context, in ImportInput) (*ent.Release, string, error) {
	if !viewer.FromContext(ctx).IsSystem() {
		return nil, "", apperr.New(apperr.Forbidden, "only the operator can import releases")
	}
	r, err := s.resolveRepo(ctx, s.DB.Repository, in.Repository)
	if err != nil {
		return nil, "", err
	}
	if rel, err := s.existingImport(ctx, r, in); rel != nil || err != nil {
		return rel, AlreadyPresent, err
	}
	if in.Tarball == nil {
		return nil, "", apperr.Invalid("tarball", "no tarball for %s %s", in.Name, in.Version)
	}
	rc, err := in.Tarball()
	if err != nil {
		return nil, "", fmt.Errorf("open tarball of %s %s: %w", in.Name, in.Version, err)
	}
	tb, ref, err := s.upload(ctx, rc)
	rc.Close()
	if err != nil {
		return nil, "", err
	}
	rel, err := s.importUploaded(ctx, r, in, tb, ref)
	s.unhold(ref.Key)
	if err != nil {
		s.dropBlob(ctx, ref.Key)
		return nil, "", err
	}
	s.committed(ctx)
	return rel.Unwrap(), Imported, nil
}

// existingImport finds the release in, and refuses it when its bytes differ.
func (s *Service) existingImport(ctx context.Context, r repo, in ImportInput) (*ent.Release, error) {
	rel, err := s.DB.Release.Query().
		Where(release.HasPackageWith(pkg.RepositoryID(r.ID), pkg.Name(in.Name)), release.Version(in.Version)).
		Only(viewer.System(ctx))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load release %s %s: %w", in.Name, in.Version, err)
	}
	if rel.OuterChecksum != in.OuterChecksum {
		return nil, apperr.New(apperr.Conflict, "%s %s exists here with outer checksum %s, the source has %s; an import never replaces a release",
			in.Name, in.Version, rel.OuterChecksum, in.OuterChecksum)
	}
	return rel, nil
}

func (s *Service) importUploaded(ctx context.Context, r repo, in ImportInput, tb *hextar.Package, ref blob.Ref) (*ent.Release, error) {
	if tb.Metadata.Name != in.Name || tb.Metadata.Version != in.Version {
		return nil, apperr.Invalid("tarball", "the tarball holds %s %s, the registry lists %s %s", tb.Metadata.Name, tb.Metadata.Version, in.Name, in.Version)
	}
	if got := hextar.Hex(tb.OuterChecksum); got != in.OuterChecksum {
		return nil, apperr.Invalid("tarball", "%s %s: the tarball's checksum is %s, the registry signed %s", in.Name, in.Version, got, in.OuterChecksum)
	}
	ver, err := checkMetadata(tb.Metadata, r)
	if err != nil {
		return nil, err
	}
	if err := s.checkUpstreamName(ctx, r, in.Name); err != nil {
		return nil, err
	}
	at := in.PublishedAt.UTC()
	if at.IsZero() {
		at = s.now()
	}
	var rel *ent.Release
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var err error
		rel, err = s.importTx(ctx, tx, r, in, tb, ver, ref, at)
		return err
	})
	if ent.IsConstraintError(err) {
		return nil, &apperr.Error{Code: apperr.Conflict, Err: err,
			Message: fmt.Sprintf("%s %s was published by another request at the same time", in.Name, in.Version)}
	}
	return rel, err
}

func (s *Service) importTx(ctx context.Context, tx *ent.Tx, r repo, in ImportInput, tb *hextar.Package, ver semver.Version, ref blob.Ref, at time.Time) (*ent.Release, error) {
	sys := viewer.System(ctx)
	now := s.now()
	name, version := in.Name, ver.String()
	if err := checkReservation(sys, tx, r, name, version); err != nil {
		return nil, err
	}
	p, err := tx.Pkg.Query().Where(pkg.RepositoryID(r.ID), pkg.Name(name)).Where(store.ForUpdate).Only(sys)
	switch {
	case ent.IsNotFound(err):
		creator, ownerOrg, err := importOwner(sys, tx, r, in.Owner)
		if err != nil {
			return nil, err
		}
		if p, _, err = createPackage(sys, tx, creator, r, name, ownerOrg, at); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("load package %s: %w", name, err)
	}
	if existing, err := tx.Release.Query().Where(release.PackageID(p.ID), release.Version(version)).Exist(sys); err != nil {
		return nil, fmt.Errorf("load release %s %s: %w", name, version, err)
	} else if existing {
		return nil, apperr.New(apperr.Conflict, "%s %s was imported by another request at the same time", name, version)
	}
	deps, err := s.resolveDeps(ctx, tx, r, tb.Metadata.Requirements)
	if err != nil {
		return nil, err
	}
	rel, err := createRelease(sys, tx, &viewer.Viewer{}, r, p, tb, ver, ref, nil, at)
	if err != nil {
		return nil, err
	}
	if err := writeRequirements(sys, tx, r, rel.ID, deps); err != nil {
		return nil, err
	}
	if ret := in.Retirement; ret != nil {
		if err := retirement.ReasonValidator(ret.Reason); err != nil {
			return nil, apperr.Invalid("reason", "unknown retirement reason %q", ret.Reason)
		}
		err := tx.Retirement.Create().SetReleaseID(rel.ID).SetReason(ret.Reason).SetMessage(ret.Message).
			SetCreatedAt(now).SetUpdatedAt(now).SetNillablePrivateOrgID(r.privateOrgID()).Exec(sys)
		if err != nil {
			return nil, fmt.Errorf("retire %s %s: %w", name, version, err)
		}
	}
	if _, err := refreshPackage(ctx, tx, p, now); err != nil {
		return nil, err
	}
	if err := writeEvent(ctx, tx, now, r, p, event{Kind: releaseevent.KindPUBLISHED, Version: version, ReleaseID: rel.ID}); err != nil {
		return nil, err
	}
	owners, err := loadOwners(ctx, tx.PackageOwner, p.ID)
	if err != nil {
		return nil, err
	}
	params := map[string]any{"repository": r.Name, "version": version, "outer_checksum": rel.OuterChecksum, "published_at": stamp(at)}
	return rel, audit.Record(ctx, tx, audit.Entry{Action: "release.import", OrganizationID: orgForAudit(r, owners), Package: name, Params: params})
}

// importOwner resolves ImportInput.Owner for a new package: nothing for a
// private repository, else a user or an organization by name.
func importOwner(ctx context.Context, tx *ent.Tx, r repo, owner string) (*viewer.Viewer, *viewer.Org, error) {
	if r.private() {
		return &viewer.Viewer{}, nil, nil
	}
	if owner == "" {
		return nil, nil, apperr.Invalid("owner", "a new public package needs an owner: name a user or an organization")
	}
	if u, err := tx.User.Query().Where(user.Username(owner)).Only(ctx); err == nil {
		return &viewer.Viewer{UserID: u.ID}, nil, nil
	} else if !ent.IsNotFound(err) {
		return nil, nil, fmt.Errorf("find owner %s: %w", owner, err)
	}
	o, err := tx.Organization.Query().Where(organization.Name(owner)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, apperr.Invalid("owner", "no user or organization is named %q", owner)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find owner %s: %w", owner, err)
	}
	return &viewer.Viewer{}, &viewer.Org{ID: o.ID}, nil
}
