package interchange

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// LinkTTL is how long an export's download link works. It is well below
// the blob sweep's default age (an hour), after which the archive is gone.
const LinkTTL = 15 * time.Minute

// ErrBadLink is a download link that is malformed, forged or expired.
var ErrBadLink = errors.New("interchange: the export link is invalid or expired")

// Links signs and checks the short-lived download links of exports: the
// token names the archive's blob and the organization and carries its
// expiry, under an HMAC keyed by the server's secret, so any instance can
// serve it and nobody can forge or extend one. Like a presigned URL, it is
// a bearer credential: the mutation's caller passed the admin check.
type Links struct {
	key []byte
}

// NewLinks derives the link key from the server's secret (never the secret
// itself, which also keys API key hashes).
func NewLinks(secret []byte) Links {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("depot export download link v1"))
	return Links{key: m.Sum(nil)}
}

// Token returns the token for blob key of organization org, valid until
// expires.
func (l Links) Token(key, org string, expires time.Time) string {
	payload := key + "." + org + "." + strconv.FormatInt(expires.Unix(), 10)
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(l.mac(payload))
}

// Check verifies token at now and returns the blob key and organization.
func (l Links) Check(token string, now time.Time) (key, org string, err error) {
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return "", "", ErrBadLink
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, l.mac(string(payload))) {
		return "", "", ErrBadLink
	}
	parts := strings.Split(string(payload), ".")
	if len(parts) != 3 {
		return "", "", ErrBadLink
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || !now.Before(time.Unix(exp, 0)) {
		return "", "", ErrBadLink
	}
	return parts[0], parts[1], nil
}

func (l Links) mac(payload string) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Link returns a token for an export archive of org, valid for LinkTTL
// from the service's clock.
func (s *Service) Link(l Links, blobKey, org string) (token string, expires time.Time) {
	expires = s.now().Add(LinkTTL)
	return l.Token(blobKey, org, expires), expires
}
