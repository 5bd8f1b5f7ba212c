// Package breach tells whether a password appears in known breaches, for the
// checks at sign-up, sign-in and password change (SPEC §7).
//
// Two checkers implement it: List, an offline list bundled into the binary,
// and HIBP, a client of the HaveIBeenPwned range API that never sends more
// than five hex digits of the password's SHA-1. Multi combines them so that
// an outage of the third party never blocks a sign-in. Both pass the shared
// suite in breach/breachtest.
//
// The bundled list (data/common-passwords.txt.gz) is data, committed as it
// is. It is rebuilt by hand with `go run ./breach/internal/gen -out
// breach/data`, which downloads its source module; `go generate ./...` does
// not run it, so code generation never needs the network.
package breach

import "context"

// Checker reports whether a password is known to be breached.
type Checker interface {
	// Breached returns true if password appears in a breach. An error means
	// the checker could not tell; it says nothing about the password.
	Breached(ctx context.Context, password string) (bool, error)
}

// CheckerFunc adapts a function to Checker, for tests and wiring.
type CheckerFunc func(ctx context.Context, password string) (bool, error)

// Breached calls f.
func (f CheckerFunc) Breached(ctx context.Context, password string) (bool, error) {
	return f(ctx, password)
}
