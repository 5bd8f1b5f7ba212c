package account

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/recoverycode"
	"github.com/depot-registry/depot/ent/twofactor"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// Two-factor authentication: TOTP (RFC 6238: SHA-1, 6 digits, 30 s, as
// authenticator apps expect) through github.com/pquerna/otp, plus ten
// single-use recovery codes.
//
// A code is used once: the time step it belongs to is written to the
// user's TwoFactor row with a conditional update (last_step < step), so of
// two requests with one code only the first gets through, on every
// database and instance. A code of the previous or next step is accepted
// (clock skew). Hex tools are the exception hexpm makes too: a code sent
// with an API key or password (x-hex-otp, X-Depot-OTP) may be repeated
// while it is valid, because `mix hex.publish` sends the one code it
// asked for with each of its requests; it is then spent for sign-in and
// sudo mode all the same.
//
// Failures are counted with the sign-in backoff, per account whatever the
// client (only someone who has the password gets this far: the account is
// what is under attack), and every
// enrolment, disabling, recovery-code use and failure is an audit row.

// SudoTTL is how long a two-factor code keeps a browser session fresh
// enough for sensitive actions.
const SudoTTL = 10 * time.Minute

// RecoveryCodeCount is how many recovery codes a user gets.
const RecoveryCodeCount = 10

// ChallengeTTL is how long a sign-in challenge waits for its code.
const ChallengeTTL = 5 * time.Minute

const totpPeriod = 30

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enrolment is a started two-factor enrolment: the secret to type into an
// authenticator app and the otpauth:// URI its QR code encodes.
type Enrolment struct {
	Secret string
	URI    string
}

// cipherKey derives the key that encrypts TOTP secrets at rest from the
// server's secret key (the one keying API key hashes).
func (s *Service) aead() (cipher.AEAD, error) {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("depot two-factor secret v1"))
	b, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func (s *Service) seal(secret string) ([]byte, error) {
	a, err := s.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return a.Seal(nonce, nonce, []byte(secret), nil), nil
}

func (s *Service) unseal(b []byte) (string, error) {
	a, err := s.aead()
	if err != nil {
		return "", err
	}
	if len(b) < a.NonceSize() {
		return "", errors.New("two-factor secret: truncated")
	}
	out, err := a.Open(nil, b[:a.NonceSize()], b[a.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("two-factor secret: %w (was the secret key changed?)", err)
	}
	return string(out), nil
}

// browserOnly refuses two-factor settings from anything but a browser
// session: a key or a password must not turn off the second factor.
func browserOnly(v *viewer.Viewer) error {
	if v.Anonymous() {
		return apperr.SignInRequired()
	}
	if v.KeyID != 0 || v.Password {
		return apperr.New(apperr.Forbidden, "two-factor authentication is managed from a signed-in browser session")
	}
	return nil
}

// BeginTwoFactor starts (or restarts) enrolment: a new secret, not active
// until EnableTwoFactor gets a code made from it.
func (s *Service) BeginTwoFactor(ctx context.Context) (Enrolment, error) {
	v := viewer.FromContext(ctx)
	if err := browserOnly(v); err != nil {
		return Enrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Depot", AccountName: v.Username,
		Period: totpPeriod, SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, err
	}
	enc, err := s.seal(key.Secret())
	if err != nil {
		return Enrolment{}, err
	}
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		tf, err := tx.TwoFactor.Query().Where(twofactor.UserID(v.UserID)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
			return tx.TwoFactor.Create().SetUserID(v.UserID).SetSecretEnc(enc).Exec(ctx)
		case err != nil:
			return err
		case tf.EnabledAt != nil:
			return apperr.New(apperr.Conflict, "two-factor authentication is already on")
		}
		return tx.TwoFactor.UpdateOne(tf).SetSecretEnc(enc).SetLastStep(0).Exec(ctx)
	})
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// EnableTwoFactor finishes enrolment with a code from the new secret and
// returns the recovery codes, shown this once.
func (s *Service) EnableTwoFactor(ctx context.Context, code string) ([]string, error) {
	v := viewer.FromContext(ctx)
	if err := browserOnly(v); err != nil {
		return nil, err
	}
	tf, err := s.DB.TwoFactor.Query().Where(twofactor.UserID(v.UserID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.Conflict, "start enrolment first (beginTwoFactor)")
	}
	if err != nil {
		return nil, err
	}
	if tf.EnabledAt != nil {
		return nil, apperr.New(apperr.Conflict, "two-factor authentication is already on")
	}
	if err := s.checkTOTP(ctx, v.UserID, tf, code, true); err != nil {
		return nil, err
	}
	codes := newRecoveryCodes()
	now := s.now()
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		n, err := tx.TwoFactor.Update().Where(twofactor.ID(tf.ID), twofactor.EnabledAtIsNil()).SetEnabledAt(now).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.Conflict, "two-factor authentication is already on")
		}
		if err := tx.User.UpdateOneID(v.UserID).SetTwoFactorEnabled(true).Exec(ctx); err != nil {
			return err
		}
		if err := putRecoveryCodes(ctx, tx, v.UserID, codes); err != nil {
			return err
		}
		if err := s.freshen(ctx, tx, v, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "two_factor.enable", SubjectUserID: v.UserID})
	})
	if err != nil {
		return nil, err
	}
	v.TwoFactor = true
	return codes, nil
}

// DisableTwoFactor turns two-factor authentication off; it needs a current
// code (or a recovery code). API keys marked "writes need a code" stay
// marked and can no longer write: revoke them.
func (s *Service) DisableTwoFactor(ctx context.Context, code string) error {
	v := viewer.FromContext(ctx)
	if err := browserOnly(v); err != nil {
		return err
	}
	if err := s.verifyEnabled(ctx, v.UserID, code, true); err != nil {
		return err
	}
	return store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		if _, err := tx.TwoFactor.Delete().Where(twofactor.UserID(v.UserID)).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.RecoveryCode.Delete().Where(recoverycode.UserID(v.UserID)).Exec(ctx); err != nil {
			return err
		}
		if err := tx.User.UpdateOneID(v.UserID).SetTwoFactorEnabled(false).Exec(ctx); err != nil {
			return err
		}
		v.TwoFactor = false
		return audit.Record(ctx, tx, audit.Entry{Action: "two_factor.disable", SubjectUserID: v.UserID})
	})
}

// RegenerateRecoveryCodes replaces the user's recovery codes; it needs a
// current code. The new codes are shown this once.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, code string) ([]string, error) {
	v := viewer.FromContext(ctx)
	if err := browserOnly(v); err != nil {
		return nil, err
	}
	if err := s.verifyEnabled(ctx, v.UserID, code, false); err != nil {
		return nil, err
	}
	codes := newRecoveryCodes()
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		if _, err := tx.RecoveryCode.Delete().Where(recoverycode.UserID(v.UserID)).Exec(ctx); err != nil {
			return err
		}
		if err := putRecoveryCodes(ctx, tx, v.UserID, codes); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "two_factor.recovery_codes", SubjectUserID: v.UserID})
	})
	return codes, err
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID int) (int, error) {
	return s.DB.RecoveryCode.Query().Where(recoverycode.UserID(userID), recoverycode.UsedAtIsNil()).Count(ctx)
}

// ConfirmSudo checks a current code for the signed-in browser session and
// makes it fresh for sensitive actions for SudoTTL.
func (s *Service) ConfirmSudo(ctx context.Context, code string) (time.Time, error) {
	v := viewer.FromContext(ctx)
	if err := browserOnly(v); err != nil {
		return time.Time{}, err
	}
	if v.SessionID == 0 {
		return time.Time{}, apperr.New(apperr.Forbidden, "sudo mode is for browser sessions")
	}
	if err := s.verifyEnabled(ctx, v.UserID, code, false); err != nil {
		return time.Time{}, err
	}
	now := s.now()
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error { return s.freshen(ctx, tx, v, now) })
	return v.SudoUntil, err
}

// VerifyRequestCode checks the two-factor code a request carries in a
// header (x-hex-otp on the Hex API, X-Depot-OTP on GraphQL) and marks v:
// a session becomes fresh for sensitive actions, a key or password may
// write. A wrong code is INVALID_TOTP.
func (s *Service) VerifyRequestCode(ctx context.Context, v *viewer.Viewer, code string) error {
	if v.Anonymous() {
		return apperr.New(apperr.Unauthenticated, "a two-factor code needs credentials")
	}
	if !v.TwoFactor {
		return apperr.New(apperr.InvalidTOTP, "two-factor authentication is not enabled for this account")
	}
	tf, err := s.enabled(ctx, v.UserID)
	if err != nil {
		return err
	}
	// Tools repeat their one code across the requests of a command.
	if err := s.checkTOTP(ctx, v.UserID, tf, code, v.SessionID != 0); err != nil {
		return err
	}
	v.CodeVerified = true
	if v.SessionID != 0 {
		now := s.now()
		return store.WithTx(ctx, s.DB, func(tx *ent.Tx) error { return s.freshen(ctx, tx, v, now) })
	}
	return nil
}

// freshen records a valid code on v's browser session (sudo mode).
func (s *Service) freshen(ctx context.Context, tx *ent.Tx, v *viewer.Viewer, now time.Time) error {
	if v.SessionID == 0 {
		return nil
	}
	v.SudoUntil = now.Add(SudoTTL)
	return tx.Session.UpdateOneID(v.SessionID).SetTwoFactorAt(now).Exec(ctx)
}

func (s *Service) enabled(ctx context.Context, userID int) (*ent.TwoFactor, error) {
	tf, err := s.DB.TwoFactor.Query().Where(twofactor.UserID(userID), twofactor.EnabledAtNotNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.Conflict, "two-factor authentication is not on")
	}
	return tf, err
}

// verifyEnabled checks code (a TOTP code, or with recovery a recovery
// code) for a user with two-factor authentication on.
func (s *Service) verifyEnabled(ctx context.Context, userID int, code string, recovery bool) error {
	tf, err := s.enabled(ctx, userID)
	if err != nil {
		return err
	}
	if recovery && isRecoveryCode(code) {
		return s.useRecoveryCode(ctx, userID, code)
	}
	return s.checkTOTP(ctx, userID, tf, code, true)
}

// checkTOTP checks a TOTP code against tf's secret under the backoff and
// spends its time step: strictly (single use) or, for tools repeating
// one code, allowing the step last accepted again.
func (s *Service) checkTOTP(ctx context.Context, userID int, tf *ent.TwoFactor, code string, strict bool) error {
	key := twoFactorKey(userID)
	if err := s.codeAttempt(key); err != nil {
		return err
	}
	secret, err := s.unseal(tf.SecretEnc)
	if err != nil {
		return err
	}
	step, ok := matchStep(secret, normalizeCode(code), s.now())
	if !ok {
		return s.codeFailed(ctx, userID, "wrong")
	}
	q := s.DB.TwoFactor.Update().Where(twofactor.ID(tf.ID))
	if strict {
		q.Where(twofactor.LastStepLT(step))
	} else {
		q.Where(twofactor.LastStepLTE(step))
	}
	n, err := q.SetLastStep(step).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return s.codeFailed(ctx, userID, "replayed")
	}
	s.signIns.reset(key)
	return nil
}

// useRecoveryCode spends one recovery code (a conditional update: used
// once, even by concurrent requests).
func (s *Service) useRecoveryCode(ctx context.Context, userID int, code string) error {
	key := twoFactorKey(userID)
	if err := s.codeAttempt(key); err != nil {
		return err
	}
	n, err := s.DB.RecoveryCode.Update().Where(recoverycode.UserID(userID),
		recoverycode.CodeHash(sha(normalizeRecovery(code))), recoverycode.UsedAtIsNil()).
		SetUsedAt(s.now()).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return s.codeFailed(ctx, userID, "recovery code wrong or used")
	}
	s.signIns.reset(key)
	left, err := s.RecoveryCodesLeft(ctx, userID)
	if err != nil {
		return err
	}
	return store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		return recordAs(ctx, tx, userID, "two_factor.recovery_code_used", map[string]any{"left": left})
	})
}

// TwoFactorLimitField marks the RATE_LIMITED error of too many failed
// codes (the Hex API answers it with hexpm's message).
const TwoFactorLimitField = "totp"

func twoFactorKey(userID int) string { return "2fa:user:" + strconv.Itoa(userID) }

func (s *Service) codeAttempt(key string) error {
	if d := s.signIns.attempt(key, s.now()); d > 0 {
		err := limited("two-factor attempts", d)
		var ae *apperr.Error
		if errors.As(err, &ae) {
			ae.Field = TwoFactorLimitField
		}
		return err
	}
	return nil
}

// codeFailed records a failed code and answers INVALID_TOTP.
func (s *Service) codeFailed(ctx context.Context, userID int, reason string) error {
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		return recordAs(ctx, tx, userID, "two_factor.failure", map[string]any{"reason": reason})
	})
	if err != nil {
		return err
	}
	return apperr.New(apperr.InvalidTOTP, "Invalid two-factor authentication code")
}

// matchStep finds the time step (now's, or one either side) whose code is
// code.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

func normalizeCode(code string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code))
}

// Recovery codes are 16 base32 characters in four groups, xxxx-xxxx-xxxx-xxxx.
func newRecoveryCodes() []string {
	out := make([]string, RecoveryCodeCount)
	for i := range out {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			panic(err)
		}
		s := strings.ToLower(base32.StdEncoding.EncodeToString(b))
		out[i] = s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
	}
	return out
}

func normalizeRecovery(code string) string {
	return strings.ToLower(normalizeCode(code))
}

func isRecoveryCode(code string) bool {
	return len(normalizeRecovery(code)) == 16
}

func putRecoveryCodes(ctx context.Context, tx *ent.Tx, userID int, codes []string) error {
	bulk := make([]*ent.RecoveryCodeCreate, len(codes))
	for i, c := range codes {
		bulk[i] = tx.RecoveryCode.Create().SetUserID(userID).SetCodeHash(sha(normalizeRecovery(c)))
	}
	return tx.RecoveryCode.CreateBulk(bulk...).Exec(ctx)
}

// Sign-in challenges are stateless: user id and expiry under an HMAC with
// the server's secret key. Replaying one gains nothing: it only asks for
// a code, and codes are single use.
func (s *Service) challenge(userID int, exp time.Time) string {
	msg := strconv.Itoa(userID) + "." + strconv.FormatInt(exp.Unix(), 10)
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("depot sign-in challenge v1|" + msg))
	return "dpc_" + msg + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) challengeUser(token string) (int, bool) {
	rest, ok := strings.CutPrefix(token, "dpc_")
	if !ok {
		return 0, false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return 0, false
	}
	id, err1 := strconv.Atoi(parts[0])
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || !s.now().Before(time.Unix(exp, 0)) {
		return 0, false
	}
	if !hmac.Equal([]byte(s.challenge(id, time.Unix(exp, 0))), []byte(token)) {
		return 0, false
	}
	return id, true
}

// CompleteSignIn is sign-in's second step: the challenge signIn returned
// and a TOTP or recovery code. It opens the session, fresh for sudo mode.
func (s *Service) CompleteSignIn(ctx context.Context, challenge, code string) (*ent.User, Session, error) {
	userID, ok := s.challengeUser(challenge)
	if !ok {
		return nil, Session{}, apperr.New(apperr.Unauthenticated, "the sign-in challenge is invalid or expired; sign in again")
	}
	if err := s.verifyEnabled(ctx, userID, code, true); err != nil {
		return nil, Session{}, err
	}
	u, err := s.DB.User.Get(ctx, userID)
	if err != nil {
		return nil, Session{}, err
	}
	var sess Session
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var err error
		if sess, err = s.openSession(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := tx.Session.Update().Where(sessionToken(sess.Token)).SetTwoFactorAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		return recordAs(ctx, tx, u.ID, "user.sign_in", map[string]any{"two_factor": true})
	})
	if err != nil {
		return nil, Session{}, err
	}
	return u, sess, nil
}
