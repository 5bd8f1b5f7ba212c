package trust

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/audit"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/oidctoken"
	"github.com/depot-registry/depot/ent/trustedpublisher"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// KeyTTL is how long an exchanged key lives.
const KeyTTL = 15 * time.Minute

// Service is the exchange of OIDC tokens for publish keys.
type Service struct {
	DB       *ent.Client
	Verifier *Verifier
	Accounts *account.Service
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Result is an exchanged key.
type Result struct {
	Key       string
	KeyID     int
	ExpiresAt time.Time
	// Packages the key publishes, sorted.
	Packages []string
}

// ConfigOf is a stored publisher's configuration.
func ConfigOf(p *ent.TrustedPublisher) Config {
	return Config{Kind: Kind(p.Kind), Issuer: p.Issuer, Claims: p.Claims}
}

// Exchange verifies a CI job's OIDC token and returns a key valid for
// KeyTTL that publishes the packages whose trusted publishers match its
// claims. Each token is exchanged once (its jti is kept until it
// expires). Refusals: BAD_USER_INPUT for no token, UNAUTHENTICATED for a
// token that does not verify or was already exchanged, FORBIDDEN when no
// publisher matches (issuer not configured included). A refusal writes
// nothing.
func (s *Service) Exchange(ctx context.Context, raw string) (Result, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Result{}, apperr.Invalid("token", "give the OIDC identity token of the CI job")
	}
	sys := viewer.System(ctx)
	iss, err := UnverifiedIssuer(raw)
	if err != nil {
		return Result{}, refused(err)
	}
	// Only issuers a publisher names are ever contacted.
	pubs, err := s.DB.TrustedPublisher.Query().Where(trustedpublisher.Issuer(iss)).
		Order(ent.Asc(trustedpublisher.FieldID)).All(sys)
	if err != nil {
		return Result{}, fmt.Errorf("load trusted publishers: %w", err)
	}
	if len(pubs) == 0 {
		return Result{}, apperr.New(apperr.Forbidden, "no trusted publisher is configured for issuer %s", iss)
	}
	tok, err := s.Verifier.Verify(ctx, iss, raw)
	if err != nil {
		return Result{}, refused(err)
	}
	var matched []*ent.TrustedPublisher
	for _, p := range pubs {
		if ConfigOf(p).Match(tok.Claims) {
			matched = append(matched, p)
		}
	}
	if len(matched) == 0 {
		return Result{}, apperr.New(apperr.Forbidden, "no trusted publisher of issuer %s matches this token's claims", iss)
	}
	now := s.now()
	var res Result
	err = store.WithTx(ctx, s.DB, func(tx *ent.Tx) error {
		if _, err := tx.OIDCToken.Delete().Where(oidctoken.ExpiresAtLT(now.Add(-time.Hour))).Exec(sys); err != nil {
			return fmt.Errorf("forget expired tokens: %w", err)
		}
		err := tx.OIDCToken.Create().SetIssuer(iss).SetJti(tok.JTI).SetExpiresAt(tok.Expiry).Exec(sys)
		if ent.IsConstraintError(err) {
			return apperr.New(apperr.Unauthenticated, "this OIDC token was already exchanged (jti %s); ask the CI for a new one", tok.JTI)
		}
		if err != nil {
			return fmt.Errorf("remember jti: %w", err)
		}
		packages := map[string]int{}
		descr := map[string]string{}
		for _, p := range matched {
			name, err := packageName(sys, tx, p)
			if err != nil {
				return err
			}
			if name == "" {
				continue
			}
			if _, ok := packages[name]; !ok {
				packages[name] = p.ID
				descr[name] = ConfigOf(p).Describe()
			}
		}
		if len(packages) == 0 {
			return apperr.New(apperr.Forbidden, "no trusted publisher of issuer %s matches this token's claims", iss)
		}
		run := Run(ConfigOf(matched[0]), tok.Claims)
		k, secret, err := s.Accounts.IssueTrustedKey(sys, tx, account.TrustedKey{
			UserID: matched[0].CreatedByID, Packages: packages, Run: run, ExpiresAt: now.Add(KeyTTL),
		})
		if err != nil {
			return err
		}
		res = Result{Key: secret, KeyID: k.ID, ExpiresAt: *k.ExpiresAt}
		actx := viewer.NewContext(ctx, &viewer.Viewer{UserID: k.UserID, KeyID: k.ID})
		for name, id := range packages {
			res.Packages = append(res.Packages, name)
			params := map[string]any{"issuer": iss, "publisher_id": id, "publisher": descr[name], "expires_at": res.ExpiresAt}
			for k, v := range run {
				params[k] = v
			}
			if err := audit.Record(actx, tx, audit.Entry{Action: "trusted_publisher.exchange", Package: name, Params: params}); err != nil {
				return err
			}
		}
		slices.Sort(res.Packages)
		return nil
	})
	return res, err
}

// packageName is the package a publisher publishes: its package's name,
// or the name a pending publisher will create.
func packageName(ctx context.Context, tx *ent.Tx, p *ent.TrustedPublisher) (string, error) {
	if p.PackageID == nil {
		if p.PendingName == nil {
			return "", nil
		}
		return *p.PendingName, nil
	}
	pk, err := tx.Pkg.Get(ctx, *p.PackageID)
	if ent.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("load package of publisher %d: %w", p.ID, err)
	}
	if pk.PrivateOrgID != nil {
		return "", nil
	}
	return pk.Name, nil
}

func refused(err error) error {
	if errors.Is(err, ErrToken) {
		return &apperr.Error{Code: apperr.Unauthenticated, Err: err, Message: "the OIDC token was refused: " + strings.TrimPrefix(err.Error(), ErrToken.Error()+": ")}
	}
	return err
}
