// Package registry is the release lifecycle of SPEC §4–§5: publish, replace,
// revert, retire, ownership and transfer, administrative removal, and the
// reads the GraphQL and repository fronts need (package, versions, search,
// dependents, permissions, download counts), and the package read model the
// fronts' per-request loaders batch through (readmodel.go; the one latest
// rule is latestOrder in latest.go).
//
// The rules live here and nowhere else. Every change runs in one transaction
// that also writes the audit entry and the release events, so the log and the
// data never disagree; subscribers hear about it only after commit, through
// Service.AfterCommit.
package registry

import (
	"context"
	"sync"
	"time"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/ent"
)

// Service holds the release-lifecycle use cases. Use it by pointer: it keeps
// in-process state (download counts, in-flight uploads).
type Service struct {
	DB    *ent.Client
	Blobs blob.Store
	// Now is the clock the windows are measured with; nil means time.Now.
	Now func() time.Time
	// PublicRepository is the public repository's name (callers may also
	// pass "" for it).
	PublicRepository string
	// AfterCommit is called after a committed change that wrote release
	// events, so the event bus can wake subscribers. Nil is fine.
	AfterCommit func(ctx context.Context)
	// TrustAllowHTTP lets trusted publishers name http:// OIDC issuers
	// (tests and explicit configuration); otherwise https only.
	TrustAllowHTTP bool
	// NameGuard, when set, vets the name of a new public package (the
	// mirror's dependency-confusion check); an error refuses the publish.
	NameGuard func(ctx context.Context, name string) error

	repoCache sync.Map // repository name ("" = public) → repo; see resolveRepo
	mu        sync.Mutex
	inflight  map[string]int   // blob keys of uploads not yet committed or failed
	downloads map[dayKey]int64 // (release, day) → downloads not yet flushed
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// PublicName is the public repository's name, as clients address it.
func (s *Service) PublicName() string { return s.publicName() }

func (s *Service) publicName() string {
	if s.PublicRepository == "" {
		return "hexpm"
	}
	return s.PublicRepository
}

// committed tells the event bus that events were written.
func (s *Service) committed(ctx context.Context) {
	if s.AfterCommit != nil {
		s.AfterCommit(ctx)
	}
}
