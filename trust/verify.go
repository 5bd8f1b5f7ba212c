package trust

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Verifier checks OIDC identity tokens with github.com/coreos/go-oidc:
// the issuer's discovery document, its JWKS (cached, fetched again when a
// token names a key it does not know, so the issuer may rotate keys),
// the signature (RS256, ES256 and the other asymmetric algorithms the
// issuer announces; "none" and HMAC never), iss, aud and exp. It adds what
// go-oidc leaves out: nbf and iat with a small leeway. Replayed jti are
// refused by the exchange, which stores them (exchange.go).
type Verifier struct {
	// Audience is the aud a token must carry: Depot's configured audience.
	Audience string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Leeway tolerates clock skew on exp, nbf and iat (default 60 s).
	Leeway time.Duration
	// Client fetches discovery documents and key sets; nil means a client
	// with a 10 s timeout.
	Client *http.Client

	mu        sync.Mutex
	providers map[string]*oidc.Provider
}

// ErrToken is wrapped by every refusal of a token, for the exchange to
// answer a stable code.
var ErrToken = errors.New("invalid OIDC token")

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) leeway() time.Duration {
	if v.Leeway > 0 {
		return v.Leeway
	}
	return time.Minute
}

func (v *Verifier) client() *http.Client {
	if v.Client != nil {
		return v.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// UnverifiedIssuer reads the iss claim of a token without checking it, so
// the caller can refuse an issuer no publisher names before any network
// request is made on the token's behalf.
func UnverifiedIssuer(raw string) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%w: not a signed JWT", ErrToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("%w: malformed payload", ErrToken)
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.Iss == "" {
		return "", fmt.Errorf("%w: no iss claim", ErrToken)
	}
	return c.Iss, nil
}

// provider returns the issuer's discovered provider, discovering it once.
// A failed discovery is not remembered, so a passing outage heals.
func (v *Verifier) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	v.mu.Lock()
	p := v.providers[issuer]
	v.mu.Unlock()
	if p != nil {
		return p, nil
	}
	// The provider keeps the client for its shared, cached key set.
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, v.client()), issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: discovery of %s failed: %v", ErrToken, issuer, err)
	}
	v.mu.Lock()
	if v.providers == nil {
		v.providers = map[string]*oidc.Provider{}
	}
	if q := v.providers[issuer]; q != nil {
		p = q
	} else {
		v.providers[issuer] = p
	}
	v.mu.Unlock()
	return p, nil
}

// Token is a verified token.
type Token struct {
	Issuer  string
	JTI     string
	Expiry  time.Time
	Claims  Claims
	Subject string
}

// Verify checks raw as a token of issuer for Depot's audience.
func (v *Verifier) Verify(ctx context.Context, issuer, raw string) (Token, error) {
	if v.Audience == "" {
		return Token{}, errors.New("trusted publishing: no OIDC audience configured")
	}
	p, err := v.provider(ctx, issuer)
	if err != nil {
		return Token{}, err
	}
	now, leeway := v.now(), v.leeway()
	// Verifier (not VerifierContext) shares the provider's one key set, so
	// keys are cached across exchanges and fetched again only for a key id
	// the cache does not hold (rotation).
	ver := p.Verifier(&oidc.Config{
		ClientID: v.Audience,
		// exp is checked against a clock set back by the leeway.
		Now: func() time.Time { return now.Add(-leeway) },
	})
	idt, err := ver.Verify(ctx, raw)
	if err != nil {
		return Token{}, fmt.Errorf("%w: %v", ErrToken, err)
	}
	var c Claims
	if err := idt.Claims(&c); err != nil {
		return Token{}, fmt.Errorf("%w: claims: %v", ErrToken, err)
	}
	if nbf, ok := numericTime(c["nbf"]); ok && nbf.After(now.Add(leeway)) {
		return Token{}, fmt.Errorf("%w: not valid before %s", ErrToken, nbf.UTC().Format(time.RFC3339))
	}
	iat, ok := numericTime(c["iat"])
	if !ok {
		return Token{}, fmt.Errorf("%w: no iat claim", ErrToken)
	}
	if iat.After(now.Add(leeway)) {
		return Token{}, fmt.Errorf("%w: issued in the future (%s)", ErrToken, iat.UTC().Format(time.RFC3339))
	}
	jti := c.Str("jti")
	if jti == "" {
		return Token{}, fmt.Errorf("%w: no jti claim (a token must be unique to be exchanged once)", ErrToken)
	}
	return Token{Issuer: idt.Issuer, JTI: jti, Expiry: idt.Expiry, Claims: c, Subject: idt.Subject}, nil
}

func numericTime(x any) (time.Time, bool) {
	switch n := x.(type) {
	case float64:
		return time.Unix(int64(n), 0), true
	case json.Number:
		f, err := n.Float64()
		return time.Unix(int64(f), 0), err == nil
	}
	return time.Time{}, false
}
