package events

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
)

// ErrBadCursor is returned for a cursor this package did not produce. It is
// a BAD_USER_INPUT error so the GraphQL layer reports it without a mapping
// of its own; match it with errors.Is.
var ErrBadCursor = &apperr.Error{Code: apperr.BadInput, Field: "after", Message: "invalid event cursor"}

const cursorPrefix = "ev:"

// EncodeCursor returns the opaque resume position just after event id.
// Clients must not parse it: the encoding may change, DecodeCursor keeps
// accepting the old one.
func EncodeCursor(id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(id)))
}

// DecodeCursor returns the event id a cursor stands for. Besides its own
// cursors it accepts the Relay cursors of the releaseEvents connection
// (ordered by id), so a client can resume the subscription from the
// query's pageInfo.endCursor.
func DecodeCursor(s string) (int, error) {
	if id, ok := decodeOwn(s); ok {
		return id, nil
	}
	var c ent.Cursor
	if err := c.UnmarshalGQL(s); err == nil && c.ID >= 0 {
		return c.ID, nil
	}
	return 0, ErrBadCursor
}

func decodeOwn(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.Atoi(rest)
	if err != nil || id < 0 || strconv.Itoa(id) != rest {
		return 0, false
	}
	return id, true
}
