package account

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/apikey"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// KeyPrefix starts every API key secret, so secret scanners recognise them.
const KeyPrefix = "dpk_"

// CreateKeyInput describes a new API key.
type CreateKeyInput struct {
	Name      string
	Scopes    []string
	ExpiresAt *time.Time
	// WritesNeedCode makes every write with the key need a current
	// two-factor code (x-hex-otp, X-Depot-OTP); the user needs 2FA on.
	WritesNeedCode bool
}

// CreateAPIKey makes a key for the signed-in user and returns its secret,
// which is never stored (only its HMAC) and never shown again. A key can
// only create keys with scopes it has itself (api:write creates any).
func (s *Service) CreateAPIKey(ctx context.Context, in CreateKeyInput) (*ent.APIKey, string, error) {
	v := viewer.FromContext(ctx)
	if v.Anonymous() {
		return nil, "", apperr.SignInRequired()
	}
	if !v.Scopes.AllowsWrite() {
		return nil, "", apperr.New(apperr.Forbidden, "this API key may not create keys (needs api:write)")
	}
	if v.SensitiveNeedsCode(s.now()) {
		return nil, "", apperr.CodeRequired()
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 100 {
		return nil, "", apperr.Invalid("name", "give the key a name of 1 to 100 characters")
	}
	if len(in.Scopes) == 0 {
		return nil, "", apperr.Invalid("scopes", "give the key at least one scope")
	}
	scopes := make([]string, 0, len(in.Scopes))
	for _, raw := range in.Scopes {
		sc, err := viewer.ParseScope(raw)
		if err != nil {
			return nil, "", apperr.Invalid("scopes", "%s", err.Error())
		}
		scopes = append(scopes, string(sc))
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		return nil, "", apperr.Invalid("expiresAt", "expiry must be in the future")
	}
	if in.WritesNeedCode && !v.TwoFactor {
		return nil, "", apperr.Invalid("writesNeedCode", "turn on two-factor authentication before asking keys for a code")
	}
	secret := randomToken(KeyPrefix)
	var k *ent.APIKey
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		q := tx.APIKey.Create().SetUserID(v.UserID).SetName(in.Name).SetScopes(scopes).
			SetPrefix(secret[:len(KeyPrefix)+6]).SetSecretHash(s.keyHash(secret)).SetNillableExpiresAt(in.ExpiresAt).SetWritesNeedCode(in.WritesNeedCode)
		var err error
		if k, err = q.Save(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "api_key.create", Params: map[string]any{"name": in.Name, "scopes": scopes, "writes_need_code": in.WritesNeedCode}})
	})
	if err != nil {
		return nil, "", err
	}
	// Unwrapped: the payload's edges (apiKey.user) must not load through
	// the finished transaction.
	return k.Unwrap(), secret, nil
}

// APIKeys lists the signed-in user's keys, newest first. The list is
// account data: narrow keys (package:, repository:, docs:) may not read it.
func (s *Service) APIKeys(ctx context.Context) ([]*ent.APIKey, error) {
	v := viewer.FromContext(ctx)
	if v.Anonymous() {
		return nil, apperr.SignInRequired()
	}
	if !v.ReadsAccount() {
		return nil, apperr.New(apperr.Forbidden, "this API key may not list API keys (needs api:read)")
	}
	return s.DB.APIKey.Query().Where(apikey.UserID(v.UserID)).Order(ent.Desc(apikey.FieldID)).All(ctx)
}

// KeyVisible reports whether v may read the API key of user ownerID (node
// lookups): the same rule as APIKeys, one key at a time.
func KeyVisible(v *viewer.Viewer, ownerID int) bool {
	return ownerID != 0 && v.ReadsAccountOf(ownerID)
}

// RevokeAPIKey revokes one of the signed-in user's keys. Revoking is
// idempotent. Another user's key is NOT_FOUND, not FORBIDDEN.
func (s *Service) RevokeAPIKey(ctx context.Context, id int) (*ent.APIKey, error) {
	v := viewer.FromContext(ctx)
	if v.Anonymous() {
		return nil, apperr.SignInRequired()
	}
	if !v.Scopes.AllowsWrite() {
		return nil, apperr.New(apperr.Forbidden, "this API key may not revoke keys (needs api:write)")
	}
	if v.WriteNeedsCode() {
		return nil, apperr.CodeRequired()
	}
	var k *ent.APIKey
	err := store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		var err error
		k, err = tx.APIKey.Query().Where(apikey.ID(id), apikey.UserID(v.UserID)).Only(ctx)
		if ent.IsNotFound(err) {
			return apperr.New(apperr.NotFound, "no such API key")
		}
		if err != nil {
			return err
		}
		if k.RevokedAt == nil {
			if k, err = tx.APIKey.UpdateOne(k).SetRevokedAt(s.now()).Save(ctx); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "api_key.revoke", Params: map[string]any{"name": k.Name}})
	})
	if err != nil {
		return nil, err
	}
	if s.OnRevoke != nil {
		s.OnRevoke(ctx, v.UserID)
	}
	return k.Unwrap(), nil
}

// KeyActive reports whether k can still be used.
func (s *Service) KeyActive(k *ent.APIKey) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || s.now().Before(*k.ExpiresAt))
}

// TrustedKey describes a key exchanged from a CI job's OIDC token.
type TrustedKey struct {
	// UserID is the key's owner: the user who configured the first
	// matched trusted publisher (the actor the audit log names).
	UserID int
	// Packages maps each package the key may publish to the trusted
	// publisher that allowed it.
	Packages map[string]int
	// Run is the CI run (run id, commit, workflow) the token came from.
	Run       map[string]string
	ExpiresAt time.Time
}

// IssueTrustedKey writes, in the caller's transaction, an API key that
// only publishes in.Packages until in.ExpiresAt (trust/), and returns it
// with its secret. Its scopes are package:NAME for each package; the
// registry also asks Viewer.Trusted, so the key cannot do anything else
// its owner could do with such a scope.
func (s *Service) IssueTrustedKey(ctx context.Context, tx *ent.Tx, in TrustedKey) (*ent.APIKey, string, error) {
	scopes := make([]string, 0, len(in.Packages))
	for name := range in.Packages {
		scopes = append(scopes, "package:"+name)
	}
	slices.Sort(scopes)
	secret := randomToken(KeyPrefix)
	k, err := tx.APIKey.Create().SetUserID(in.UserID).SetName("trusted publishing").SetScopes(scopes).
		SetPrefix(secret[:len(KeyPrefix)+6]).SetSecretHash(s.keyHash(secret)).SetExpiresAt(in.ExpiresAt).
		SetTrustedPublishers(in.Packages).SetTrustedRun(in.Run).SetCreatedAt(s.now()).SetUpdatedAt(s.now()).
		Save(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("issue trusted key: %w", err)
	}
	return k, secret, nil
}
