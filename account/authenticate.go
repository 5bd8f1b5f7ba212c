package account

import (
	"context"
	"strings"

	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/apikey"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/ent/organization"
	"github.com/depot-registry/depot/ent/session"
	"github.com/depot-registry/depot/viewer"
)

// ViewerForSession returns the viewer of a session cookie token. An unknown
// or expired token yields an anonymous viewer: the browser simply is not
// signed in any more.
func (s *Service) ViewerForSession(ctx context.Context, token string) (*viewer.Viewer, error) {
	if !strings.HasPrefix(token, SessionPrefix) {
		return &viewer.Viewer{}, nil
	}
	sess, err := s.DB.Session.Query().Where(session.TokenHash(sha(token))).WithUser().Only(ctx)
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
		_ = s.DB.Session.UpdateOne(sess).SetExpiresAt(now.Add(s.ttl())).Exec(ctx)
	}
	return s.load(ctx, sess.Edges.User, 0, nil)
}

// ViewerForKey returns the viewer of an API key secret. Unlike a stale
// cookie, a bad key is an error: the integration must learn its key is dead.
func (s *Service) ViewerForKey(ctx context.Context, secret string) (*viewer.Viewer, error) {
	bad := apperr.New(apperr.Unauthenticated, "invalid, expired or revoked API key")
	if !strings.HasPrefix(secret, KeyPrefix) {
		return nil, bad
	}
	k, err := s.DB.APIKey.Query().Where(apikey.SecretHash(s.keyHash(secret))).WithUser().Only(ctx)
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
		_ = s.DB.APIKey.UpdateOne(k).SetLastUsedAt(now).SetLastUsedIP(c.IP).
			SetLastUsedUserAgent(trunc(c.UserAgent, 512)).Exec(ctx)
	}
	scopes := make(viewer.Scopes, len(k.Scopes))
	for i, sc := range k.Scopes {
		scopes[i] = viewer.Scope(sc)
	}
	return s.load(ctx, k.Edges.User, k.ID, scopes)
}

// ViewerFor returns the viewer of a user id (tests and CLI tools).
func (s *Service) ViewerFor(ctx context.Context, userID int) (*viewer.Viewer, error) {
	u, err := s.DB.User.Get(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.load(ctx, u, 0, nil)
}

func (s *Service) load(ctx context.Context, u *ent.User, keyID int, scopes viewer.Scopes) (*viewer.Viewer, error) {
	// One joined statement (not a query plus an eager load): this runs on
	// every authenticated request.
	var ms []struct {
		OrganizationID int    `json:"organization_id"`
		Role           string `json:"role"`
		Name           string `json:"name"`
	}
	err := s.DB.Membership.Query().Where(membership.UserID(u.ID)).Modify(func(sel *sql.Selector) {
		t := sql.Table(organization.Table)
		sel.Join(t).On(sel.C(membership.FieldOrganizationID), t.C(organization.FieldID))
		sel.Select(sel.C(membership.FieldOrganizationID), sel.C(membership.FieldRole), t.C(organization.FieldName))
	}).Scan(ctx, &ms)
	if err != nil {
		return nil, err
	}
	v := &viewer.Viewer{UserID: u.ID, Username: u.Username, KeyID: keyID, Scopes: scopes}
	ids := make([]int, 0, len(ms))
	for _, m := range ms {
		v.Orgs = append(v.Orgs, viewer.Org{ID: m.OrganizationID, Name: m.Name, Role: viewer.ParseRole(m.Role)})
		ids = append(ids, m.OrganizationID)
	}
	if s.Entitled != nil && len(ids) > 0 {
		ent, err := s.Entitled(ctx, ids)
		if err != nil {
			return nil, err
		}
		for i := range v.Orgs {
			v.Orgs[i].Entitled = ent[v.Orgs[i].ID]
		}
	}
	return v, nil
}
