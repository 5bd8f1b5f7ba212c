package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// account is a user or an organization named as an owner; the two share
// one namespace (SPEC §3).
type account struct {
	Name   string
	UserID int
	OrgID  int
}

func (a account) matches(o *ent.PackageOwner) bool {
	if a.UserID != 0 {
		return o.UserID != nil && *o.UserID == a.UserID
	}
	return o.OrganizationID != nil && *o.OrganizationID == a.OrgID
}

func findAccount(ctx context.Context, tx *ent.Tx, name string) (account, error) {
	u, err := tx.User.Query().Where(user.Username(name)).Only(ctx)
	if err == nil {
		return account{Name: u.Username, UserID: u.ID}, nil
	}
	if !ent.IsNotFound(err) {
		return account{}, fmt.Errorf("find user %s: %w", name, err)
	}
	o, err := tx.Organization.Query().Where(organization.Name(name)).Only(ctx)
	if ent.IsNotFound(err) {
		return account{}, apperr.New(apperr.NotFound, "no user or organization named %q", name)
	}
	if err != nil {
		return account{}, fmt.Errorf("find organization %s: %w", name, err)
	}
	return account{Name: o.Name, OrgID: o.ID}, nil
}

// checkPrivateOwner keeps a private package's owners inside its
// organization: the organization itself or its members. Anyone else could
// not even see the package.
func checkPrivateOwner(ctx context.Context, tx *ent.Tx, r repo, a account) error {
	if !r.private() {
		return nil
	}
	if a.OrgID != 0 {
		if a.OrgID != r.OrgID {
			return apperr.Invalid("owner", "a private package of %s can only be owned by %s or its members, not by organization %s", r.Name, r.Name, a.Name)
		}
		return nil
	}
	member, err := tx.Membership.Query().Where(membership.OrganizationID(r.OrgID), membership.UserID(a.UserID)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("check membership: %w", err)
	}
	if !member {
		return apperr.Invalid("owner", "%s is not a member of %s, so cannot own its private packages", a.Name, r.Name)
	}
	return nil
}

// requireOrgConsent refuses to make organization a an owner unless the
// caller is one of its admins. Owning a package hands the organization's
// writers and admins rights over it and makes the organization answerable
// for it, so only someone who may speak for the organization accepts that:
// the rule is the same for adding an owner (a new owner row, or raising one
// to FULL) and for a transfer, or adding the organization and then removing
// oneself would be a transfer without consent.
func requireOrgConsent(v *viewer.Viewer, a account, what string) error {
	if a.OrgID == 0 || v.IsSystem() || v.RoleIn(a.OrgID) == viewer.RoleAdmin {
		return nil
	}
	return apperr.New(apperr.Forbidden, "you need admin rights in organization %s to %s", a.Name, what)
}

func ownerName(o *ent.PackageOwner) string {
	switch {
	case o.Edges.User != nil:
		return o.Edges.User.Username
	case o.Edges.Organization != nil:
		return o.Edges.Organization.Name
	}
	return ""
}

func countFull(owners []*ent.PackageOwner) int {
	n := 0
	for _, o := range owners {
		if o.Level == packageowner.LevelFULL {
			n++
		}
	}
	return n
}

// ownerChange runs fn on a locked package after checking that the viewer
// is a full owner; it returns the package as it is after the change.
func (s *Service) ownerChange(ctx context.Context, repoName, name string, fn func(tx *ent.Tx, r repo, p *ent.Pkg, owners []*ent.PackageOwner) (wroteEvent bool, err error)) (*ent.Pkg, error) {
	v := viewer.FromContext(ctx)
	if err := requireSignIn(v); err != nil {
		return nil, err
	}
	// Owner changes and transfers are sensitive (sudo mode).
	if v.SensitiveNeedsCode(s.now()) {
		return nil, apperr.CodeRequired()
	}
	r, err := s.resolveRepo(ctx, s.DB.Repository, repoName)
	if err != nil {
		return nil, err
	}
	var (
		p      *ent.Pkg
		events bool
	)
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var owners []*ent.PackageOwner
		var err error
		if p, owners, err = lockPackage(ctx, tx, r, name); err != nil {
			return err
		}
		if err := authorize(v, r, name, owners, needFull); err != nil {
			return err
		}
		events, err = fn(tx, r, p, owners)
		return err
	})
	if err != nil {
		return nil, err
	}
	if events {
		s.committed(ctx)
	}
	// Detach from the finished transaction so the caller can load edges.
	return p.Unwrap(), nil
}

// AddOwner adds ownerName (a user or an organization) as an owner at
// level, or changes the level of an existing owner. Needs full ownership,
// and admin rights in an organization made an owner or raised to FULL
// (requireOrgConsent). Owner changes are audited; the release event log
// has no kind for them.
func (s *Service) AddOwner(ctx context.Context, repoName, name, ownerName string, level packageowner.Level) (*ent.Pkg, error) {
	if err := packageowner.LevelValidator(level); err != nil {
		return nil, apperr.Invalid("level", "unknown owner level %q (want FULL or MAINTAINER)", level)
	}
	v := viewer.FromContext(ctx)
	return s.ownerChange(ctx, repoName, name, func(tx *ent.Tx, r repo, p *ent.Pkg, owners []*ent.PackageOwner) (bool, error) {
		sys := viewer.System(ctx)
		a, err := findAccount(sys, tx, ownerName)
		if err != nil {
			return false, err
		}
		if err := checkPrivateOwner(sys, tx, r, a); err != nil {
			return false, err
		}
		idx := slices.IndexFunc(owners, a.matches)
		if idx < 0 || (level == packageowner.LevelFULL && owners[idx].Level != packageowner.LevelFULL) {
			if err := requireOrgConsent(v, a, "make it an owner of "+name); err != nil {
				return false, err
			}
		}
		now := s.now()
		switch {
		case idx >= 0 && owners[idx].Level == level:
			return false, nil // already so; nothing changed, nothing to log
		case idx >= 0:
			if owners[idx].Level == packageowner.LevelFULL && countFull(owners) == 1 {
				return false, apperr.New(apperr.Conflict, "%s is the last full owner of %s and cannot be demoted", a.Name, name)
			}
			if err := tx.PackageOwner.UpdateOne(owners[idx]).SetLevel(level).SetUpdatedAt(now).Exec(sys); err != nil {
				return false, fmt.Errorf("change owner level: %w", err)
			}
		default:
			q := tx.PackageOwner.Create().SetPackageID(p.ID).SetLevel(level).
				SetCreatedAt(now).SetUpdatedAt(now).SetNillablePrivateOrgID(r.privateOrgID())
			if a.UserID != 0 {
				q.SetUserID(a.UserID)
			} else {
				q.SetOrganizationID(a.OrgID)
			}
			if err := q.Exec(sys); err != nil {
				return false, fmt.Errorf("add owner: %w", err)
			}
		}
		return false, audit.Record(ctx, tx, audit.Entry{
			Action: "package.owner.add", OrganizationID: orgForAudit(r, owners), SubjectUserID: a.UserID, Package: name,
			Params: map[string]any{"repository": r.Name, "owner": a.Name, "level": string(level)},
		})
	})
}

// RemoveOwner removes ownerName from the owners. Needs full ownership; the
// last full owner cannot be removed (the package would be unmanageable).
func (s *Service) RemoveOwner(ctx context.Context, repoName, name, ownerName string) (*ent.Pkg, error) {
	return s.ownerChange(ctx, repoName, name, func(tx *ent.Tx, r repo, p *ent.Pkg, owners []*ent.PackageOwner) (bool, error) {
		sys := viewer.System(ctx)
		a, err := findAccount(sys, tx, ownerName)
		if err != nil {
			return false, err
		}
		idx := slices.IndexFunc(owners, a.matches)
		if idx < 0 {
			return false, apperr.New(apperr.NotFound, "%s is not an owner of %s", a.Name, name)
		}
		if owners[idx].Level == packageowner.LevelFULL && countFull(owners) == 1 {
			return false, apperr.New(apperr.Conflict, "%s is the last full owner of %s; add another full owner or transfer the package first", a.Name, name)
		}
		if err := tx.PackageOwner.DeleteOne(owners[idx]).Exec(sys); err != nil {
			return false, fmt.Errorf("remove owner: %w", err)
		}
		return false, audit.Record(ctx, tx, audit.Entry{
			Action: "package.owner.remove", OrganizationID: orgForAudit(r, owners), SubjectUserID: a.UserID, Package: name,
			Params: map[string]any{"repository": r.Name, "owner": a.Name},
		})
	})
}

// Transfer makes `to` (a user, or an organization in which the caller is an
// admin) the package's only owner. Every other owner, maintainers included,
// is removed: that is what `mix hex.owner transfer` means on hex.pm, and it
// leaves no doubt about who controls the package afterwards; the new owner
// can add people back. The TRANSFERRED event names the previous full owners
// (comma-separated) and the new one.
func (s *Service) Transfer(ctx context.Context, repoName, name, to string) (*ent.Pkg, error) {
	v := viewer.FromContext(ctx)
	return s.ownerChange(ctx, repoName, name, func(tx *ent.Tx, r repo, p *ent.Pkg, owners []*ent.PackageOwner) (bool, error) {
		sys := viewer.System(ctx)
		a, err := findAccount(sys, tx, to)
		if err != nil {
			return false, err
		}
		if err := requireOrgConsent(v, a, "transfer a package to it"); err != nil {
			return false, err
		}
		if err := checkPrivateOwner(sys, tx, r, a); err != nil {
			return false, err
		}
		if len(owners) == 1 && a.matches(owners[0]) && owners[0].Level == packageowner.LevelFULL {
			return false, nil // already the only owner
		}
		var previous []string
		for _, o := range owners {
			if o.Level == packageowner.LevelFULL {
				previous = append(previous, ownerName(o))
			}
		}
		slices.Sort(previous)
		if _, err := tx.PackageOwner.Delete().Where(packageowner.PackageID(p.ID)).Exec(sys); err != nil {
			return false, fmt.Errorf("remove previous owners: %w", err)
		}
		now := s.now()
		q := tx.PackageOwner.Create().SetPackageID(p.ID).SetLevel(packageowner.LevelFULL).
			SetCreatedAt(now).SetUpdatedAt(now).SetNillablePrivateOrgID(r.privateOrgID())
		auditOrg := orgForAudit(r, owners)
		if a.UserID != 0 {
			q.SetUserID(a.UserID)
		} else {
			q.SetOrganizationID(a.OrgID)
			if auditOrg == 0 {
				auditOrg = a.OrgID
			}
		}
		if err := q.Exec(sys); err != nil {
			return false, fmt.Errorf("add new owner: %w", err)
		}
		prev := strings.Join(previous, ",")
		if err := writeEvent(ctx, tx, now, r, p, event{Kind: releaseevent.KindTRANSFERRED, PreviousOwner: prev, NewOwner: a.Name}); err != nil {
			return false, err
		}
		return true, audit.Record(ctx, tx, audit.Entry{
			Action: "package.transfer", OrganizationID: auditOrg, SubjectUserID: a.UserID, Package: name,
			Params: map[string]any{"repository": r.Name, "from": prev, "to": a.Name},
		})
	})
}
