// Package viewer carries "who is asking" through a request's context.
//
// It sits below every other Depot package (the Ent schema's privacy
// interceptors read it), so it imports nothing of Depot's. The server builds a
// Viewer once per request from the session cookie or API key; domain code asks
// it questions instead of re-reading memberships, which keeps the number of
// SQL statements per request independent of what the request touches.
package viewer

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Role is a member's role in an organization, ordered read < write < admin.
type Role int

// Organization roles. The zero value means "not a member".
const (
	RoleNone Role = iota
	RoleRead
	RoleWrite
	RoleAdmin
)

// String returns the lower-case role name used in the database.
func (r Role) String() string {
	switch r {
	case RoleRead:
		return "read"
	case RoleWrite:
		return "write"
	case RoleAdmin:
		return "admin"
	}
	return "none"
}

// ParseRole is the inverse of String.
func ParseRole(s string) Role {
	switch strings.ToLower(s) {
	case "read":
		return RoleRead
	case "write":
		return RoleWrite
	case "admin":
		return RoleAdmin
	}
	return RoleNone
}

// Org is one organization the viewer belongs to.
type Org struct {
	ID   int
	Name string
	Role Role
	// Entitled reports whether the organization's private repository is open
	// (an active, trialing or still paid-up subscription). Members of a lapsed
	// organization keep their membership but lose private access.
	Entitled bool
	// NeedsTwoFactor: the organization requires two-factor authentication
	// and the viewer has none, so Role is capped at RoleRead (MemberRole
	// is the role the membership row gives).
	NeedsTwoFactor bool
	MemberRole     Role
}

// Viewer is the authenticated principal of a request. The zero value is an
// anonymous visitor.
type Viewer struct {
	UserID   int
	Username string
	// KeyID is set when the request authenticated with an API key.
	KeyID  int
	Scopes Scopes
	// Trusted is set for a key exchanged from a CI job's OIDC token
	// (trusted publishing): package name → the trusted publisher that
	// allowed it. Such a key only publishes those packages.
	Trusted map[string]int
	Orgs    []Org
	// TwoFactor reports whether the user has two-factor authentication on.
	TwoFactor bool
	// SessionID is the browser session's row (0 for keys and passwords);
	// SudoUntil is when its last two-factor code stops being fresh enough
	// for sensitive actions (sudo mode).
	SessionID int
	SudoUntil time.Time
	// Password marks a request authenticated by password alone (HTTP
	// Basic in the Hex API).
	Password bool
	// KeyWritesNeedCode: the API key is marked "writes need a code".
	KeyWritesNeedCode bool
	// CodeVerified: this request carried a valid two-factor code.
	CodeVerified bool
	// system marks trusted internal work (migrations, background jobs): it
	// sees every row. It can only be set through System.
	system bool
}

// Anonymous reports whether nobody is signed in.
func (v *Viewer) Anonymous() bool { return v == nil || (v.UserID == 0 && !v.system) }

// TrustedFor is the trusted publisher through which v may publish package
// name, 0 when v is not a trusted-publishing key for it.
func (v *Viewer) TrustedFor(name string) int {
	if v == nil {
		return 0
	}
	return v.Trusted[name]
}

// WriteNeedsCode reports whether a change made by v needs a two-factor
// code it has not given: with a key marked "writes need a code", or with
// a password alone when the user has two-factor authentication.
func (v *Viewer) WriteNeedsCode() bool {
	if v == nil || v.system || v.CodeVerified {
		return false
	}
	return (v.KeyID != 0 && v.KeyWritesNeedCode) || (v.Password && v.TwoFactor)
}

// SensitiveNeedsCode reports whether a sensitive action (API keys,
// password, owners, transfer, billing, two-factor settings) needs a fresh
// code from v at now: WriteNeedsCode, or a browser session of a user with
// two-factor authentication whose last code is older than sudo mode lasts.
func (v *Viewer) SensitiveNeedsCode(now time.Time) bool {
	if v.WriteNeedsCode() {
		return true
	}
	if v == nil || v.system || v.CodeVerified {
		return false
	}
	return v.SessionID != 0 && v.TwoFactor && !now.Before(v.SudoUntil)
}

// IsSystem reports whether v is the trusted internal viewer.
func (v *Viewer) IsSystem() bool { return v != nil && v.system }

// Org returns the viewer's membership in the organization with the given id.
func (v *Viewer) Org(id int) (Org, bool) {
	if v == nil {
		return Org{}, false
	}
	for _, o := range v.Orgs {
		if o.ID == id {
			return o, true
		}
	}
	return Org{}, false
}

// OrgByName is Org keyed by organization name.
func (v *Viewer) OrgByName(name string) (Org, bool) {
	if v == nil {
		return Org{}, false
	}
	for _, o := range v.Orgs {
		if o.Name == name {
			return o, true
		}
	}
	return Org{}, false
}

// RoleIn is the viewer's role in an organization, RoleNone when not a member.
func (v *Viewer) RoleIn(orgID int) Role {
	o, _ := v.Org(orgID)
	return o.Role
}

// PrivateOrgIDs lists the organizations whose private packages this viewer
// may read: member (or key scoped to the repository), organization entitled,
// and the key's scopes allow it. It is what the privacy interceptors filter by.
func (v *Viewer) PrivateOrgIDs() []int {
	if v == nil {
		return nil
	}
	ids := make([]int, 0, len(v.Orgs))
	for _, o := range v.Orgs {
		if o.Entitled && o.Role >= RoleRead && v.Scopes.AllowsRepository(o.Name) {
			ids = append(ids, o.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// CanReadPrivate reports whether the viewer sees the private repository of orgID.
func (v *Viewer) CanReadPrivate(orgID int) bool {
	if v.IsSystem() {
		return true
	}
	return slices.Contains(v.PrivateOrgIDs(), orgID)
}

// CanReadPrivateDocs reports whether the viewer reads the documentation in
// the private repository of organization orgID, named orgName: a member
// whose organization is entitled, through a session or a key whose scopes
// allow the organization's docs (docs:ORG suffices, without the rest of the
// repository).
func (v *Viewer) CanReadPrivateDocs(orgID int, orgName string) bool {
	if v.IsSystem() {
		return true
	}
	o, ok := v.Org(orgID)
	return ok && o.Entitled && o.Role >= RoleRead && v.Scopes.AllowsDocs(orgName)
}

type ctxKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer in ctx, or an anonymous one.
func FromContext(ctx context.Context) *Viewer {
	if v, ok := ctx.Value(ctxKey{}).(*Viewer); ok && v != nil {
		return v
	}
	return &Viewer{}
}

// System returns ctx carrying the trusted internal viewer, for background
// work and for domain checks that must see every row (name uniqueness across
// repositories, dependency resolution inside a use case already authorized).
func System(ctx context.Context) context.Context {
	return NewContext(ctx, &Viewer{system: true})
}

// Client describes where a request came from, for audit entries and rate
// limits.
type Client struct {
	IP        string
	UserAgent string
}

type clientKey struct{}

// WithClient returns ctx carrying c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client in ctx (zero when unknown).
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// SetOrg records a membership change made during this request, so fields
// resolved after a mutation see it (the viewer is loaded once per request).
func (v *Viewer) SetOrg(o Org) {
	for i := range v.Orgs {
		if v.Orgs[i].ID == o.ID {
			v.Orgs[i] = o
			return
		}
	}
	v.Orgs = append(v.Orgs, o)
}

// DropOrg is SetOrg for a membership that ended.
func (v *Viewer) DropOrg(id int) {
	v.Orgs = slices.DeleteFunc(v.Orgs, func(o Org) bool { return o.ID == id })
}

// Reloader re-reads the viewer of the credentials a long-lived request
// (a subscription) started with, so membership changes and revoked keys
// take effect while it runs.
type Reloader func(ctx context.Context) (*Viewer, error)

type reloaderKey struct{}

// WithReloader returns ctx carrying r.
func WithReloader(ctx context.Context, r Reloader) context.Context {
	return context.WithValue(ctx, reloaderKey{}, r)
}

// ReloaderFrom returns the reloader in ctx, or nil.
func ReloaderFrom(ctx context.Context) Reloader {
	r, _ := ctx.Value(reloaderKey{}).(Reloader)
	return r
}
