package server_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/ent/apikey"
	"github.com/depot-registry/depot/server/servertest"
)

// The secret is returned once; apiKeys lists keys without it; the key
// authenticates as its user; last use (time and IP) is recorded.
func TestAPIKeyLifecycle(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("nina")
	var created struct {
		CreateAPIKey struct {
			Secret string
			APIKey struct {
				ID, Name, Prefix string
				Scopes           []string
				Active           bool
			}
		}
	}
	r := c.Do(createKeyDoc, map[string]any{"n": "ci bot", "s": []string{"api:read"}}).MustOK(t)
	r.Decode(t, &created)
	k := created.CreateAPIKey
	if !strings.HasPrefix(k.Secret, "dpk_") || len(k.Secret) < 40 || !strings.HasPrefix(k.Secret, k.APIKey.Prefix) || !k.APIKey.Active {
		t.Fatalf("createApiKey = %+v", k)
	}
	wantAudit(t, env, "api_key.create")

	// The list never shows the secret.
	list := c.Do(`{ apiKeys { id name prefix scopes active lastUsedAt lastUsedIP } }`, nil).MustOK(t)
	if bytes.Contains(list.Raw, []byte(k.Secret)) || bytes.Contains(list.Raw, []byte(k.Secret[len(k.APIKey.Prefix):])) {
		t.Fatalf("apiKeys shows the secret: %s", list.Raw)
	}
	var l struct {
		APIKeys []struct {
			ID, Name   string
			LastUsedAt *time.Time
		}
	}
	list.Decode(t, &l)
	if len(l.APIKeys) != 1 || l.APIKeys[0].ID != k.APIKey.ID || l.APIKeys[0].LastUsedAt != nil {
		t.Fatalf("apiKeys = %+v", l.APIKeys)
	}

	// Bearer auth works; last use is recorded.
	key := keyClient(env, k.Secret)
	if viewerName(t, key) != "nina" {
		t.Fatal("the key does not authenticate as its user")
	}
	row, err := env.Server.DB.APIKey.Query().Where(apikey.Name("ci bot")).Only(sys())
	if err != nil {
		t.Fatal(err)
	}
	if row.LastUsedAt == nil || !row.LastUsedAt.Equal(env.Clock.Now()) || row.LastUsedIP != "127.0.0.1" {
		t.Fatalf("last use = %v from %q; want %v from 127.0.0.1", row.LastUsedAt, row.LastUsedIP, env.Clock.Now())
	}

	// Only the HMAC is stored: no table row holds the secret or its random part.
	assertSecretNotStored(t, env, k.Secret)

	// Revoke: the key stops working at once with 401 UNAUTHENTICATED.
	c.Do(revokeKeyDoc, map[string]any{"id": k.APIKey.ID}).MustOK(t)
	wantAudit(t, env, "api_key.revoke")
	r = key.Do(viewerDoc, nil)
	if r.Status != 401 {
		t.Fatalf("revoked key: status %d, want 401", r.Status)
	}
	wantCode(t, r, "UNAUTHENTICATED")
	// Revoking again is idempotent.
	c.Do(revokeKeyDoc, map[string]any{"id": k.APIKey.ID}).MustOK(t)
}

// assertSecretNotStored scans the api_keys table's text for the secret.
func assertSecretNotStored(t *testing.T, env *servertest.Env, secret string) {
	t.Helper()
	rows, err := env.Server.DB.SQL.QueryContext(context.Background(), "SELECT * FROM api_keys")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	random := secret[len("dpk_")+6:]
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			var s string
			switch v := v.(type) {
			case []byte:
				s = string(v)
			case string:
				s = v
			}
			if strings.Contains(s, random) || strings.Contains(s, secret) {
				t.Fatalf("api_keys.%s holds the secret", cols[i])
			}
		}
	}
}

// Keys are refused with 401 UNAUTHENTICATED when garbage, expired or
// revoked, and scopes decide what a valid key may do.
func TestAPIKeyScopesAndExpiry(t *testing.T) {
	env := servertest.New(t)
	c := env.SignUp("oscar")
	read := c.WithKey("api:read")
	write := c.WithKey("api:write")
	soon := env.Clock.Now().Add(time.Hour)
	var out struct {
		CreateAPIKey struct{ Secret string }
	}
	c.Do(createKeyDoc, map[string]any{"n": "short-lived", "s": []string{"api:write"}, "x": soon}).MustOK(t).Decode(t, &out)
	expiring := keyClient(env, out.CreateAPIKey.Secret)
	if viewerName(t, expiring) != "oscar" {
		t.Fatal("a key before its expiry does not work")
	}

	// api:read reads but may not change anything.
	if viewerName(t, read) != "oscar" {
		t.Fatal("api:read key cannot read")
	}
	before := snapshot(t, env)
	wantCode(t, read.Do(createOrgDoc, map[string]any{"n": "readorg"}), "FORBIDDEN")
	wantCode(t, read.Do(createKeyDoc, map[string]any{"n": "x", "s": []string{"api:read"}}), "FORBIDDEN")
	unchanged(t, env, before)
	// api:write may; mutations with a key need no CSRF header.
	write.NoCSRF = true
	write.Do(createOrgDoc, map[string]any{"n": "writeorg"}).MustOK(t)

	// Bad key inputs change nothing.
	bad := []struct {
		name   string
		scopes []string
		expiry any
		keyNm  string
	}{
		{"no scopes", []string{}, nil, "k"},
		{"unknown scope", []string{"admin"}, nil, "k"},
		{"upper-case scope", []string{"API:READ"}, nil, "k"},
		{"package scope with bad name", []string{"package:Bad"}, nil, "k"},
		{"expiry in the past", []string{"api:read"}, env.Clock.Now().Add(-time.Minute), "k"},
		{"expiry now", []string{"api:read"}, env.Clock.Now(), "k"},
		{"empty name", []string{"api:read"}, nil, "   "},
		{"name over 100 characters", []string{"api:read"}, nil, strings.Repeat("n", 101)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			wantCode(t, c.Do(createKeyDoc, map[string]any{"n": tt.keyNm, "s": tt.scopes, "x": tt.expiry}), "BAD_USER_INPUT")
			unchanged(t, env, before)
		})
	}

	// After the expiry time the key is dead.
	env.Clock.Advance(61 * time.Minute)
	refused := []struct {
		name   string
		header string
	}{
		{"expired key", "Bearer " + out.CreateAPIKey.Secret},
		{"garbage key", "Bearer dpk_nonsense"},
		{"key without prefix", "Bearer abcdef"},
		{"empty bearer", "Bearer "},
		{"basic auth", "Basic b3NjYXI6cGFzc3dvcmQ="},
		{"session token as key", "Bearer dps_something"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, env)
			req := jsonRequest(t, env, createOrgDoc, map[string]any{"n": "neverorg"})
			req.Header.Set("Authorization", tt.header)
			r := env.Anonymous().Send(req)
			if r.Status != 401 {
				t.Fatalf("status %d, want 401: %s", r.Status, r.Raw)
			}
			wantCode(t, r, "UNAUTHENTICATED")
			unchanged(t, env, before)
		})
	}
}

// Another user's key cannot be revoked (NOT_FOUND, key still works).
func TestRevokeOtherUsersKey(t *testing.T) {
	env := servertest.New(t)
	owner := env.SignUp("pat")
	thief := env.SignUp("quinn")
	secret, id := createKey(t, owner, "api:read")
	for _, c := range []*servertest.Client{thief, thief.WithKey("api:write")} {
		before := snapshot(t, env)
		wantCode(t, c.Do(revokeKeyDoc, map[string]any{"id": id}), "NOT_FOUND")
		unchanged(t, env, before)
	}
	wantCode(t, owner.Do(revokeKeyDoc, map[string]any{"id": "garbage"}), "BAD_USER_INPUT")
	if viewerName(t, keyClient(env, secret)) != "pat" {
		t.Fatal("the key stopped working")
	}
	// Keys of other users are not listed.
	var l struct{ APIKeys []struct{ ID string } }
	thief.Do(`{ apiKeys { id } }`, nil).MustOK(t).Decode(t, &l)
	if len(l.APIKeys) != 1 { // the api:write key made above
		t.Fatalf("quinn sees %d keys, want 1 (own)", len(l.APIKeys))
	}
	wantCode(t, env.Anonymous().Do(`{ apiKeys { id } }`, nil), "UNAUTHENTICATED")
}
