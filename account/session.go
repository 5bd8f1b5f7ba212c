package account

import (
	"context"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/session"
	"github.com/depot-registry/depot/viewer"
)

// SessionPrefix starts every session token, so a leaked one is recognisable.
const SessionPrefix = "dps_"

func (s *Service) ttl() time.Duration {
	if s.SessionTTL > 0 {
		return s.SessionTTL
	}
	return 30 * 24 * time.Hour
}

func (s *Service) openSession(ctx context.Context, tx *ent.Tx, userID int) (Session, error) {
	token := randomToken(SessionPrefix)
	c := viewer.ClientFrom(ctx)
	exp := s.now().Add(s.ttl())
	err := tx.Session.Create().SetUserID(userID).SetTokenHash(sha(token)).SetExpiresAt(exp).
		SetIP(c.IP).SetUserAgent(trunc(c.UserAgent, 512)).Exec(ctx)
	return Session{Token: token, ExpiresAt: exp, TTL: s.ttl()}, err
}

// SignOut ends the session with this token (no error if it is unknown).
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	_, err := s.DB.Session.Delete().Where(session.TokenHash(sha(token))).Exec(ctx)
	return err
}

func endSessions(ctx context.Context, tx *ent.Tx, userID int, keepToken string) error {
	q := tx.Session.Delete().Where(session.UserID(userID))
	if keepToken != "" {
		q.Where(session.TokenHashNEQ(sha(keepToken)))
	}
	_, err := q.Exec(ctx)
	return err
}
