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
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/ent/requirement"
	"github.com/depot-registry/depot/ent/schema/schematype"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/semver"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// PublishInput is one upload.
type PublishInput struct {
	// Tarball is a Hex version-3 package tarball; it is read once, streaming.
	Tarball io.Reader
	// Repository is an organization name to publish into its private
	// repository; "" (or the public repository's name) for public.
	Repository string
	// Owner is an organization to own a new public package instead of the
	// caller. It is ignored for existing packages (change owners with
	// AddOwner or Transfer) and refused for private ones, which always belong
	// to their organization.
	Owner string
	// Replace must be true to overwrite an existing version.
	Replace bool
	// Name, when set, is the package name the caller addressed (the Hex
	// API's /packages/NAME/releases); a tarball for another package is
	// refused before anything is written.
	Name string
}

// Publish stores a release from a tarball (SPEC §4). It returns the release
// and whether an existing version was replaced.
//
// The tarball is verified while it streams into the blob store, before the
// transaction; if anything after that fails, the blob is deleted again
// unless a release references the same bytes, so a failed publish leaves no
// release, no event and no blob a reader can reach.
func (s *Service) Publish(ctx context.Context, in PublishInput) (*ent.Release, bool, error) {
	v := viewer.FromContext(ctx)
	if err := requireSignIn(v); err != nil {
		return nil, false, err
	}
	r, err := s.resolveRepo(ctx, s.DB.Repository, in.Repository)
	if err != nil {
		return nil, false, err
	}
	if err := checkRepositoryWrite(v, r); err != nil {
		return nil, false, err
	}
	ownerOrg, err := checkOwnerChoice(v, r, in.Owner)
	if err != nil {
		return nil, false, err
	}
	if in.Name != "" {
		if err := s.precheck(ctx, v, r, in.Name); err != nil {
			return nil, false, err
		}
	}
	tb, ref, err := s.upload(ctx, in.Tarball)
	if err != nil {
		return nil, false, err
	}
	if in.Name != "" && tb.Metadata.Name != in.Name {
		s.unhold(ref.Key)
		s.dropBlob(ctx, ref.Key)
		return nil, false, apperr.Invalid("name", "the tarball's metadata names package %q, not %q", tb.Metadata.Name, in.Name)
	}
	res, err := s.publish(ctx, v, r, ownerOrg, in.Replace, tb, ref)
	s.unhold(ref.Key)
	if err != nil {
		s.dropBlob(ctx, ref.Key)
		return nil, false, err
	}
	if res.replaced && res.oldBlob != ref.Key {
		s.dropBlob(ctx, res.oldBlob)
	}
	s.committed(ctx)
	// Detach from the finished transaction so the caller can load edges.
	return res.release.Unwrap(), res.replaced, nil
}

// precheck refuses, before the tarball is read, a publish of a package the
// caller names (the Hex API's /packages/NAME/releases) that the caller may
// not publish: a key without the scope, or an existing package the caller
// does not own. A client that sent Expect: 100-continue then never uploads
// the body. The transaction checks again; this only answers early.
func (s *Service) precheck(ctx context.Context, v *viewer.Viewer, r repo, name string) error {
	owners, err := s.DB.PackageOwner.Query().
		Where(packageowner.HasPackageWith(pkg.RepositoryID(r.ID), pkg.Name(name))).
		All(viewer.System(ctx))
	if err != nil {
		return fmt.Errorf("load owners of %s: %w", name, err)
	}
	if v.WriteNeedsCode() {
		return apperr.CodeRequired()
	}
	if v.Trusted != nil {
		if len(owners) == 0 {
			_, err := pendingFor(ctx, s.DB.TrustedPublisher, v, r, name)
			return err
		}
		p, err := s.DB.Pkg.Get(viewer.System(ctx), owners[0].PackageID)
		if err != nil {
			return fmt.Errorf("load package %s: %w", name, err)
		}
		return checkTrusted(ctx, s.DB.TrustedPublisher, v, r, p)
	}
	if len(owners) == 0 {
		// A new package: only the key scope can be checked yet.
		if !v.Scopes.AllowsPackageWrite(r.scopeOrg(), name) {
			return apperr.New(apperr.Forbidden, "this API key may not publish %s (needs api:write or %s)", name, scopeFor(r, name))
		}
		return nil
	}
	return authorize(v, r, name, owners, needPublish)
}

// checkRepositoryWrite applies the private-repository gate: write role in
// the organization, and an organization that pays (or trials).
func checkRepositoryWrite(v *viewer.Viewer, r repo) error {
	if !r.private() || v.IsSystem() {
		return nil
	}
	o, ok := v.Org(r.OrgID)
	if !ok || o.Role < viewer.RoleWrite {
		return apperr.New(apperr.Forbidden, "you need write rights in organization %s to publish to its repository", r.Name)
	}
	if !o.Entitled {
		return apperr.New(apperr.PaymentRequired, "organization %s has no active subscription; private packages need one", r.Name)
	}
	return nil
}

// checkOwnerChoice validates the organization chosen to own a new public
// package (seed: "publish the package with yourself as owner or an
// organization as owner"). It is free for public packages.
func checkOwnerChoice(v *viewer.Viewer, r repo, owner string) (*viewer.Org, error) {
	if owner == "" {
		return nil, nil
	}
	if r.private() {
		if owner == r.Name {
			return nil, nil
		}
		return nil, apperr.Invalid("owner", "private packages belong to organization %s; leave owner empty", r.Name)
	}
	o, ok := v.OrgByName(owner)
	if !ok || o.Role < viewer.RoleWrite {
		return nil, apperr.New(apperr.Forbidden, "you need write rights in organization %s to publish with it as owner", owner)
	}
	return &o, nil
}

type publishResult struct {
	release  *ent.Release
	replaced bool
	oldBlob  string
}

func (s *Service) publish(ctx context.Context, v *viewer.Viewer, r repo, ownerOrg *viewer.Org, replace bool, tb *hextar.Package, ref blob.Ref) (publishResult, error) {
	ver, err := checkMetadata(tb.Metadata, r)
	if err != nil {
		return publishResult{}, err
	}
	name := tb.Metadata.Name
	if v.WriteNeedsCode() {
		return publishResult{}, apperr.CodeRequired()
	}
	if !v.Scopes.AllowsPackageWrite(r.scopeOrg(), name) {
		return publishResult{}, apperr.New(apperr.Forbidden, "this API key may not publish %s (needs api:write or %s)", name, scopeFor(r, name))
	}
	// Asked before the transaction: it may reach an upstream.
	if err := s.checkUpstreamName(ctx, r, name); err != nil {
		return publishResult{}, err
	}
	var res publishResult
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var err error
		res, err = s.publishTx(ctx, tx, v, r, ownerOrg, replace, tb, ver, ref)
		return err
	})
	if ent.IsConstraintError(err) {
		// The unique indexes on (repository, name) and (package, version)
		// decide races between concurrent publishes: exactly one wins.
		return publishResult{}, &apperr.Error{Code: apperr.Conflict, Err: err,
			Message: fmt.Sprintf("%s %s was published by another request at the same time; it exists now (pass replace to replace it)", name, ver)}
	}
	return res, err
}

func (s *Service) publishTx(ctx context.Context, tx *ent.Tx, v *viewer.Viewer, r repo, ownerOrg *viewer.Org, replace bool, tb *hextar.Package, ver semver.Version, ref blob.Ref) (publishResult, error) {
	sys := viewer.System(ctx)
	now := s.now()
	name, version := tb.Metadata.Name, ver.String()
	if err := checkReservation(sys, tx, r, name, version); err != nil {
		return publishResult{}, err
	}
	// The repository gate already passed, so the package is looked up as
	// the system; the row lock serializes publishes of the same package.
	p, err := tx.Pkg.Query().Where(pkg.RepositoryID(r.ID), pkg.Name(name)).Where(store.ForUpdate).Only(sys)
	var auditOrg int
	switch {
	case ent.IsNotFound(err):
		creator := v
		if v.Trusted != nil {
			// A pending trusted publisher creates the package for the
			// user or organization that configured it.
			pending, err := pendingFor(ctx, tx.TrustedPublisher, v, r, name)
			if err != nil {
				return publishResult{}, err
			}
			creator, ownerOrg = &viewer.Viewer{UserID: pending.CreatedByID}, nil
			if pending.OwnerOrgID != nil {
				ownerOrg = &viewer.Org{ID: *pending.OwnerOrgID}
			}
		} else if err := checkPendingReservation(ctx, tx, v, r, name, ownerOrg); err != nil {
			return publishResult{}, err
		}
		if p, auditOrg, err = createPackage(ctx, tx, creator, r, name, ownerOrg, now); err != nil {
			return publishResult{}, err
		}
		if err := attachPending(ctx, tx, r, p); err != nil {
			return publishResult{}, err
		}
	case err != nil:
		return publishResult{}, fmt.Errorf("load package %s: %w", name, err)
	default:
		owners, err := loadOwners(ctx, tx.PackageOwner, p.ID)
		if err != nil {
			return publishResult{}, err
		}
		if v.Trusted != nil {
			err = checkTrusted(ctx, tx.TrustedPublisher, v, r, p)
		} else {
			err = authorize(v, r, name, owners, needPublish)
		}
		if err != nil {
			return publishResult{}, err
		}
		auditOrg = orgForAudit(r, owners)
	}
	existing, err := tx.Release.Query().Where(release.PackageID(p.ID), release.Version(version)).Where(store.ForUpdate).Only(sys)
	if err != nil && !ent.IsNotFound(err) {
		return publishResult{}, fmt.Errorf("load release %s %s: %w", name, version, err)
	}
	if existing != nil {
		if !replace {
			return publishResult{}, apperr.New(apperr.Conflict, "%s %s exists; pass replace to replace it", name, version)
		}
		if err := s.checkWindow("replaced", existing, p); err != nil {
			return publishResult{}, err
		}
	}
	deps, err := s.resolveDeps(ctx, tx, r, tb.Metadata.Requirements)
	if err != nil {
		return publishResult{}, err
	}

	tp, err := trustedPublish(ctx, tx, v, name)
	if err != nil {
		return publishResult{}, err
	}
	res := publishResult{replaced: existing != nil}
	kind, action := releaseevent.KindPUBLISHED, "release.publish"
	if existing != nil {
		kind, action = releaseevent.KindREPLACED, "release.replace"
		res.oldBlob = existing.BlobKey
		res.release, err = replaceRelease(sys, tx, v, existing, tb, ref, tp, now)
	} else {
		res.release, err = createRelease(sys, tx, v, r, p, tb, ver, ref, tp, now)
	}
	if err != nil {
		return publishResult{}, err
	}
	if err := writeRequirements(sys, tx, r, res.release.ID, deps); err != nil {
		return publishResult{}, err
	}
	if _, err := refreshPackage(ctx, tx, p, now); err != nil {
		return publishResult{}, err
	}
	if err := writeEvent(ctx, tx, now, r, p, event{Kind: kind, Version: version, ReleaseID: res.release.ID}); err != nil {
		return publishResult{}, err
	}
	params := map[string]any{"repository": r.Name, "version": version, "outer_checksum": res.release.OuterChecksum}
	if tp != nil {
		params["trusted_publisher_id"], params["trusted_publisher"] = tp.PublisherID, tp.Publisher
		params["run_id"], params["sha"], params["workflow_ref"] = tp.RunID, tp.SHA, tp.WorkflowRef
	}
	return res, audit.Record(ctx, tx, audit.Entry{Action: action, OrganizationID: auditOrg, Package: name, Params: params})
}

// createPackage makes a new package and its first owner: the chosen
// organization, the repository's organization for a private package, or
// the caller.
func createPackage(ctx context.Context, tx *ent.Tx, v *viewer.Viewer, r repo, name string, ownerOrg *viewer.Org, now time.Time) (*ent.Pkg, int, error) {
	p, err := tx.Pkg.Create().
		SetName(name).
		SetRepositoryID(r.ID).
		SetFirstPublishedAt(now).
		SetCreatedAt(now).
		SetUpdatedAt(now).
		SetNillablePrivateOrgID(r.privateOrgID()).
		Save(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("create package %s: %w", name, err)
	}
	owner := tx.PackageOwner.Create().
		SetPackageID(p.ID).
		SetLevel("FULL").
		SetCreatedAt(now).
		SetUpdatedAt(now).
		SetNillablePrivateOrgID(r.privateOrgID())
	auditOrg := r.OrgID
	switch {
	case r.private():
		owner.SetOrganizationID(r.OrgID)
	case ownerOrg != nil:
		owner.SetOrganizationID(ownerOrg.ID)
		auditOrg = ownerOrg.ID
	case v.UserID != 0:
		owner.SetUserID(v.UserID)
	default:
		return nil, 0, apperr.New(apperr.Forbidden, "a new package needs an owner: publish as a user")
	}
	if err := owner.Exec(ctx); err != nil {
		return nil, 0, fmt.Errorf("add first owner of %s: %w", name, err)
	}
	return p, auditOrg, nil
}

func createRelease(ctx context.Context, tx *ent.Tx, v *viewer.Viewer, r repo, p *ent.Pkg, tb *hextar.Package, ver semver.Version, ref blob.Ref, tp *schematype.TrustedPublish, now time.Time) (*ent.Release, error) {
	q := tx.Release.Create().
		SetPackageID(p.ID).
		SetVersion(ver.String()).
		SetVersionKey(VersionKey(ver)).
		SetPrerelease(ver.IsPrerelease()).
		SetFirstPublishedAt(now).
		SetCreatedAt(now).
		SetNillablePrivateOrgID(r.privateOrgID())
	setContent(q.Mutation(), v, tb, ref, tp, now)
	rel, err := q.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("create release %s %s: %w", p.Name, ver, err)
	}
	return rel, nil
}

// replaceRelease swaps a version's content in place. first_published_at
// stays, so the window keeps counting from the first publish.
func replaceRelease(ctx context.Context, tx *ent.Tx, v *viewer.Viewer, old *ent.Release, tb *hextar.Package, ref blob.Ref, tp *schematype.TrustedPublish, now time.Time) (*ent.Release, error) {
	if _, err := tx.Requirement.Delete().Where(requirement.ReleaseID(old.ID)).Exec(ctx); err != nil {
		return nil, fmt.Errorf("drop old requirements: %w", err)
	}
	u := tx.Release.UpdateOne(old)
	setContent(u.Mutation(), v, tb, ref, tp, now)
	rel, err := u.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("replace release %s: %w", old.Version, err)
	}
	return rel, nil
}

func appName(m hextar.Metadata) string {
	if m.App != "" {
		return m.App
	}
	return m.Name
}

// orgForAudit is the organization whose admins should read an entry about
// a package: the private repository's, else a FULL-owning organization's.
func orgForAudit(r repo, owners []*ent.PackageOwner) int {
	if r.private() {
		return r.OrgID
	}
	for _, o := range owners {
		if o.OrganizationID != nil && o.Level == "FULL" {
			return *o.OrganizationID
		}
	}
	return 0
}

// setContent sets what a tarball decides about a release — checksums, blob,
// metadata, publisher — for a first publish and a replace alike.
func setContent(m *ent.ReleaseMutation, v *viewer.Viewer, tb *hextar.Package, ref blob.Ref, tp *schematype.TrustedPublish, now time.Time) {
	md := tb.Metadata
	m.SetInnerChecksum(hextar.Hex(tb.InnerChecksum))
	m.SetOuterChecksum(hextar.Hex(tb.OuterChecksum))
	m.SetBlobKey(ref.Key)
	m.SetSize(tb.Size)
	m.SetApp(appName(md))
	m.SetDescription(md.Description)
	m.SetLicenses(md.Licenses)
	m.SetLinks(links(md.Links))
	m.SetBuildTools(md.BuildTools)
	m.SetElixirRequirement(md.Elixir)
	m.SetUpdatedAt(now)
	if v.UserID != 0 {
		m.SetPublisherID(v.UserID)
	}
	if tp != nil {
		// A key may cover packages whose publishers different owners
		// configured: each release names its own.
		m.SetPublisherID(tp.ConfiguredBy)
		m.SetTrustedPublish(tp)
	} else {
		m.ClearTrustedPublish()
	}
}
