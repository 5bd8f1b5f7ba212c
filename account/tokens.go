package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/token"
	"github.com/depot-registry/depot/mail"
	"github.com/depot-registry/depot/store"
)

const (
	tokenVerifyEmail   = token.KindVERIFY_EMAIL
	tokenResetPassword = token.KindRESET_PASSWORD
)

// mailToken creates a one-time token of kind for u and mails the link.
func (s *Service) mailToken(ctx context.Context, tx *ent.Tx, u *ent.User, kind token.Kind) error {
	secret := randomToken("dpt_")
	ttl := 48 * time.Hour
	subject, path := "Verify your email address for Depot", "/verify-email"
	if kind == tokenResetPassword {
		ttl, subject, path = time.Hour, "Reset your Depot password", "/reset-password"
	}
	err := tx.Token.Create().SetUserID(u.ID).SetKind(kind).SetTokenHash(sha(secret)).
		SetEmail(u.Email).SetExpiresAt(s.now().Add(ttl)).Exec(ctx)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("Hello %s,\n\nOpen this link within %s:\n\n%s%s?token=%s\n\nIf you did not ask for this, ignore this mail.\n",
		u.Username, ttl, strings.TrimRight(s.BaseURL, "/"), path, secret)
	return mail.Enqueue(ctx, tx, mail.Message{To: u.Email, Subject: subject, Body: body, Kind: strings.ToLower(string(kind))})
}

// useToken consumes a valid token of kind, returning its user.
func (s *Service) useToken(ctx context.Context, tx *ent.Tx, secret string, kind token.Kind) (*ent.User, error) {
	t, err := tx.Token.Query().Where(token.TokenHash(sha(secret)), token.KindEQ(kind)).
		Where(store.ForUpdate).WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("token", "this link is invalid")
	}
	if err != nil {
		return nil, err
	}
	if t.UsedAt != nil || s.now().After(t.ExpiresAt) {
		return nil, apperr.Invalid("token", "this link has expired or was already used")
	}
	if err := tx.Token.UpdateOne(t).SetUsedAt(s.now()).Exec(ctx); err != nil {
		return nil, err
	}
	return t.Edges.User, nil
}

// VerifyEmail marks the address the token was mailed to as verified.
func (s *Service) VerifyEmail(ctx context.Context, secret string) (*ent.User, error) {
	var u *ent.User
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var err error
		if u, err = s.useToken(ctx, tx, secret, tokenVerifyEmail); err != nil {
			return err
		}
		if u, err = tx.User.UpdateOne(u).SetEmailVerifiedAt(s.now()).Save(ctx); err != nil {
			return err
		}
		return recordAs(ctx, tx, u.ID, "user.verify_email", nil)
	})
	if err != nil {
		return nil, err
	}
	return u.Unwrap(), nil
}

// RequestPasswordReset mails a reset link when the login exists. It always
// succeeds, so it cannot be used to find out which accounts exist.
func (s *Service) RequestPasswordReset(ctx context.Context, login string) error {
	login = strings.ToLower(strings.TrimSpace(login))
	u, err := s.findLogin(ctx, login)
	if err != nil {
		return err
	}
	if err := s.limitReset(ctx, u, login); err != nil {
		return err
	}
	if u == nil {
		return nil
	}
	return store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		if err := s.mailToken(ctx, tx, u, tokenResetPassword); err != nil {
			return err
		}
		// The requester is usually anonymous: the user is the subject, so the
		// request shows in their own audit log.
		return audit.Record(ctx, tx, audit.Entry{Action: "user.request_password_reset", SubjectUserID: u.ID})
	})
}

// ResetPassword sets a new password with a reset token; every session ends.
func (s *Service) ResetPassword(ctx context.Context, secret, password string) (*ent.User, error) {
	if err := s.checkNewPassword(ctx, password); err != nil {
		return nil, err
	}
	var u *ent.User
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var err error
		u, err = s.useToken(ctx, tx, secret, tokenResetPassword)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.setPassword(ctx, u, password, "", "user.reset_password")
}
