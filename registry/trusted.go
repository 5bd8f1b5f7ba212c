package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/apikey"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/schema/schematype"
	"github.com/depot-registry/depot/ent/trustedpublisher"
	"github.com/depot-registry/depot/names"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/trust"
	"github.com/depot-registry/depot/viewer"
)

// Trusted publishers belong to packages: the full owners of a public
// package (the admins of an organization that owns it FULL) configure
// which CI identities may publish it with an exchanged key (trust/). A
// pending publisher names a package that does not exist yet; it reserves
// the name for the user or organization that configured it, and the first
// trusted publish creates the package owned by them (PyPI's model).
// Private packages have no trusted publishers: an exchanged key is scoped
// to public package names.

// TrustedPublisherInput configures a trusted publisher.
type TrustedPublisherInput struct {
	// Package is the public package's name. When no such package exists the
	// publisher is pending and creates it on its first publish.
	Package string
	// Owner, for a pending publisher only, is an organization (the caller
	// an admin of it) to own the package; "" means the caller.
	Owner  string
	Kind   trust.Kind
	Issuer string
	Claims map[string]string
}

// TrustedPublisher is a configured publisher as the fronts show it.
type TrustedPublisher struct {
	*ent.TrustedPublisher
	Package     string
	Pending     bool
	Description string
	// Owner is the user or organization a pending publisher's package will
	// belong to.
	Owner string
}

func (s *Service) viewTrusted(ctx context.Context, c *ent.Client, p *ent.TrustedPublisher, pkgName string) (*TrustedPublisher, error) {
	t := &TrustedPublisher{TrustedPublisher: p, Package: pkgName, Description: trust.ConfigOf(p).Describe()}
	if p.PackageID == nil {
		t.Pending = true
		if p.PendingName != nil {
			t.Package = *p.PendingName
		}
		sys := viewer.System(ctx)
		if p.OwnerOrgID != nil {
			o, err := c.Organization.Get(sys, *p.OwnerOrgID)
			if err != nil {
				return nil, fmt.Errorf("load owner organization: %w", err)
			}
			t.Owner = o.Name
		} else {
			u, err := c.User.Get(sys, p.CreatedByID)
			if err != nil {
				return nil, fmt.Errorf("load owner: %w", err)
			}
			t.Owner = u.Username
		}
	}
	return t, nil
}

// checkTrustManager is the rule for configuring a package's publishers:
// a session or a key that may change the package, full rights on it.
func checkTrustManager(v *viewer.Viewer, r repo, name string, owners []*ent.PackageOwner) error {
	if err := requireSignIn(v); err != nil {
		return err
	}
	if v.Trusted != nil {
		return apperr.New(apperr.Forbidden, "a trusted-publishing key cannot configure trusted publishers")
	}
	if r.private() {
		return apperr.Invalid("package", "trusted publishing is for public packages; %s is private", name)
	}
	if !v.Scopes.AllowsPackageWrite("", name) {
		return apperr.New(apperr.Forbidden, "this API key may not change package %s (needs api:write or package:%s)", name, name)
	}
	if _, full := rights(v, r, owners); !full {
		return apperr.New(apperr.Forbidden, "only full owners of %s (or admins of an organization owning it) can manage its trusted publishers", name)
	}
	return nil
}

// AddTrustedPublisher configures a trusted publisher for a public package,
// or a pending one when the package does not exist yet.
func (s *Service) AddTrustedPublisher(ctx context.Context, in TrustedPublisherInput) (*TrustedPublisher, error) {
	v := viewer.FromContext(ctx)
	if err := requireSignIn(v); err != nil {
		return nil, err
	}
	if v.Trusted != nil {
		return nil, apperr.New(apperr.Forbidden, "a trusted-publishing key cannot configure trusted publishers")
	}
	if err := names.Package(in.Package); err != nil {
		return nil, apperr.Invalid("package", "%s", err.Error())
	}
	cfg, err := trust.Validate(in.Kind, in.Issuer, in.Claims, s.TrustAllowHTTP)
	if err != nil {
		return nil, err
	}
	r, err := s.resolveRepo(ctx, s.DB.Repository, "")
	if err != nil {
		return nil, err
	}
	sys := viewer.System(ctx)
	var out *ent.TrustedPublisher
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		create := tx.TrustedPublisher.Create().SetCreatedByID(v.UserID).
			SetKind(trustedpublisher.Kind(cfg.Kind)).SetIssuer(cfg.Issuer).SetClaims(cfg.Claims)
		p, err := tx.Pkg.Query().Where(pkg.RepositoryID(r.ID), pkg.Name(in.Package)).Where(store.ForUpdate).Only(sys)
		entry := audit.Entry{Action: "trusted_publisher.add", Package: in.Package,
			Params: map[string]any{"kind": string(cfg.Kind), "issuer": cfg.Issuer, "claims": cfg.Claims}}
		switch {
		case err == nil:
			if in.Owner != "" {
				return apperr.Invalid("owner", "%s exists; its owners are managed with the owner operations", in.Package)
			}
			owners, err := loadOwners(ctx, tx.PackageOwner, p.ID)
			if err != nil {
				return err
			}
			if err := checkTrustManager(v, r, in.Package, owners); err != nil {
				return err
			}
			create.SetPackageID(p.ID)
			entry.OrganizationID = orgForAudit(r, owners)
		case ent.IsNotFound(err):
			if err := checkReservation(sys, tx, r, in.Package, ""); err != nil {
				return err
			}
			if !v.Scopes.AllowsPackageWrite("", in.Package) {
				return apperr.New(apperr.Forbidden, "this API key may not publish %s (needs api:write or package:%s)", in.Package, in.Package)
			}
			var orgID *int
			if in.Owner != "" && in.Owner != v.Username {
				o, ok := v.OrgByName(in.Owner)
				if !ok || o.Role != viewer.RoleAdmin {
					return apperr.New(apperr.Forbidden, "you need to be an admin of organization %s to reserve a package for it", in.Owner)
				}
				orgID = &o.ID
				entry.OrganizationID = o.ID
			}
			others, err := tx.TrustedPublisher.Query().
				Where(trustedpublisher.PendingName(in.Package), trustedpublisher.PackageIDIsNil()).All(sys)
			if err != nil {
				return fmt.Errorf("load pending publishers: %w", err)
			}
			for _, o := range others {
				if !samePendingOwner(o, v.UserID, orgID) {
					return apperr.New(apperr.Conflict, "package name %s is already reserved by another pending trusted publisher", in.Package)
				}
			}
			create.SetPendingName(in.Package).SetNillableOwnerOrgID(orgID)
			entry.Action = "trusted_publisher.add_pending"
		default:
			return fmt.Errorf("load package %s: %w", in.Package, err)
		}
		if out, err = create.Save(ctx); err != nil {
			return fmt.Errorf("add trusted publisher: %w", err)
		}
		entry.Params["publisher_id"] = out.ID
		return audit.Record(ctx, tx, entry)
	})
	if err != nil {
		return nil, err
	}
	return s.viewTrusted(ctx, s.DB, out.Unwrap(), in.Package)
}

func samePendingOwner(p *ent.TrustedPublisher, userID int, orgID *int) bool {
	if p.OwnerOrgID != nil || orgID != nil {
		return p.OwnerOrgID != nil && orgID != nil && *p.OwnerOrgID == *orgID
	}
	return p.CreatedByID == userID
}

// TrustedPublishers lists p's trusted publishers, oldest first, for those
// who may manage them; anyone else is FORBIDDEN.
func (s *Service) TrustedPublishers(ctx context.Context, p *ent.Pkg) ([]*TrustedPublisher, error) {
	v := viewer.FromContext(ctx)
	r, err := s.repoOf(ctx, s.DB.Repository, p)
	if err != nil {
		return nil, err
	}
	owners, err := loadOwners(ctx, s.DB.PackageOwner, p.ID)
	if err != nil {
		return nil, err
	}
	if err := checkTrustManager(v, r, p.Name, owners); err != nil {
		return nil, err
	}
	rows, err := s.DB.TrustedPublisher.Query().Where(trustedpublisher.PackageID(p.ID)).
		Order(ent.Asc(trustedpublisher.FieldID)).All(viewer.System(ctx))
	if err != nil {
		return nil, fmt.Errorf("load trusted publishers: %w", err)
	}
	out := make([]*TrustedPublisher, len(rows))
	for i, row := range rows {
		out[i] = &TrustedPublisher{TrustedPublisher: row, Package: p.Name, Description: trust.ConfigOf(row).Describe()}
	}
	return out, nil
}

// PendingTrustedPublishers lists the pending publishers the viewer
// configured or that reserve a name for an organization it administers.
func (s *Service) PendingTrustedPublishers(ctx context.Context) ([]*TrustedPublisher, error) {
	v := viewer.FromContext(ctx)
	if err := requireSignIn(v); err != nil {
		return nil, err
	}
	if !v.ReadsAccount() {
		return nil, apperr.New(apperr.Forbidden, "this API key may not read account data (needs api:read)")
	}
	var admin []int
	for _, o := range v.Orgs {
		if o.Role == viewer.RoleAdmin {
			admin = append(admin, o.ID)
		}
	}
	rows, err := s.DB.TrustedPublisher.Query().Where(trustedpublisher.PackageIDIsNil(),
		trustedpublisher.Or(
			trustedpublisher.And(trustedpublisher.CreatedByID(v.UserID), trustedpublisher.OwnerOrgIDIsNil()),
			trustedpublisher.OwnerOrgIDIn(admin...))).
		Order(ent.Asc(trustedpublisher.FieldID)).All(viewer.System(ctx))
	if err != nil {
		return nil, fmt.Errorf("load pending publishers: %w", err)
	}
	out := make([]*TrustedPublisher, 0, len(rows))
	for _, row := range rows {
		t, err := s.viewTrusted(ctx, s.DB, row, "")
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// RemoveTrustedPublisher deletes a publisher and revokes the keys it
// issued that are still valid. Someone who may not manage it gets
// NOT_FOUND when they cannot even list it.
func (s *Service) RemoveTrustedPublisher(ctx context.Context, id int) (*TrustedPublisher, error) {
	v := viewer.FromContext(ctx)
	if err := requireSignIn(v); err != nil {
		return nil, err
	}
	if v.Trusted != nil {
		return nil, apperr.New(apperr.Forbidden, "a trusted-publishing key cannot configure trusted publishers")
	}
	sys := viewer.System(ctx)
	now := s.now()
	var out *TrustedPublisher
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		row, err := tx.TrustedPublisher.Query().Where(trustedpublisher.ID(id)).Where(store.ForUpdate).Only(sys)
		if ent.IsNotFound(err) {
			return apperr.New(apperr.NotFound, "no such trusted publisher")
		}
		if err != nil {
			return fmt.Errorf("load trusted publisher: %w", err)
		}
		entry := audit.Entry{Action: "trusted_publisher.remove", Params: map[string]any{"publisher_id": id, "issuer": row.Issuer}}
		name := ""
		if row.PackageID != nil {
			p, err := tx.Pkg.Get(sys, *row.PackageID)
			if err != nil {
				return fmt.Errorf("load package: %w", err)
			}
			r, err := s.repoOf(ctx, tx.Repository, p)
			if err != nil {
				return err
			}
			owners, err := loadOwners(ctx, tx.PackageOwner, p.ID)
			if err != nil {
				return err
			}
			if err := checkTrustManager(v, r, p.Name, owners); err != nil {
				return err
			}
			name = p.Name
			entry.OrganizationID = orgForAudit(r, owners)
		} else {
			if !v.Scopes.AllowsWrite() && (row.PendingName == nil || !v.Scopes.AllowsPackageWrite("", *row.PendingName)) {
				return apperr.New(apperr.Forbidden, "this API key may not change trusted publishers (needs api:write)")
			}
			mine := row.OwnerOrgID == nil && row.CreatedByID == v.UserID
			admin := row.OwnerOrgID != nil && v.RoleIn(*row.OwnerOrgID) == viewer.RoleAdmin
			if !mine && !admin {
				return apperr.New(apperr.NotFound, "no such trusted publisher")
			}
			if row.OwnerOrgID != nil {
				entry.OrganizationID = *row.OwnerOrgID
			}
		}
		if out, err = s.viewTrusted(ctx, tx.Client(), row, name); err != nil {
			return err
		}
		entry.Package = out.Package
		if err := tx.TrustedPublisher.DeleteOne(row).Exec(sys); err != nil {
			return fmt.Errorf("remove trusted publisher: %w", err)
		}
		if err := revokeTrustedKeys(sys, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, entry)
	})
	if err != nil {
		return nil, err
	}
	out.TrustedPublisher = out.TrustedPublisher.Unwrap()
	return out, nil
}

// revokeTrustedKeys revokes the unexpired keys publisher id issued. Keys
// live 15 minutes, so this reads few rows.
func revokeTrustedKeys(ctx context.Context, tx *ent.Tx, id int, now time.Time) error {
	keys, err := tx.APIKey.Query().Where(apikey.TrustedPublishersNotNil(), apikey.RevokedAtIsNil(), apikey.ExpiresAtGT(now)).All(ctx)
	if err != nil {
		return fmt.Errorf("load trusted keys: %w", err)
	}
	for _, k := range keys {
		for _, pid := range k.TrustedPublishers {
			if pid == id {
				if err := tx.APIKey.UpdateOne(k).SetRevokedAt(now).Exec(ctx); err != nil {
					return fmt.Errorf("revoke trusted key: %w", err)
				}
				break
			}
		}
	}
	return nil
}

// checkTrusted is the publish rule for a trusted-publishing key on an
// existing package: the publisher that allowed the key still publishes
// this package (a removed publisher's keys are also revoked).
func checkTrusted(ctx context.Context, c *ent.TrustedPublisherClient, v *viewer.Viewer, r repo, p *ent.Pkg) error {
	id := v.TrustedFor(p.Name)
	if id == 0 || r.private() {
		return apperr.New(apperr.Forbidden, "this trusted-publishing key may not publish %s", p.Name)
	}
	ok, err := c.Query().Where(trustedpublisher.ID(id), trustedpublisher.PackageID(p.ID)).Exist(viewer.System(ctx))
	if err != nil {
		return fmt.Errorf("check trusted publisher: %w", err)
	}
	if !ok {
		return apperr.New(apperr.Forbidden, "the trusted publisher of this key no longer publishes %s", p.Name)
	}
	return nil
}

// pendingFor loads the pending publisher through which v creates package
// name, or refuses.
func pendingFor(ctx context.Context, c *ent.TrustedPublisherClient, v *viewer.Viewer, r repo, name string) (*ent.TrustedPublisher, error) {
	id := v.TrustedFor(name)
	if id == 0 || r.private() {
		return nil, apperr.New(apperr.Forbidden, "this trusted-publishing key may not publish %s", name)
	}
	p, err := c.Query().Where(trustedpublisher.ID(id), trustedpublisher.PendingName(name), trustedpublisher.PackageIDIsNil()).
		Only(viewer.System(ctx))
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.Forbidden, "the trusted publisher of this key no longer creates %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("load pending publisher: %w", err)
	}
	return p, nil
}

// checkPendingReservation refuses a regular first publish of a name that
// a pending publisher reserves for someone else.
func checkPendingReservation(ctx context.Context, tx *ent.Tx, v *viewer.Viewer, r repo, name string, ownerOrg *viewer.Org) error {
	if r.private() {
		return nil
	}
	rows, err := tx.TrustedPublisher.Query().Where(trustedpublisher.PendingName(name), trustedpublisher.PackageIDIsNil()).All(viewer.System(ctx))
	if err != nil {
		return fmt.Errorf("load pending publishers: %w", err)
	}
	var orgID *int
	if ownerOrg != nil {
		orgID = &ownerOrg.ID
	}
	for _, p := range rows {
		if !samePendingOwner(p, v.UserID, orgID) {
			return apperr.New(apperr.Conflict, "package name %s is reserved by a pending trusted publisher of another account", name)
		}
	}
	return nil
}

// attachPending turns the pending publishers of name into publishers of
// the package just created.
func attachPending(ctx context.Context, tx *ent.Tx, r repo, p *ent.Pkg) error {
	if r.private() {
		return nil
	}
	_, err := tx.TrustedPublisher.Update().Where(trustedpublisher.PendingName(p.Name), trustedpublisher.PackageIDIsNil()).
		SetPackageID(p.ID).ClearPendingName().ClearOwnerOrgID().Save(viewer.System(ctx))
	if err != nil {
		return fmt.Errorf("attach pending publishers: %w", err)
	}
	return nil
}

// trustedPublish is what a release records about the trusted publisher
// and CI run of a trusted-publishing key; nil for other publishers.
func trustedPublish(ctx context.Context, tx *ent.Tx, v *viewer.Viewer, name string) (*schematype.TrustedPublish, error) {
	id := v.TrustedFor(name)
	if id == 0 {
		return nil, nil
	}
	sys := viewer.System(ctx)
	pub, err := tx.TrustedPublisher.Get(sys, id)
	if err != nil {
		return nil, fmt.Errorf("load trusted publisher: %w", err)
	}
	k, err := tx.APIKey.Get(sys, v.KeyID)
	if err != nil {
		return nil, fmt.Errorf("load key: %w", err)
	}
	run := k.TrustedRun
	return &schematype.TrustedPublish{
		PublisherID: id, Publisher: trust.ConfigOf(pub).Describe(), Issuer: pub.Issuer,
		RunID: run["run_id"], RunURL: run["run_url"], SHA: run["sha"], WorkflowRef: run["workflow_ref"],
		ConfiguredBy: pub.CreatedByID,
	}, nil
}
