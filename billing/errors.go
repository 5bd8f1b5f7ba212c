package billing

import "errors"

// Error is a billing error kind with a stable code that the GraphQL front maps
// to extensions.code. Sentinels are compared with errors.Is; the code is read
// with errors.As or Code.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// The error kinds of the billing domain. Functions wrap them with %w to add
// detail, so test with errors.Is.
var (
	// ErrInvalidInput is bad input from the caller (unknown plan, negative seats,
	// missing idempotency key, ...).
	ErrInvalidInput = &Error{Code: "BAD_USER_INPUT", Message: "invalid billing input"}
	// ErrInvalidVATNumber is a VAT number whose format does not match the
	// customer's country.
	ErrInvalidVATNumber = &Error{Code: "BAD_USER_INPUT", Message: "invalid VAT number"}
	// ErrSeatsExhausted refuses a new member when every seat is taken, and a seat
	// count below the current number of members.
	ErrSeatsExhausted = &Error{Code: "SEATS_EXHAUSTED", Message: "all seats are taken"}
	// ErrNotFound is an unknown processor reference.
	ErrNotFound = &Error{Code: "NOT_FOUND", Message: "not found"}
	// ErrConflict is a transition the subscription's state does not allow.
	ErrConflict = &Error{Code: "CONFLICT", Message: "not allowed in the subscription's state"}
)

// Code returns the code of the billing error kind wrapped in err, or "" when
// err carries none.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
