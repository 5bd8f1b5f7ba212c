package registry

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// Retire marks one release, or every release when version is "", as not
// recommended. Allowed at any time: a retired release stays resolvable and
// fetchable. Retiring a retired release updates its reason and message.
func (s *Service) Retire(ctx context.Context, repoName, name, version string, reason retirement.Reason, message string) ([]*ent.Release, error) {
	v := viewer.FromContext(ctx)
	if err := requireSignIn(v); err != nil {
		return nil, err
	}
	if err := retirement.ReasonValidator(reason); err != nil {
		return nil, apperr.Invalid("reason", "unknown retirement reason %q (want OTHER, INVALID, SECURITY, DEPRECATED or RENAMED)", reason)
	}
	if n := utf8.RuneCountInString(message); message != "" && (n < 3 || n > 140) {
		return nil, apperr.Invalid("message", "the retirement message must be 3 to 140 characters (it has %d)", n)
	}
	return s.changeRetirement(ctx, repoName, name, version, func(ctx context.Context, tx *ent.Tx, r repo, rel *ent.Release) (bool, error) {
		err := tx.Retirement.Create().
			SetReleaseID(rel.ID).
			SetReason(reason).
			SetMessage(message).
			SetCreatedAt(s.now()).
			SetUpdatedAt(s.now()).
			SetNillablePrivateOrgID(r.privateOrgID()).
			OnConflictColumns(retirement.FieldReleaseID).
			UpdateReason().UpdateMessage().UpdateUpdatedAt().
			Exec(ctx)
		if err != nil {
			return false, fmt.Errorf("retire %s: %w", rel.Version, err)
		}
		return true, nil
	}, event{Kind: releaseevent.KindRETIRED, Reason: string(reason), Message: message}, "release.retire")
}

// Unretire undoes Retire for one release, or for every retired release when
// version is "". Nothing to undo is a CONFLICT, so a typo is noticed.
func (s *Service) Unretire(ctx context.Context, repoName, name, version string) ([]*ent.Release, error) {
	v := viewer.FromContext(ctx)
	if err := requireSignIn(v); err != nil {
		return nil, err
	}
	return s.changeRetirement(ctx, repoName, name, version, func(ctx context.Context, tx *ent.Tx, r repo, rel *ent.Release) (bool, error) {
		n, err := tx.Retirement.Delete().Where(retirement.ReleaseID(rel.ID)).Exec(ctx)
		if err != nil {
			return false, fmt.Errorf("unretire %s: %w", rel.Version, err)
		}
		return n > 0, nil
	}, event{Kind: releaseevent.KindUNRETIRED}, "release.unretire")
}

// retireStep changes one release and reports whether anything changed.
type retireStep func(ctx context.Context, tx *ent.Tx, r repo, rel *ent.Release) (bool, error)

func (s *Service) changeRetirement(ctx context.Context, repoName, name, version string, step retireStep, ev event, action string) ([]*ent.Release, error) {
	v := viewer.FromContext(ctx)
	r, err := s.resolveRepo(ctx, s.DB.Repository, repoName)
	if err != nil {
		return nil, err
	}
	var changed []*ent.Release
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		p, owners, err := lockPackage(ctx, tx, r, name)
		if err != nil {
			return err
		}
		if err := authorize(v, r, name, owners, needPublish); err != nil {
			return err
		}
		sys := viewer.System(ctx)
		var rels []*ent.Release
		if version == "" {
			rels, err = tx.Release.Query().Where(release.PackageID(p.ID)).Order(oldestOrder.ent()...).All(sys)
			if err != nil {
				return fmt.Errorf("load releases: %w", err)
			}
		} else {
			rel, err := findRelease(ctx, tx, p, version)
			if err != nil {
				return err
			}
			rels = []*ent.Release{rel}
		}
		now := s.now()
		var versions []string
		for _, rel := range rels {
			ok, err := step(sys, tx, r, rel)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			e := ev
			e.Version, e.ReleaseID = rel.Version, rel.ID
			if err := writeEvent(ctx, tx, now, r, p, e); err != nil {
				return err
			}
			changed = append(changed, rel)
			versions = append(versions, rel.Version)
		}
		if len(changed) == 0 {
			return apperr.New(apperr.Conflict, "nothing to do: no matching release of %s is retired", name)
		}
		params := map[string]any{"repository": r.Name, "versions": versions}
		if ev.Reason != "" {
			params["reason"], params["message"] = ev.Reason, ev.Message
		}
		return audit.Record(ctx, tx, audit.Entry{Action: action, OrganizationID: orgForAudit(r, owners), Package: name, Params: params})
	})
	if err != nil {
		return nil, err
	}
	s.committed(ctx)
	// Detach from the finished transaction so the caller can load edges.
	for i := range changed {
		changed[i] = changed[i].Unwrap()
	}
	return changed, nil
}
