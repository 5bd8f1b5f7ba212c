package server_test

import (
	"testing"

	"github.com/depot-registry/depot/server/servertest"
)

// TestInvalidCursorIsBadInput: a cursor that is not one the server made
// (not base64, base64 of garbage) is the client's mistake, answered with
// BAD_USER_INPUT naming the argument, not INTERNAL (issue 13, item 8).
func TestInvalidCursorIsBadInput(t *testing.T) {
	env := servertest.New(t)
	for _, cursor := range []string{"garbage!", "Zm9vYmFy", "////"} {
		r := env.Anonymous().Do(`query($a: Cursor) { packages(first: 5, after: $a) { edges { cursor } } }`, map[string]any{"a": cursor})
		wantCode(t, r, "BAD_USER_INPUT")
	}
	// A cursor the server made still pages.
	wantCode(t, env.Anonymous().Do(`{ packages(first: 5) { pageInfo { endCursor } } }`, nil), "")
}
