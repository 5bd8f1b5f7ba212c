package registry

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// rights works out what the viewer may do with a package from its owner
// rows and the viewer's organization roles (which the server loaded once per
// request, so this costs no query):
//
//   - a user owner may publish; a FULL one also manages owners;
//   - members of an owning organization with write role may publish; its
//     admins are full owners when the organization owns it FULL;
//   - in a private repository the organization is the landlord: its writers
//     publish and its admins hold full rights whoever the owner rows name,
//     because private changes only affect the organization's own repository.
func rights(v *viewer.Viewer, r repo, owners []*ent.PackageOwner) (publish, full bool) {
	if v.IsSystem() {
		return true, true
	}
	if v.Anonymous() {
		return false, false
	}
	grant := func(p, f bool) {
		publish = publish || p
		full = full || f
	}
	for _, o := range owners {
		isFull := o.Level == packageowner.LevelFULL
		switch {
		case o.UserID != nil && *o.UserID == v.UserID:
			grant(true, isFull)
		case o.OrganizationID != nil:
			role := v.RoleIn(*o.OrganizationID)
			grant(role >= viewer.RoleWrite, isFull && role == viewer.RoleAdmin)
		}
	}
	if r.private() {
		role := v.RoleIn(r.OrgID)
		grant(role >= viewer.RoleWrite, role == viewer.RoleAdmin)
	}
	return publish, full
}

// need says which right an operation requires.
type need int

const (
	needPublish need = iota // publish, replace, revert, retire
	needFull                // owners and transfer
)

// authorize checks the key scope and the viewer's rights on a package.
func authorize(v *viewer.Viewer, r repo, name string, owners []*ent.PackageOwner, n need) error {
	if v.WriteNeedsCode() {
		return apperr.CodeRequired()
	}
	if v.Trusted != nil {
		// Publishing with such a key goes through checkTrusted instead.
		return apperr.New(apperr.Forbidden, "a trusted-publishing key only publishes releases of its packages")
	}
	if !v.Scopes.AllowsPackageWrite(r.scopeOrg(), name) {
		return apperr.New(apperr.Forbidden, "this API key may not change package %s (needs api:write or %s)", name, scopeFor(r, name))
	}
	publish, full := rights(v, r, owners)
	switch {
	case n == needFull && !full:
		return apperr.New(apperr.Forbidden, "only full owners of %s can manage its owners", name)
	case !publish:
		return apperr.New(apperr.Forbidden, "you are not an owner of %s", name)
	}
	return nil
}

func scopeFor(r repo, name string) string {
	if r.private() {
		return "repository:" + r.Name
	}
	return "package:" + name
}

func requireSignIn(v *viewer.Viewer) error {
	if v.Anonymous() {
		return apperr.SignInRequired()
	}
	return nil
}

// lockPackage loads a package for a change and locks its row, so that
// concurrent changes to the same package serialize (owner counts, window
// checks and "last release" decisions stay true until commit). The lookup
// runs as the viewer: a private package the viewer cannot read is absent,
// exactly like one that does not exist.
func lockPackage(ctx context.Context, tx *ent.Tx, r repo, name string) (*ent.Pkg, []*ent.PackageOwner, error) {
	p, err := tx.Pkg.Query().
		Where(pkg.RepositoryID(r.ID), pkg.Name(name)).
		Where(store.ForUpdate).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, notFoundPackage(r, name)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load package %s: %w", name, err)
	}
	owners, err := loadOwners(ctx, tx.PackageOwner, p.ID)
	if err != nil {
		return nil, nil, err
	}
	return p, owners, nil
}

func loadOwners(ctx context.Context, c *ent.PackageOwnerClient, pkgID int) ([]*ent.PackageOwner, error) {
	owners, err := c.Query().
		Where(packageowner.PackageID(pkgID)).
		WithUser().WithOrganization().
		Order(ent.Asc(packageowner.FieldID)).
		All(viewer.System(ctx))
	if err != nil {
		return nil, fmt.Errorf("load owners: %w", err)
	}
	return owners, nil
}

func notFoundPackage(r repo, name string) error {
	if r.private() {
		return apperr.New(apperr.NotFound, "no package named %q in repository %s", name, r.Name)
	}
	return apperr.New(apperr.NotFound, "no package named %q", name)
}

// Permissions reports what the viewer may do with p: publish (also revert
// and retire) and manage owners (also transfer). Key scopes count, so a
// read-only key sees false for both.
func (s *Service) Permissions(ctx context.Context, p *ent.Pkg) (canPublish, isFullOwner bool, err error) {
	v := viewer.FromContext(ctx)
	if v.Anonymous() {
		return false, false, nil
	}
	r, err := s.repoOf(ctx, s.DB.Repository, p)
	if err != nil {
		return false, false, err
	}
	if !v.Scopes.AllowsPackageWrite(r.scopeOrg(), p.Name) {
		return false, false, nil
	}
	if v.Trusted != nil {
		// Docs go with the release (mix hex.publish sends both).
		err := checkTrusted(ctx, s.DB.TrustedPublisher, v, r, p)
		if apperr.CodeOf(err) == apperr.Forbidden {
			return false, false, nil
		}
		return err == nil, false, err
	}
	owners, err := loadOwners(ctx, s.DB.PackageOwner, p.ID)
	if err != nil {
		return false, false, err
	}
	canPublish, isFullOwner = rights(v, r, owners)
	return canPublish, isFullOwner, nil
}
