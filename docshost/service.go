package docshost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/ent/repository"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// Service publishes and reverts documentation. Who may do it is the
// registry's rule (owners, maintainers, organization writers; key scopes),
// asked through Registry.Permissions so it lives in one place.
type Service struct {
	DB       *ent.Client
	Blobs    blob.Store
	Registry *registry.Service
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Limits bound uploads; zero fields take DefaultLimits.
	Limits Limits
	// AfterCommit is called after a committed change that wrote an event
	// (the event bus wakes subscribers). Nil is fine.
	AfterCommit func(ctx context.Context)
	// CacheBytes bounds the memory File keeps unpacked tarballs in (0:
	// CacheBytes).
	CacheBytes int64

	archivesOnce sync.Once
	archives     *archives
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) limits() Limits {
	l := s.Limits
	if l.MaxCompressed <= 0 {
		l.MaxCompressed = DefaultLimits.MaxCompressed
	}
	if l.MaxUncompressed <= 0 {
		l.MaxUncompressed = DefaultLimits.MaxUncompressed
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultLimits.MaxFiles
	}
	return l
}

// Publish stores r, a gzipped tar of HTML docs, as the documentation of
// one release (repo "" or the public repository's name: public; else an
// organization), replacing any docs it had. Allowed at any time to those
// who may publish the package. The old docs blob is deleted after commit
// unless another release uses the same bytes.
func (s *Service) Publish(ctx context.Context, repo, pkg, version string, r io.Reader) error {
	rel, p, err := s.authorize(ctx, repo, pkg, version)
	if err != nil {
		return err
	}
	return s.publish(ctx, p, rel, r, s.now(), "docs.publish")
}

// Import stores docs carried over from another registry by the operator
// (`depot import`), keeping their original publish time (zero: now). The caller
// skips docs already there with the same bytes (blob keys are SHA-256), so
// an import run twice changes nothing.
func (s *Service) Import(ctx context.Context, repo, pkg, version string, r io.Reader, at time.Time) error {
	if !viewer.FromContext(ctx).IsSystem() {
		return apperr.New(apperr.Forbidden, "only the operator can import docs")
	}
	rel, p, err := s.authorize(ctx, repo, pkg, version)
	if err != nil {
		return err
	}
	if at.IsZero() {
		at = s.now()
	}
	return s.publish(ctx, p, rel, r, at.UTC(), "docs.import")
}

func (s *Service) publish(ctx context.Context, p *ent.Pkg, rel *ent.Release, r io.Reader, at time.Time, action string) error {
	ref, err := s.store(ctx, r)
	if err != nil {
		return err
	}
	var old *string
	err = s.change(ctx, p, rel, func(tx *ent.Tx, locked *ent.Release) error {
		old = locked.DocsBlobKey
		return tx.Release.UpdateOneID(locked.ID).SetDocsBlobKey(ref.Key).SetDocsPublishedAt(at).Exec(viewer.System(ctx))
	}, releaseevent.KindDOCS_PUBLISHED, action, map[string]any{"size": ref.Size})
	if err != nil {
		s.drop(ctx, ref.Key)
		return err
	}
	if old != nil && *old != ref.Key {
		s.drop(ctx, *old)
	}
	return nil
}

// Revert removes a release's documentation. A release without docs is
// NOT_FOUND, so a typo is noticed.
func (s *Service) Revert(ctx context.Context, repo, pkg, version string) error {
	rel, p, err := s.authorize(ctx, repo, pkg, version)
	if err != nil {
		return err
	}
	var old *string
	err = s.change(ctx, p, rel, func(tx *ent.Tx, locked *ent.Release) error {
		if locked.DocsBlobKey == nil {
			return apperr.New(apperr.NotFound, "%s %s has no published docs", pkg, version)
		}
		old = locked.DocsBlobKey
		return tx.Release.UpdateOneID(locked.ID).ClearDocsBlobKey().ClearDocsPublishedAt().Exec(viewer.System(ctx))
	}, releaseevent.KindDOCS_REVERTED, "docs.revert", nil)
	if err != nil {
		return err
	}
	s.drop(ctx, *old)
	return nil
}

// authorize finds the release as the viewer (a hidden package is NOT_FOUND
// like a missing one) and checks the viewer may publish the package.
func (s *Service) authorize(ctx context.Context, repo, pkg, version string) (*ent.Release, *ent.Pkg, error) {
	if viewer.FromContext(ctx).Anonymous() {
		return nil, nil, apperr.SignInRequired()
	}
	p, err := s.Registry.Package(ctx, repo, pkg)
	if err != nil {
		return nil, nil, err
	}
	canPublish, _, err := s.Registry.Permissions(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if !canPublish {
		return nil, nil, apperr.New(apperr.Forbidden, "only owners of %s (or keys allowed to publish it) can change its docs", pkg)
	}
	if viewer.FromContext(ctx).WriteNeedsCode() {
		return nil, nil, apperr.CodeRequired()
	}
	rel, err := s.Registry.Release(ctx, repo, pkg, version)
	if err != nil {
		return nil, nil, err
	}
	return rel, p, nil
}

// store validates the upload while streaming it into the blob store, so it
// is read once and never held whole in memory. A refused upload stores
// nothing.
func (s *Service) store(ctx context.Context, r io.Reader) (blob.Ref, error) {
	if r == nil {
		return blob.Ref{}, apperr.Invalid("tarball", "no docs tarball was uploaded")
	}
	ref, verr, storeErr := blob.PutChecked(ctx, s.Blobs, r, func(tr io.Reader) error {
		if err := validate(tr, s.limits()); err != nil {
			return err
		}
		// Drain what follows the gzip stream so the blob is the whole
		// upload, byte for byte.
		_, err := io.Copy(io.Discard, tr)
		return err
	})
	var inv *InvalidError
	if errors.As(verr, &inv) {
		return blob.Ref{}, &apperr.Error{Code: apperr.BadInput, Field: "tarball", Message: inv.Error(), Err: verr}
	}
	if verr != nil {
		return blob.Ref{}, fmt.Errorf("read docs upload: %w", verr)
	}
	if storeErr != nil {
		return blob.Ref{}, fmt.Errorf("store docs: %w", storeErr)
	}
	return ref, nil
}

// change runs one docs change in a transaction with its audit entry and
// release event, then tells AfterCommit.
func (s *Service) change(ctx context.Context, p *ent.Pkg, rel *ent.Release, fn func(tx *ent.Tx, locked *ent.Release) error,
	kind releaseevent.Kind, action string, params map[string]any) error {
	sys := viewer.System(ctx)
	repoRow, err := s.DB.Repository.Query().Where(repository.ID(p.RepositoryID)).Only(sys)
	if err != nil {
		return fmt.Errorf("repository of %s: %w", p.Name, err)
	}
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		locked, err := tx.Release.Query().Where(release.ID(rel.ID)).Where(store.ForUpdate).Only(sys)
		if ent.IsNotFound(err) {
			return apperr.New(apperr.NotFound, "no release %s %s", p.Name, rel.Version)
		}
		if err != nil {
			return fmt.Errorf("lock release: %w", err)
		}
		if err := fn(tx, locked); err != nil {
			return err
		}
		ev := tx.ReleaseEvent.Create().
			SetKind(kind).
			SetOccurredAt(s.now()).
			SetRepository(repoRow.Name).
			SetPackageName(p.Name).
			SetVersion(rel.Version).
			SetPackageID(p.ID).
			SetReleaseID(rel.ID).
			SetNillablePrivateOrgID(p.PrivateOrgID)
		if v := viewer.FromContext(ctx); v.UserID != 0 {
			ev.SetActorID(v.UserID)
		}
		if err := ev.Exec(sys); err != nil {
			return fmt.Errorf("write %s event: %w", kind, err)
		}
		all := map[string]any{"repository": repoRow.Name, "version": rel.Version}
		for k, v := range params {
			all[k] = v
		}
		e := audit.Entry{Action: action, Package: p.Name, Params: all}
		if repoRow.OrganizationID != nil {
			e.OrganizationID = *repoRow.OrganizationID
		}
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return err
	}
	if s.AfterCommit != nil {
		s.AfterCommit(ctx)
	}
	return nil
}

// drop deletes a docs blob no release references any more (identical bytes
// share one blob). A failed delete leaves an unreferenced blob, which is
// harmless and left to garbage collection.
func (s *Service) drop(ctx context.Context, key string) {
	if key == "" {
		return
	}
	ctx = viewer.System(context.WithoutCancel(ctx))
	used, err := s.DB.Release.Query().Where(release.Or(release.BlobKey(key), release.DocsBlobKey(key))).Exist(ctx)
	if err != nil || used {
		return
	}
	_ = s.Blobs.Delete(ctx, key)
}
