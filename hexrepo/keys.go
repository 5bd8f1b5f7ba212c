package hexrepo

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// KeyBits is the size of keys from GenerateKey, the size hex.pm uses.
const KeyBits = 2048

// GenerateKey makes a new repository signing key.
func GenerateKey() (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("hexrepo: generate key: %w", err)
	}
	return key, nil
}

// EncodePrivateKeyPEM stores key as PKCS#1 ("RSA PRIVATE KEY"), the form
// hex_core and `openssl genrsa` (before 3.0) use.
func EncodePrivateKeyPEM(key *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// DecodePrivateKeyPEM reads an RSA private key in PKCS#1 ("RSA PRIVATE
// KEY") or PKCS#8 ("PRIVATE KEY", what OpenSSL 3 writes) form, so operators
// can bring a key made with either.
func DecodePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block in private key", ErrInvalid)
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: private key: %w", ErrInvalid, err)
		}
		return key, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: private key: %w", ErrInvalid, err)
		}
		key, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: private key is %T, Hex needs RSA", ErrInvalid, k)
		}
		return key, nil
	}
	return nil, fmt.Errorf("%w: PEM block %q is not a private key", ErrInvalid, block.Type)
}

// EncodePublicKeyPEM returns pub as PEM "PUBLIC KEY" (PKIX
// SubjectPublicKeyInfo): the body of GET /public_key and the value clients
// put in repo_public_key, the same form hex.pm publishes. hex_core reads it
// with public_key:pem_decode/pem_entry_decode.
func EncodePublicKeyPEM(pub *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("hexrepo: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// DecodePublicKeyPEM reads "PUBLIC KEY" (PKIX) or "RSA PUBLIC KEY"
// (PKCS#1); hex_core accepts both, so a mirror configured with either works.
func DecodePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block in public key", ErrInvalid)
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: public key: %w", ErrInvalid, err)
		}
		pub, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: public key is %T, Hex needs RSA", ErrInvalid, k)
		}
		return pub, nil
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: public key: %w", ErrInvalid, err)
		}
		return pub, nil
	}
	return nil, fmt.Errorf("%w: PEM block %q is not a public key", ErrInvalid, block.Type)
}
