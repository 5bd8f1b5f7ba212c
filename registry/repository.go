package registry

import (
	"context"
	"fmt"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/repository"
	"github.com/depot-registry/depot/viewer"
)

// repo is a resolved repository. OrgID is 0 for the public repository.
type repo struct {
	ID    int
	Name  string
	OrgID int
}

func (r repo) private() bool { return r.OrgID != 0 }

// privateOrgID is the value for the private_org_id column of every row that
// belongs to this repository: nil for the public one, so the privacy filter
// lets everyone see it.
func (r repo) privateOrgID() *int {
	if r.OrgID == 0 {
		return nil
	}
	id := r.OrgID
	return &id
}

// scopeOrg is the organization name API key scopes are checked against
// ("" for the public repository).
func (r repo) scopeOrg() string {
	if r.private() {
		return r.Name
	}
	return ""
}

// resolveRepo finds a repository by name; "" and the public repository's
// own name both mean the public one. Repository rows are not private: an
// organization's existence is public, only its packages are hidden.
//
// Found repositories are remembered: their name and organization never
// change and they are never deleted, so the cache cannot go stale (a new
// organization's repository is simply a miss). It saves one statement on
// every package and release lookup.
func (s *Service) resolveRepo(ctx context.Context, c *ent.RepositoryClient, name string) (repo, error) {
	if name == s.publicName() {
		name = ""
	}
	if r, ok := s.repoCache.Load(name); ok {
		return r.(repo), nil
	}
	ctx = viewer.System(ctx)
	q := c.Query()
	if name == "" || name == s.publicName() {
		q = q.Where(repository.OrganizationIDIsNil())
	} else {
		q = q.Where(repository.Name(name), repository.OrganizationIDNotNil())
	}
	r, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return repo{}, apperr.New(apperr.NotFound, "no repository named %q", name)
	}
	if err != nil {
		return repo{}, fmt.Errorf("find repository %q: %w", name, err)
	}
	out := repo{ID: r.ID, Name: r.Name}
	if r.OrganizationID != nil {
		out.OrgID = *r.OrganizationID
	}
	s.repoCache.Store(name, out)
	return out, nil
}

// repoOf is the repository a loaded package lives in.
func (s *Service) repoOf(ctx context.Context, c *ent.RepositoryClient, p *ent.Pkg) (repo, error) {
	r, err := c.Get(viewer.System(ctx), p.RepositoryID)
	if err != nil {
		return repo{}, fmt.Errorf("repository of %s: %w", p.Name, err)
	}
	out := repo{ID: r.ID, Name: r.Name}
	if r.OrganizationID != nil {
		out.OrgID = *r.OrganizationID
	}
	return out, nil
}
