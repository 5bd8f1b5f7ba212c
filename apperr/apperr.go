// Package apperr defines the few kinds of error the domain reports. Each kind
// has a stable code that the GraphQL layer puts in `extensions.code` and the
// HTTP fronts map to a status; the mapping lives in one place per front.
package apperr

import (
	"errors"
	"fmt"
)

// Code is a stable, documented error code.
type Code string

// The documented codes (docs/API.md lists them with their meaning).
const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	BadInput        Code = "BAD_USER_INPUT"
	Conflict        Code = "CONFLICT"
	WindowClosed    Code = "WINDOW_CLOSED"
	PaymentRequired Code = "PAYMENT_REQUIRED"
	SeatsExhausted  Code = "SEATS_EXHAUSTED"
	RateLimited     Code = "RATE_LIMITED"
	TooComplex      Code = "QUERY_TOO_COMPLEX"
	Internal        Code = "INTERNAL"
	// TOTPRequired: the operation needs a current two-factor code, which
	// the request did not carry (sudo mode, keys whose writes need a code).
	TOTPRequired Code = "TOTP_REQUIRED"
	// InvalidTOTP: the two-factor code given is wrong or already used.
	InvalidTOTP Code = "INVALID_TOTP"
)

// Error is a domain error with a code and a message safe to show to users.
type Error struct {
	Code    Code
	Message string
	// Field names the input field at fault, when there is one.
	Field string
	// Err is the underlying cause; never shown to users.
	Err error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, apperr.ErrNotFound) match any error of that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// Sentinels for errors.Is checks by code.
var (
	ErrNotFound       = &Error{Code: NotFound}
	ErrForbidden      = &Error{Code: Forbidden}
	ErrConflict       = &Error{Code: Conflict}
	ErrBadInput       = &Error{Code: BadInput}
	ErrWindowClosed   = &Error{Code: WindowClosed}
	ErrUnauthenticate = &Error{Code: Unauthenticated}
)

// New returns an error of the given code with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a BAD_USER_INPUT error about one input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of err, Internal when it carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// SignInRequired is the error for anonymous callers of an operation that
// needs an account.
func SignInRequired() *Error {
	return New(Unauthenticated, "sign in or send an API key to do this")
}

// CodeRequired is the TOTP_REQUIRED error of an operation that needs a
// current two-factor code.
func CodeRequired() *Error {
	return New(TOTPRequired, "this action needs a current two-factor authentication code")
}
