// Package graph is Depot's GraphQL front: gqlgen resolvers that translate
// between the schema and the domain packages. Resolvers stay thin — checks
// and rules live in the domain (account, org, registry, billing, events) —
// and domain errors become `extensions.code` in one place (errors.go).
package graph

import (
	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/billing/service"
	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/events"
	"github.com/depot-registry/depot/interchange"
	"github.com/depot-registry/depot/mirror"
	"github.com/depot-registry/depot/org"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/trust"
)

// Resolver is the root resolver: the services the schema is served from.
type Resolver struct {
	DB             *ent.Client
	Accounts       *account.Service
	Orgs           *org.Service
	Registry       *registry.Service
	BillingService *service.Service
	Docs           *docshost.Service
	Trust          *trust.Service
	Interchange    *interchange.Service
	// ExportLinks signs the download links exportOrganization returns.
	ExportLinks interchange.Links
	Hub         *events.Hub
	// OnSubscribe is told of subscriptions opening (+1) and closing (-1).
	OnSubscribe func(delta int)
	// PublicURL is the server's public base URL (for tarball and docs links).
	PublicURL string
	// PublicRepository is the name of the public repository.
	PublicRepository string
	// Mirror reads the mirror's cache (mirroredPackage[s]); nil when
	// mirroring is off.
	Mirror *mirror.Service
}
