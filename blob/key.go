package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// KeyLen is the length of a key: hex of a 32-byte SHA-256.
const KeyLen = 2 * sha256.Size

// KeyOf returns the key that p is stored under.
func KeyOf(p []byte) string {
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:])
}

// ValidKey reports whether key has the shape of a key: 64 lower-case hex
// digits. Upper case is refused rather than folded so that one blob has
// exactly one spelling (file names and map keys stay unique).
func ValidKey(key string) bool {
	if len(key) != KeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CheckKey returns an error wrapping ErrInvalidKey unless key is valid.
// Backends call it first in every method that takes a key.
func CheckKey(key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	return nil
}
