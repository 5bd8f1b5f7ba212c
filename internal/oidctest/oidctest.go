// Package oidctest is an OIDC issuer on loopback for tests of trusted
// publishing: it generates RSA signing keys, serves the discovery document
// and the JWKS, rotates its key on demand and mints identity tokens shaped
// like GitHub Actions' (or any claims).
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Issuer is a test OIDC issuer. Its URL is the iss of the tokens it mints.
type Issuer struct {
	URL string

	t          testing.TB
	mu         sync.Mutex
	keys       []jose.JSONWebKey // published; the last one signs
	n          int
	jwksHits   atomic.Int64
	discovered atomic.Int64
}

// New starts an issuer with one signing key; it stops with the test.
func New(t testing.TB) *Issuer {
	t.Helper()
	i := &Issuer{t: t}
	i.keys = []jose.JSONWebKey{i.newKey()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		i.discovered.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                i.URL,
			"jwks_uri":                              i.URL + "/.well-known/jwks",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /.well-known/jwks", func(w http.ResponseWriter, r *http.Request) {
		i.jwksHits.Add(1)
		i.mu.Lock()
		set := jose.JSONWebKeySet{}
		for _, k := range i.keys {
			set.Keys = append(set.Keys, k.Public())
		}
		i.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	i.URL = srv.URL
	return i
}

func (i *Issuer) newKey() jose.JSONWebKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		i.t.Fatal(err)
	}
	i.n++
	return jose.JSONWebKey{Key: k, KeyID: fmt.Sprintf("key-%d", i.n), Algorithm: "RS256", Use: "sig"}
}

// Rotate makes a new key the signing key and stops publishing the old
// ones, as an issuer does once the old key's tokens have expired.
func (i *Issuer) Rotate() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = []jose.JSONWebKey{i.newKey()}
}

// JWKSFetches counts the requests for the key set.
func (i *Issuer) JWKSFetches() int { return int(i.jwksHits.Load()) }

// Claims are a token's claims.
type Claims map[string]any

// GitHub returns claims like a GitHub Actions job's token for repository
// (OWNER/NAME) running workflow file, at now, for audience aud.
func (i *Issuer) GitHub(aud, repository, workflow string, now time.Time) Claims {
	owner, _, _ := strings.Cut(repository, "/")
	i.mu.Lock()
	i.n++
	jti := fmt.Sprintf("jti-%d-%d", now.UnixNano(), i.n)
	i.mu.Unlock()
	return Claims{
		"iss": i.URL, "aud": aud, "jti": jti,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"sub":              "repo:" + repository + ":ref:refs/heads/main",
		"repository":       repository,
		"repository_owner": owner,
		"workflow_ref":     repository + "/.github/workflows/" + workflow + "@refs/heads/main",
		"ref":              "refs/heads/main",
		"sha":              "0123456789abcdef0123456789abcdef01234567",
		"run_id":           "4242",
		"event_name":       "push",
	}
}

// Mint signs claims with the current signing key.
func (i *Issuer) Mint(c Claims) string {
	i.mu.Lock()
	k := i.keys[len(i.keys)-1]
	i.mu.Unlock()
	return i.sign(k, c)
}

// MintUnknownKey signs claims with a key the JWKS never published.
func (i *Issuer) MintUnknownKey(c Claims) string {
	i.mu.Lock()
	k := i.newKey()
	i.mu.Unlock()
	k.KeyID = "unknown-" + k.KeyID
	return i.sign(k, c)
}

// MintNone returns an unsigned token (alg "none").
func (i *Issuer) MintNone(c Claims) string {
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			i.t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + enc(c) + "."
}

func (i *Issuer) sign(k jose.JSONWebKey, c Claims) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		i.t.Fatal(err)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		i.t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		i.t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		i.t.Fatal(err)
	}
	return out
}
