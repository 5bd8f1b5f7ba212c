package account

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/apikey"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/ent/session"
	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/viewer"
)

// Every authenticated request turns a cookie or a key into a viewer: the
// credential's row, the user and their memberships. The credential row is
// read on every request: revoking a key or ending a session does not move
// the data generation (the store leaves credential tables out of it), so
// nothing but that row can tell. The user and memberships are kept per
// credential in the process, under the data generation read in the same
// statement as the row: a membership, role, organization or username
// change on any instance moves the generation, and the next request
// reloads. Entitlements depend on the clock too (a period ends, a
// grace runs out), but only one way: time alone never opens a private
// repository, it only closes one (TestTimeNeverEntitles pins this on
// billing.Entitled). So "none of the user's organizations is entitled" is
// kept with the entry and holds until a write moves the generation; a user
// with an entitled organization has entitlements read on every request.

// generationColumn is the data generation joined into the credential row's
// statement (store.Generation reads the same row on its own).
const generationColumn = "data_generation"

// withGeneration joins the store's generation row (table data_generation,
// one row with id 1) into a credential lookup.
func withGeneration(sel *sql.Selector) {
	g := sql.Table("data_generation")
	sel.Join(g).OnP(sql.EQ(g.C("id"), 1))
	sel.AppendSelectAs(g.C("value"), generationColumn)
}

func generationOf(v interface {
	Value(string) (ent.Value, error)
}) (int64, error) {
	raw, err := v.Value(generationColumn)
	if err != nil {
		return 0, err
	}
	if g, ok := raw.(int64); ok {
		return g, nil
	}
	return 0, fmt.Errorf("data generation: unexpected %T", raw)
}

// ViewerForSession returns the viewer of a session cookie token. An unknown
// or expired token yields an anonymous viewer: the browser simply is not
// signed in any more.
func (s *Service) ViewerForSession(ctx context.Context, token string) (*viewer.Viewer, error) {
	if !strings.HasPrefix(token, SessionPrefix) {
		return &viewer.Viewer{}, nil
	}
	hash := sha(token)
	sess, err := s.DB.Session.Query().Where(session.TokenHash(hash)).
		Select(session.FieldID, session.FieldUserID, session.FieldExpiresAt, session.FieldTwoFactorAt).Modify(withGeneration).Only(ctx)
	if ent.IsNotFound(err) {
		return &viewer.Viewer{}, nil
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now.After(sess.ExpiresAt) {
		return &viewer.Viewer{}, nil
	}
	// Sliding expiry, written at most once a day per session.
	if sess.ExpiresAt.Sub(now) < s.ttl()-24*60*60*1e9 {
		_ = s.DB.Session.UpdateOneID(sess.ID).SetExpiresAt(now.Add(s.ttl())).Exec(ctx)
	}
	gen, err := generationOf(sess)
	if err != nil {
		return nil, err
	}
	v, err := s.principal(ctx, "s:"+string(hash), gen, sess.UserID, 0, nil)
	if err != nil {
		return nil, err
	}
	v.SessionID = sess.ID
	if sess.TwoFactorAt != nil {
		v.SudoUntil = sess.TwoFactorAt.Add(SudoTTL)
	}
	return v, nil
}

// ViewerForKey returns the viewer of an API key secret. Unlike a stale
// cookie, a bad key is an error: the integration must learn its key is dead.
func (s *Service) ViewerForKey(ctx context.Context, secret string) (*viewer.Viewer, error) {
	bad := apperr.New(apperr.Unauthenticated, "invalid, expired or revoked API key")
	if !strings.HasPrefix(secret, KeyPrefix) {
		return nil, bad
	}
	hash := s.keyHash(secret)
	k, err := s.DB.APIKey.Query().Where(apikey.SecretHash(hash)).
		Select(apikey.FieldID, apikey.FieldUserID, apikey.FieldScopes, apikey.FieldExpiresAt, apikey.FieldRevokedAt,
			apikey.FieldLastUsedAt, apikey.FieldLastUsedIP, apikey.FieldTrustedPublishers, apikey.FieldWritesNeedCode).Modify(withGeneration).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	if !s.KeyActive(k) {
		return nil, bad
	}
	now := s.now()
	c := viewer.ClientFrom(ctx)
	// Last use is written at most once a minute per key, so busy
	// integrations do not turn every read into a write.
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > 60e9 || k.LastUsedIP != c.IP {
		_ = s.DB.APIKey.UpdateOneID(k.ID).SetLastUsedAt(now).SetLastUsedIP(c.IP).
			SetLastUsedUserAgent(trunc(c.UserAgent, 512)).Exec(ctx)
	}
	scopes := make(viewer.Scopes, len(k.Scopes))
	for i, sc := range k.Scopes {
		scopes[i] = viewer.Scope(sc)
	}
	gen, err := generationOf(k)
	if err != nil {
		return nil, err
	}
	v, err := s.principal(ctx, "k:"+string(hash), gen, k.UserID, k.ID, scopes)
	if err != nil {
		return nil, err
	}
	if len(k.TrustedPublishers) > 0 {
		v.Trusted = k.TrustedPublishers
	}
	v.KeyWritesNeedCode = k.WritesNeedCode
	return v, nil
}

// ViewerFor returns the viewer of a user id (tests and CLI tools).
func (s *Service) ViewerFor(ctx context.Context, userID int) (*viewer.Viewer, error) {
	u, err := s.DB.User.Get(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.load(ctx, u, 0, nil)
}

// principal builds the viewer of a credential whose row was read at data
// generation gen, from the credential's cached user and memberships when
// they were loaded at that same generation.
func (s *Service) principal(ctx context.Context, cred string, gen int64, userID, keyID int, scopes viewer.Scopes) (*viewer.Viewer, error) {
	c := &s.principals
	p, ok := c.get(cred)
	if !ok || p.gen != gen || p.userID != userID {
		u, err := s.DB.User.Query().Where(user.ID(userID)).Select(user.FieldID, user.FieldUsername, user.FieldTwoFactorEnabled).Only(ctx)
		if err != nil {
			return nil, err
		}
		orgs, err := s.memberships(ctx, userID, u.TwoFactorEnabled)
		if err != nil {
			return nil, err
		}
		// Loaded after gen was read: at least as new as gen, so it may
		// stand for gen (a newer generation reloads).
		p = principalEntry{gen: gen, userID: userID, username: u.Username, twoFactor: u.TwoFactorEnabled, orgs: orgs, noneEntitled: len(orgs) == 0}
		c.put(cred, p)
	}
	v := &viewer.Viewer{UserID: p.userID, Username: p.username, KeyID: keyID, Scopes: scopes, TwoFactor: p.twoFactor}
	// A copy: the request's viewer changes in place (sign-in, SetOrg).
	v.Orgs = append([]viewer.Org(nil), p.orgs...)
	if p.noneEntitled {
		return v, nil
	}
	if err := s.entitle(ctx, v); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(v.Orgs, func(o viewer.Org) bool { return o.Entitled }) {
		// Read after gen: at least as new, and time cannot undo it.
		p.noneEntitled = true
		c.put(cred, p)
	}
	return v, nil
}

func (s *Service) load(ctx context.Context, u *ent.User, keyID int, scopes viewer.Scopes) (*viewer.Viewer, error) {
	orgs, err := s.memberships(ctx, u.ID, u.TwoFactorEnabled)
	if err != nil {
		return nil, err
	}
	v := &viewer.Viewer{UserID: u.ID, Username: u.Username, KeyID: keyID, Scopes: scopes, Orgs: orgs, TwoFactor: u.TwoFactorEnabled}
	return v, s.entitle(ctx, v)
}

// memberships reads the user's organizations and roles in one joined
// statement (not a query plus an eager load). Entitlement is left unset.
// In an organization that requires two-factor authentication a user
// without it keeps reading but no more: the role is capped at read.
func (s *Service) memberships(ctx context.Context, userID int, twoFactor bool) ([]viewer.Org, error) {
	var ms []struct {
		OrganizationID int    `json:"organization_id"`
		Role           string `json:"role"`
		Name           string `json:"name"`
		Require        bool   `json:"require_two_factor"`
	}
	err := s.DB.Membership.Query().Where(membership.UserID(userID)).Modify(func(sel *sql.Selector) {
		t := sql.Table(organization.Table)
		sel.Join(t).On(sel.C(membership.FieldOrganizationID), t.C(organization.FieldID))
		sel.Select(sel.C(membership.FieldOrganizationID), sel.C(membership.FieldRole), t.C(organization.FieldName),
			t.C(organization.FieldRequireTwoFactor))
	}).Scan(ctx, &ms)
	if err != nil {
		return nil, err
	}
	var orgs []viewer.Org
	for _, m := range ms {
		o := viewer.Org{ID: m.OrganizationID, Name: m.Name, Role: viewer.ParseRole(m.Role)}
		o.MemberRole = o.Role
		if m.Require && !twoFactor {
			o.NeedsTwoFactor = true
			o.Role = min(o.Role, viewer.RoleRead)
		}
		orgs = append(orgs, o)
	}
	return orgs, nil
}

// entitle marks which of v's organizations have private access now.
func (s *Service) entitle(ctx context.Context, v *viewer.Viewer) error {
	if s.Entitled == nil || len(v.Orgs) == 0 {
		return nil
	}
	ids := make([]int, len(v.Orgs))
	for i, o := range v.Orgs {
		ids[i] = o.ID
	}
	ent, err := s.Entitled(ctx, ids)
	if err != nil {
		return err
	}
	for i := range v.Orgs {
		v.Orgs[i].Entitled = ent[v.Orgs[i].ID]
	}
	return nil
}

// principalEntry is what a credential stands for at one data generation.
type principalEntry struct {
	gen       int64
	userID    int
	username  string
	twoFactor bool
	orgs      []viewer.Org // Entitled unset; never changed once stored
	// noneEntitled: no organization of orgs was entitled after gen was
	// read (true as well when there are none).
	noneEntitled bool
}

// maxPrincipals bounds the cache: past it, an arbitrary entry makes room
// (a miss costs two statements, not a wrong answer).
const maxPrincipals = 10000

type principalCache struct {
	mu      sync.Mutex
	entries map[string]principalEntry
}

func (c *principalCache) get(cred string) (principalEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.entries[cred]
	return p, ok
}

func (c *principalCache) put(cred string, p principalEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[cred]; ok && old.gen > p.gen {
		return // a request that read a newer generation got here first
	}
	if _, ok := c.entries[cred]; !ok && len(c.entries) >= maxPrincipals {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	if c.entries == nil {
		c.entries = map[string]principalEntry{}
	}
	c.entries[cred] = p
}
