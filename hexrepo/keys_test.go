package hexrepo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"
)

func TestPrivateKeyPEM(t *testing.T) {
	k := key(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		pem     []byte
		wantErr bool
	}{
		{"PKCS#1 as written", EncodePrivateKeyPEM(k), false},
		{"PKCS#8 from OpenSSL 3", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), false},
		{"EC key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), true},
		{"public key instead", pubPEM(t), true},
		{"not PEM", []byte("hello"), true},
		{"corrupt body", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{1, 2}}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodePrivateKeyPEM(tt.pem)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil || !got.Equal(k) {
				t.Fatalf("DecodePrivateKeyPEM = %v, %v; want the original key", got, err)
			}
		})
	}
}

func TestPublicKeyPEM(t *testing.T) {
	k := key(t)
	tests := []struct {
		name    string
		pem     []byte
		wantErr bool
	}{
		{"PKIX as served", pubPEM(t), false},
		{"PKCS#1 RSA PUBLIC KEY", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.PublicKey)}), false},
		{"private key instead", EncodePrivateKeyPEM(k), true},
		{"not PEM", nil, true},
		{"corrupt body", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodePublicKeyPEM(tt.pem)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil || !got.Equal(&k.PublicKey) {
				t.Fatalf("DecodePublicKeyPEM = %v, %v; want the original key", got, err)
			}
		})
	}
	if k.N.BitLen() != KeyBits {
		t.Errorf("GenerateKey made a %d-bit key, want %d", k.N.BitLen(), KeyBits)
	}
}
