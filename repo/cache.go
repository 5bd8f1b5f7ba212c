package repo

import (
	"bytes"
	"compress/gzip"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/depot-registry/depot/hexrepo"

	lru "github.com/hashicorp/golang-lru/v2"
)

// signedCache remembers signed bodies by the SHA-256 of their unsigned
// payload.
//
// Payloads are rebuilt from the database on every request, so what a client
// sees is always what is committed, on every instance, with nothing to
// invalidate. Only the RSA signature (about a millisecond of CPU, most of
// a request's cost) is reused: the same payload always yields the same
// signed body, because PKCS#1 v1.5 signatures and our gzip output are
// deterministic. A changed package changes its payload and so its key.
type signedCache struct {
	c *lru.Cache[[sha256.Size]byte, body]
}

// body is a finished response body and its strong ETag.
type body struct {
	data []byte
	etag string
}

const (
	cacheEntries = 1024
	// maxCachedBody keeps the cache's memory bounded (entries ×
	// maxCachedBody); larger bodies (/names and /versions of big
	// registries) cost far more to build than to sign anyway.
	maxCachedBody = 128 << 10
)

func newSignedCache() *signedCache {
	c, err := lru.New[[sha256.Size]byte, body](cacheEntries)
	if err != nil {
		panic(err) // only for a non-positive size
	}
	return &signedCache{c: c}
}

// get returns the body for payload, signing it with sign on a miss.
func (s *signedCache) get(payload []byte, sign func() ([]byte, error)) (body, error) {
	key := sha256.Sum256(payload)
	if b, ok := s.c.Get(key); ok {
		return b, nil
	}
	data, err := sign()
	if err != nil {
		return body{}, err
	}
	b := body{data: data, etag: etagOf(data)}
	if len(data) <= maxCachedBody {
		s.c.Add(key, b)
	}
	return b, nil
}

// etagOf is the strong ETag of a response body: its quoted SHA-256.
func etagOf(data []byte) string {
	sum := sha256.Sum256(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// seal returns gzip(Signed{payload, signature}), the body Hex clients
// fetch. The gzip header carries no name or time, so equal payloads give
// equal bodies (and ETags) on every instance.
func seal(payload []byte, key *rsa.PrivateKey) ([]byte, error) {
	signed, err := hexrepo.Sign(payload, key)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if _, err := zw.Write(signed); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return buf.Bytes(), nil
}
