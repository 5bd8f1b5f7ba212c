package trust_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/internal/oidctest"
	"github.com/depot-registry/depot/trust"
)

const aud = "https://depot.example"

// The verifier against a real issuer on loopback, with the GitHub preset
// (pointed at the test issuer as at a GitHub Enterprise Server).
func TestVerifyAndMatch(t *testing.T) {
	iss := oidctest.New(t)
	now := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	v := &trust.Verifier{Audience: aud, Now: func() time.Time { return now }}
	cfg, err := trust.Validate(trust.GitHub, iss.URL, map[string]string{
		"repository_owner": "acme", "repository": "acme/lib", "workflow": "release.yml"}, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	verify := func(tok string) (trust.Token, error) { return v.Verify(ctx, iss.URL, tok) }
	accepted := func(t *testing.T, tok string) {
		t.Helper()
		got, err := verify(tok)
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		if !cfg.Match(got.Claims) {
			t.Fatalf("claims %v do not match", got.Claims)
		}
	}
	refused := func(t *testing.T, tok, want string) {
		t.Helper()
		_, err := verify(tok)
		if err == nil || !errors.Is(err, trust.ErrToken) || !strings.Contains(err.Error(), want) {
			t.Fatalf("got %v, want a refusal mentioning %q", err, want)
		}
	}
	good := func() oidctest.Claims { return iss.GitHub(aud, "acme/lib", "release.yml", now) }

	t.Run("matching repository and workflow", func(t *testing.T) { accepted(t, iss.Mint(good())) })
	t.Run("case-insensitive owner and repository", func(t *testing.T) {
		accepted(t, iss.Mint(iss.GitHub(aud, "Acme/Lib", "release.yml", now)))
	})
	mismatch := map[string]oidctest.Claims{
		"another repository": iss.GitHub(aud, "acme/other", "release.yml", now),
		"another owner":      iss.GitHub(aud, "evil/lib", "release.yml", now),
		"another workflow":   iss.GitHub(aud, "acme/lib", "ci.yml", now),
		"workflow elsewhere": func() oidctest.Claims {
			c := good()
			c["workflow_ref"] = "evil/x/.github/workflows/release.yml@refs/heads/main"
			return c
		}(),
	}
	for name, c := range mismatch {
		t.Run(name, func(t *testing.T) {
			got, err := verify(iss.Mint(c))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Match(got.Claims) {
				t.Fatalf("%v matched", got.Claims)
			}
		})
	}
	t.Run("environment", func(t *testing.T) {
		env, _ := trust.Validate(trust.GitHub, iss.URL, map[string]string{
			"repository_owner": "acme", "repository": "lib", "workflow": "release.yml", "environment": "hex"}, true)
		c := good()
		got, _ := verify(iss.Mint(c))
		if env.Match(got.Claims) {
			t.Fatal("matched without the environment")
		}
		c = good()
		c["environment"] = "hex"
		got, _ = verify(iss.Mint(c))
		if !env.Match(got.Claims) {
			t.Fatal("refused with the environment")
		}
	})
	t.Run("wrong audience", func(t *testing.T) {
		c := good()
		c["aud"] = "https://other.example"
		refused(t, iss.Mint(c), "audience")
	})
	t.Run("expired", func(t *testing.T) {
		c := good()
		c["iat"], c["exp"] = now.Add(-10*time.Minute).Unix(), now.Add(-2*time.Minute).Unix()
		refused(t, iss.Mint(c), "expired")
	})
	t.Run("expired within the leeway", func(t *testing.T) {
		c := good()
		c["exp"] = now.Add(-30 * time.Second).Unix()
		accepted(t, iss.Mint(c))
	})
	t.Run("not yet valid", func(t *testing.T) {
		c := good()
		c["nbf"] = now.Add(3 * time.Minute).Unix()
		refused(t, iss.Mint(c), "not valid before")
	})
	t.Run("issued in the future", func(t *testing.T) {
		c := good()
		c["iat"] = now.Add(3 * time.Minute).Unix()
		refused(t, iss.Mint(c), "future")
	})
	t.Run("no jti", func(t *testing.T) {
		c := good()
		delete(c, "jti")
		refused(t, iss.Mint(c), "jti")
	})
	t.Run("another issuer", func(t *testing.T) {
		c := good()
		c["iss"] = "https://token.actions.githubusercontent.com"
		refused(t, iss.Mint(c), "different provider")
	})
	t.Run("unknown key", func(t *testing.T) { refused(t, iss.MintUnknownKey(good()), "signature") })
	t.Run("none algorithm", func(t *testing.T) { refused(t, iss.MintNone(good()), "") })

	t.Run("key rotation", func(t *testing.T) {
		old := iss.Mint(good())
		accepted(t, iss.Mint(good()))
		before := iss.JWKSFetches()
		accepted(t, iss.Mint(good()))
		if iss.JWKSFetches() != before {
			t.Fatal("a known key was fetched again: the key set is not cached")
		}
		iss.Rotate()
		accepted(t, iss.Mint(good()))
		if iss.JWKSFetches() != before+1 {
			t.Fatalf("key set fetched %d times after rotation, want once", iss.JWKSFetches()-before)
		}
		refused(t, old, "signature")
	})
}

func TestValidate(t *testing.T) {
	bad := []struct {
		kind   trust.Kind
		issuer string
		claims map[string]string
		field  string
	}{
		{trust.GitHub, "", map[string]string{"repository_owner": "a", "repository": "a/b"}, "claims"},
		{trust.GitHub, "", map[string]string{"repository_owner": "a", "repository": "x/b", "workflow": "r.yml"}, "claims"},
		{trust.GitHub, "", map[string]string{"repository_owner": "a", "repository": "a/b", "workflow": "dir/r.yml"}, "claims"},
		{trust.GitHub, "", map[string]string{"repository_owner": "a", "repository": "a/b", "workflow": "r.yml", "sub": "x"}, "claims"},
		{trust.GitHub, "http://127.0.0.1:1", map[string]string{"repository_owner": "a", "repository": "a/b", "workflow": "r.yml"}, "issuer"},
		{trust.GitLab, "", map[string]string{"ref": "main"}, "claims"},
		{trust.OIDC, "https://ci.example", nil, "claims"},
		{trust.OIDC, "https://ci.example", map[string]string{"aud": "x"}, "claims"},
		{trust.OIDC, "ci.example", map[string]string{"sub": "x"}, "issuer"},
		{trust.OIDC, "http://ci.example", map[string]string{"sub": "x"}, "issuer"},
		{"JENKINS", "https://ci.example", map[string]string{"sub": "x"}, "kind"},
	}
	for _, b := range bad {
		_, err := trust.Validate(b.kind, b.issuer, b.claims, false)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.BadInput || ae.Field != b.field {
			t.Errorf("%s %s %v: got %v, want BAD_USER_INPUT on %s", b.kind, b.issuer, b.claims, err, b.field)
		}
	}
	c, err := trust.Validate(trust.GitLab, "", map[string]string{"project_path": "g/p", "ref": "main"}, false)
	if err != nil || c.Issuer != trust.GitLabIssuer {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = trust.Validate(trust.OIDC, "https://forgejo.example/api/actions/", map[string]string{"sub": "repo:x"}, false)
	if err != nil || c.Issuer != "https://forgejo.example/api/actions" {
		t.Fatalf("%+v %v", c, err)
	}
}
