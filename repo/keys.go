package repo

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/depot-registry/depot/hexrepo"
)

// KeyFileName is the signing key's file name inside the data folder.
const KeyFileName = "repo_key.pem"

// Keys is the repository signing key. Hex clients pin the public half
// (repo_public_key), so it must outlive restarts and be the same on every
// instance behind a load balancer: several instances need one key file
// (configured path or a shared data folder), never one generated each.
type Keys struct {
	Private *rsa.PrivateKey
	// PublicPEM is the public key as served at /public_key and pasted into
	// client configuration.
	PublicPEM []byte
}

// LoadKeys reads the signing key from file when it is set. Otherwise it
// uses DATADIR/repo_key.pem, generating it (mode 0600) on first start.
func LoadKeys(dataDir, file string) (*Keys, error) {
	if file != "" {
		return readKeys(file)
	}
	path := filepath.Join(dataDir, KeyFileName)
	k, err := readKeys(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return k, err
	}
	if err := generate(path); err != nil {
		return nil, err
	}
	return readKeys(path)
}

func readKeys(path string) (*Keys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("repository key: %w", err)
	}
	key, err := hexrepo.DecodePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("repository key %s: %w", path, err)
	}
	return NewKeys(key)
}

// NewKeys wraps an existing private key (tests, tools).
func NewKeys(key *rsa.PrivateKey) (*Keys, error) {
	pub, err := hexrepo.EncodePublicKeyPEM(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Keys{Private: key, PublicPEM: pub}, nil
}

// generate writes a new key to path. The key goes to a temporary file first
// and is hard-linked into place, which fails when path exists: two
// processes starting on one data folder agree on the winner's key, and
// nobody ever reads half a key.
func generate(path string) error {
	key, err := hexrepo.GenerateKey()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("repository key folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".repo_key-*.pem")
	if err != nil {
		return fmt.Errorf("repository key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("repository key: %w", err)
	}
	if _, err := tmp.Write(hexrepo.EncodePrivateKeyPEM(key)); err != nil {
		tmp.Close()
		return fmt.Errorf("repository key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("repository key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("repository key: %w", err)
	}
	// Link fails if the file exists: another process won the race.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("repository key: %w", err)
	}
	return nil
}
