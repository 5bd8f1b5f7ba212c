// Package account is users, sessions, API keys and passwords: sign-up,
// sign-in, password change and reset, email verification, key management,
// and turning a session cookie or an API key into a viewer.
package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"

	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/breach"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/accountname"
	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/names"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// Service holds the account use cases.
type Service struct {
	DB *ent.Client
	// Breach checks passwords against breached-password lists.
	Breach breach.Checker
	// Secret keys the HMAC of API key secrets; changing it invalidates every key.
	Secret []byte
	// Now is the clock.
	Now func() time.Time
	// Hash is the password KDF cost.
	Hash HashParams
	// SessionTTL is how long a browser session lives without use.
	SessionTTL time.Duration
	// BaseURL is the public URL, for links in mails.
	BaseURL string
	// Limiter throttles sign-in attempts per client (IP); wrong passwords
	// are also slowed per account and client (see verifyLogin).
	Limiter Limiter
	// ResetLimiter throttles password-reset mails per account and per client.
	ResetLimiter Limiter
	// Entitled reports which organizations have private access (billing);
	// nil means none has (no billing wired: no private packages).
	Entitled func(ctx context.Context, orgIDs []int) (map[int]bool, error)
	Log      *slog.Logger
	// OnRevoke, when set, is called after one of a user's API keys was
	// revoked (open subscriptions of that user then re-read their viewer
	// at once).
	OnRevoke func(ctx context.Context, userID int)

	signIns    backoff
	principals principalCache // see ViewerForKey
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SignUpInput is what a new user gives.
type SignUpInput struct {
	Username, Email, Password, FullName string
}

// Session is a new browser session: the token goes in the cookie.
type Session struct {
	Token     string
	ExpiresAt time.Time
	// TTL is ExpiresAt as a duration from now: cookies carry Max-Age,
	// which does not depend on the browser's clock agreeing with ours.
	TTL time.Duration
}

// SignUp creates a user, mails an email verification link and opens a session.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*ent.User, Session, error) {
	in.Email = strings.TrimSpace(in.Email)
	if err := names.Username(in.Username); err != nil {
		return nil, Session{}, err
	}
	if err := checkEmail(in.Email); err != nil {
		return nil, Session{}, err
	}
	if err := s.checkNewPassword(ctx, in.Password); err != nil {
		return nil, Session{}, err
	}
	hash, err := hashPassword(in.Password, s.Hash)
	if err != nil {
		return nil, Session{}, err
	}
	var (
		u    *ent.User
		sess Session
	)
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		if err := claimName(ctx, tx, in.Username, accountname.KindUSER); err != nil {
			return err
		}
		// Case-insensitive, like sign-in and reset look-ups: two accounts whose
		// addresses differ only in case would make those look-ups ambiguous.
		taken, err := tx.User.Query().Where(user.EmailEqualFold(in.Email)).Exist(ctx)
		if err != nil {
			return err
		}
		if taken {
			return apperr.New(apperr.Conflict, "an account with this email already exists")
		}
		u, err = tx.User.Create().SetUsername(in.Username).SetEmail(in.Email).
			SetPasswordHash(hash).SetFullName(strings.TrimSpace(in.FullName)).Save(ctx)
		if err != nil {
			return err
		}
		if err := s.mailToken(ctx, tx, u, tokenVerifyEmail); err != nil {
			return err
		}
		sess, err = s.openSession(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		return recordAs(ctx, tx, u.ID, "user.sign_up", map[string]any{"username": u.Username})
	})
	if err != nil {
		return nil, Session{}, err
	}
	// Unwrapped: the payload's edges must not load through the finished transaction.
	return u.Unwrap(), sess, nil
}

// claimName takes name in the namespace users and organizations share. The
// unique index decides races: the loser gets CONFLICT.
func claimName(ctx context.Context, tx *ent.Tx, name string, kind accountname.Kind) error {
	err := tx.AccountName.Create().SetName(name).SetKind(kind).Exec(ctx)
	if ent.IsConstraintError(err) {
		return apperr.New(apperr.Conflict, "the name %q is already taken", name)
	}
	return err
}

// ClaimName is claimName for the organization use cases.
func ClaimName(ctx context.Context, tx *ent.Tx, name string) error {
	return claimName(ctx, tx, name, accountname.KindORGANIZATION)
}

func checkEmail(email string) error {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return apperr.Invalid("email", "enter a valid email address")
	}
	return nil
}

func (s *Service) checkNewPassword(ctx context.Context, pw string) error {
	if len([]rune(pw)) < MinPasswordLength {
		return apperr.Invalid("password", "password must be at least %d characters", MinPasswordLength)
	}
	if len(pw) > MaxPasswordLength {
		return apperr.Invalid("password", "password must be at most %d bytes", MaxPasswordLength)
	}
	if s.Breach != nil {
		breached, err := s.Breach.Breached(ctx, pw)
		if err != nil {
			return fmt.Errorf("breached-password check: %w", err)
		}
		if breached {
			return apperr.Invalid("password", "this password appears in lists of breached passwords; choose another")
		}
	}
	return nil
}

// SignInResult is the answer to a login and password: a session, or, for
// a user with two-factor authentication, a challenge for CompleteSignIn
// (then User and Session are empty: nobody is signed in yet).
type SignInResult struct {
	User    *ent.User
	Session Session
	// Breached tells the caller the password is known to be breached: the
	// user should change it.
	Breached bool
	// Challenge, when set, is the token CompleteSignIn takes with a code,
	// valid until ChallengeExpiresAt.
	Challenge          string
	ChallengeExpiresAt time.Time
}

// SignIn checks a login (username or email) and password and opens a
// session, or asks for the second factor. Unknown users and wrong
// passwords get the same answer.
func (s *Service) SignIn(ctx context.Context, login, password string) (SignInResult, error) {
	u, err := s.verifyLogin(ctx, login, password)
	if err != nil {
		return SignInResult{}, err
	}
	var res SignInResult
	if s.Breach != nil {
		// A failing breach service must not lock users out: sign in and
		// report "not known to be breached".
		res.Breached, err = s.Breach.Breached(ctx, password)
		if err != nil && s.Log != nil {
			s.Log.Warn("breached-password check failed at sign-in", "err", err)
		}
	}
	if u.TwoFactorEnabled {
		res.ChallengeExpiresAt = s.now().Add(ChallengeTTL)
		res.Challenge = s.challenge(u.ID, res.ChallengeExpiresAt)
		return res, nil
	}
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var err error
		if res.Session, err = s.openSession(ctx, tx, u.ID); err != nil {
			return err
		}
		return recordAs(ctx, tx, u.ID, "user.sign_in", map[string]any{"password_breached": res.Breached})
	})
	if err != nil {
		return SignInResult{}, err
	}
	res.User = u
	return res, nil
}

// dummyHashes caches one hash per cost; sign-ins run concurrently, hence
// the lock.
var dummyHashes = struct {
	sync.Mutex
	m map[HashParams]string
}{m: map[HashParams]string{}}

func dummyHash(p HashParams) string {
	dummyHashes.Lock()
	defer dummyHashes.Unlock()
	if h, ok := dummyHashes.m[p]; ok {
		return h
	}
	h, _ := hashPassword("not a real password", p)
	dummyHashes.m[p] = h
	return h
}

// ChangePassword replaces the signed-in user's password after checking the
// current one; every other session of the user ends.
func (s *Service) ChangePassword(ctx context.Context, current, next, keepToken string) (*ent.User, error) {
	v := viewer.FromContext(ctx)
	if v.Anonymous() {
		return nil, apperr.SignInRequired()
	}
	if v.KeyID != 0 {
		return nil, apperr.New(apperr.Forbidden, "passwords can only be changed from a signed-in browser session, not with an API key")
	}
	if v.SensitiveNeedsCode(s.now()) {
		return nil, apperr.CodeRequired()
	}
	u, err := s.DB.User.Get(ctx, v.UserID)
	if err != nil {
		return nil, err
	}
	ok, err := checkPassword(current, u.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.Invalid("currentPassword", "the current password is wrong")
	}
	if err := s.checkNewPassword(ctx, next); err != nil {
		return nil, err
	}
	return s.setPassword(ctx, u, next, keepToken, "user.change_password")
}

func (s *Service) setPassword(ctx context.Context, u *ent.User, password, keepToken, action string) (*ent.User, error) {
	hash, err := hashPassword(password, s.Hash)
	if err != nil {
		return nil, err
	}
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		if u, err = tx.User.UpdateOne(u).SetPasswordHash(hash).Save(ctx); err != nil {
			return err
		}
		if err := endSessions(ctx, tx, u.ID, keepToken); err != nil {
			return err
		}
		return recordAs(ctx, tx, u.ID, action, nil)
	})
	if err != nil {
		return nil, err
	}
	return u.Unwrap(), nil
}

// recordAs writes an audit entry with actorID as the actor even when the
// request was anonymous (sign-up, sign-in, password reset).
func recordAs(ctx context.Context, tx *ent.Tx, actorID int, action string, params map[string]any) error {
	v := *viewer.FromContext(ctx)
	v.UserID = actorID
	q := tx.AuditLog.Create().SetAction(action).SetActorID(actorID).
		SetIP(viewer.ClientFrom(ctx).IP).SetUserAgent(trunc(viewer.ClientFrom(ctx).UserAgent, 512))
	if v.KeyID != 0 {
		q.SetAPIKeyID(v.KeyID)
	}
	if len(params) > 0 {
		q.SetParams(params)
	}
	return q.Exec(ctx)
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// randomToken returns a URL-safe random secret with a prefix.
func randomToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + strings.ToLower(strings.TrimRight(base32.StdEncoding.EncodeToString(b), "="))
}

func sha(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func (s *Service) keyHash(secret string) []byte {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte(secret))
	return m.Sum(nil)
}
