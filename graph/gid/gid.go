// Package gid makes Ent's integer ids opaque in the GraphQL API.
//
// Ent's global-id feature gives every table its own 2^32 range, so an id
// alone names its type; the API still shows ids as opaque strings so
// integrations never parse, compare or guess them.
package gid

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

const prefix = "depot:"

// Encode returns the opaque form of id.
func Encode(id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.Itoa(id)))
}

// ErrInvalid is returned for strings that are not ids issued by Depot.
var ErrInvalid = errors.New("invalid id")

// Decode parses an opaque id.
func Decode(s string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), prefix) {
		return 0, fmt.Errorf("%w %q", ErrInvalid, s)
	}
	id, err := strconv.Atoi(strings.TrimPrefix(string(raw), prefix))
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w %q", ErrInvalid, s)
	}
	return id, nil
}

// MarshalID is gqlgen's marshaler for the ID scalar.
func MarshalID(id int) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(Encode(id)))
	})
}

// UnmarshalID is gqlgen's unmarshaler for the ID scalar.
func UnmarshalID(v any) (int, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("%w: ids are strings", ErrInvalid)
	}
	return Decode(s)
}
