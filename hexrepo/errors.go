package hexrepo

import "errors"

var (
	// ErrInvalid reports a value that cannot be encoded into a payload that
	// Hex clients would accept.
	ErrInvalid = errors.New("hexrepo: invalid registry value")
	// ErrMalformed reports bytes that are not a well-formed registry payload.
	ErrMalformed = errors.New("hexrepo: malformed registry payload")
	// ErrBadSignature reports a signed envelope whose signature does not
	// match the payload under the given public key.
	ErrBadSignature = errors.New("hexrepo: registry signature does not verify")
	// ErrWrongOrigin reports a payload that verifies but describes another
	// repository or package than the one requested; hex_core rejects these
	// too (repo_verify_origin) because a validly signed payload could
	// otherwise be replayed under another name.
	ErrWrongOrigin = errors.New("hexrepo: registry payload is for another repository or package")
	// ErrTooLarge reports a gzip body that inflates beyond MaxPayloadSize.
	ErrTooLarge = errors.New("hexrepo: registry payload too large")
)
