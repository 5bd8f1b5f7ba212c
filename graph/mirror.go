package graph

import (
	"strings"

	"entgo.io/contrib/entgql"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/mirror"
)

// mirroredCursorKind prefixes the name in mirroredPackages cursors, so a
// cursor of another connection is refused instead of silently starting
// over.
const mirroredCursorKind = "mirrored:"

// mirroredCursor is the Relay cursor of a search position: the rank in ID,
// the name in Value (the cursor shape every connection of this API uses).
func mirroredCursor(c mirror.SearchCursor) entgql.Cursor[int] {
	return entgql.Cursor[int]{ID: c.Rank, Value: mirroredCursorKind + c.Name}
}

// mirroredAfter reads mirroredPackages(after:): nil when absent.
func mirroredAfter(after *entgql.Cursor[int]) (*mirror.SearchCursor, error) {
	if after == nil {
		return nil, nil
	}
	v, ok := after.Value.(string)
	if !ok || !strings.HasPrefix(v, mirroredCursorKind) || after.ID < 0 || after.ID > 2 {
		return nil, apperr.Invalid("after", "invalid mirrored package cursor: pass the cursor of a mirrored package you received")
	}
	return &mirror.SearchCursor{Rank: after.ID, Name: strings.TrimPrefix(v, mirroredCursorKind)}, nil
}
