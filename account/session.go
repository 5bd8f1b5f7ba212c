package account

import (
	"context"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/predicate"
	"github.com/depot-registry/depot/ent/session"
	"github.com/depot-registry/depot/store"
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

// SignOut ends the session with this token (no error if it is unknown) and
// records it in the user's audit log, like every other state change.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		sess, err := tx.Session.Query().Where(session.TokenHash(sha(token))).Only(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.Session.DeleteOne(sess).Exec(ctx); err != nil {
			return err
		}
		return recordAs(ctx, tx, sess.UserID, "user.sign_out", nil)
	})
}

func sessionToken(token string) predicate.Session { return session.TokenHash(sha(token)) }

func endSessions(ctx context.Context, tx *ent.Tx, userID int, keepToken string) error {
	q := tx.Session.Delete().Where(session.UserID(userID))
	if keepToken != "" {
		q.Where(session.TokenHashNEQ(sha(keepToken)))
	}
	_, err := q.Exec(ctx)
	return err
}
