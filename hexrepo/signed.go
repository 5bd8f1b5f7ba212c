package hexrepo

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
)

// Wire numbers from hex_core's hex_pb_signed.proto.
const (
	signedPayload   protowire.Number = 1
	signedSignature protowire.Number = 2
)

// MaxPayloadSize bounds how far a gzipped registry resource may inflate.
// hex.pm's largest resource (/versions) is a few MiB; the bound only stops a
// hostile upstream from exhausting memory with a small gzip bomb.
const MaxPayloadSize = 256 << 20

// payloadLimit is MaxPayloadSize, lowered by tests that cannot afford to
// inflate 256 MiB.
var payloadLimit int64 = MaxPayloadSize

// Sign wraps payload in a Signed envelope. The signature is RSA PKCS#1 v1.5
// over SHA-512 of the payload, as hex_core's public_key:sign(_, sha512, _).
func Sign(payload []byte, key *rsa.PrivateKey) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: no signing key", ErrInvalid)
	}
	sum := sha512.Sum512(payload)
	// PKCS#1 v1.5 is deterministic; rand only blinds the private-key
	// operation against timing attacks.
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA512, sum[:])
	if err != nil {
		return nil, fmt.Errorf("hexrepo: sign payload: %w", err)
	}
	b := appendBytes(nil, signedPayload, payload)
	return appendBytes(b, signedSignature, sig), nil
}

// Verify checks a Signed envelope against pub and returns its payload.
func Verify(signed []byte, pub *rsa.PublicKey) ([]byte, error) {
	if pub == nil {
		return nil, fmt.Errorf("%w: no public key", ErrInvalid)
	}
	payload, sig, err := decodeSigned(signed)
	if err != nil {
		return nil, err
	}
	if sig == nil {
		return nil, fmt.Errorf("%w: envelope carries no signature", ErrBadSignature)
	}
	sum := sha512.Sum512(payload)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA512, sum[:], sig); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	return payload, nil
}

func decodeSigned(b []byte) (payload, sig []byte, err error) {
	var hasPayload bool
	err = eachField(b, func(f field) error {
		var err error
		switch f.num {
		case signedPayload:
			payload, err = f.bytesCopy("Signed.payload")
			hasPayload = true
		case signedSignature:
			sig, err = f.bytesCopy("Signed.signature")
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if !hasPayload {
		return nil, nil, missing("Signed", "payload")
	}
	return payload, sig, nil
}

// sealed is what a repository serves: gzip(Signed{payload, signature}).
func sealed(payload []byte, key *rsa.PrivateKey) ([]byte, error) {
	signed, err := Sign(payload, key)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	// No name and no modification time in the header, so equal input gives
	// equal bytes and ETags derived from them stay stable.
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(signed); err != nil {
		return nil, fmt.Errorf("hexrepo: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("hexrepo: gzip: %w", err)
	}
	return buf.Bytes(), nil
}

// unseal undoes sealed and returns the verified payload.
func unseal(body []byte, pub *rsa.PublicKey) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %w", ErrMalformed, err)
	}
	signed, err := io.ReadAll(io.LimitReader(zr, payloadLimit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %w", ErrMalformed, err)
	}
	if int64(len(signed)) > payloadLimit {
		return nil, fmt.Errorf("%w: inflates beyond %d bytes", ErrTooLarge, payloadLimit)
	}
	return Verify(signed, pub)
}

// EncodePackageSigned returns the /packages/NAME body: gzip(Signed{Package}).
func EncodePackageSigned(p Package, key *rsa.PrivateKey) ([]byte, error) {
	payload, err := EncodePackage(p)
	if err != nil {
		return nil, err
	}
	return sealed(payload, key)
}

// DecodePackageSigned gunzips, verifies and decodes a /packages/NAME body,
// and checks it describes package name in repository, as hex clients do
// with repo_verify_origin.
func DecodePackageSigned(body []byte, pub *rsa.PublicKey, repository, name string) (Package, error) {
	payload, err := unseal(body, pub)
	if err != nil {
		return Package{}, err
	}
	p, err := DecodePackage(payload)
	if err != nil {
		return Package{}, err
	}
	if p.Repository != repository || p.Name != name {
		return Package{}, fmt.Errorf("%w: got %s/%s, want %s/%s", ErrWrongOrigin, p.Repository, p.Name, repository, name)
	}
	return p, nil
}

// EncodeNamesSigned returns the /names body: gzip(Signed{Names}).
func EncodeNamesSigned(n Names, key *rsa.PrivateKey) ([]byte, error) {
	payload, err := EncodeNames(n)
	if err != nil {
		return nil, err
	}
	return sealed(payload, key)
}

// DecodeNamesSigned gunzips, verifies and decodes a /names body for
// repository.
func DecodeNamesSigned(body []byte, pub *rsa.PublicKey, repository string) (Names, error) {
	payload, err := unseal(body, pub)
	if err != nil {
		return Names{}, err
	}
	n, err := DecodeNames(payload)
	if err != nil {
		return Names{}, err
	}
	if n.Repository != repository {
		return Names{}, fmt.Errorf("%w: got %s, want %s", ErrWrongOrigin, n.Repository, repository)
	}
	return n, nil
}

// EncodeVersionsSigned returns the /versions body: gzip(Signed{Versions}).
func EncodeVersionsSigned(v Versions, key *rsa.PrivateKey) ([]byte, error) {
	payload, err := EncodeVersions(v)
	if err != nil {
		return nil, err
	}
	return sealed(payload, key)
}

// DecodeVersionsSigned gunzips, verifies and decodes a /versions body for
// repository.
func DecodeVersionsSigned(body []byte, pub *rsa.PublicKey, repository string) (Versions, error) {
	payload, err := unseal(body, pub)
	if err != nil {
		return Versions{}, err
	}
	v, err := DecodeVersions(payload)
	if err != nil {
		return Versions{}, err
	}
	if v.Repository != repository {
		return Versions{}, fmt.Errorf("%w: got %s, want %s", ErrWrongOrigin, v.Repository, repository)
	}
	return v, nil
}
