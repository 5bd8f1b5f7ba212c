package graph_test

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/graph"
)

// The size limits count exactly: a document at a limit passes, one token,
// byte or repeat over it is QUERY_TOO_COMPLEX; a document that does not
// lex or parse is left to the parser's own error.
func TestLimitsBeforeParsing(t *testing.T) {
	l := graph.Limits{MaxQueryBytes: 40, MaxTokens: 10, MaxFieldRepeats: 2}
	tests := []struct {
		name, query, refused string
	}{
		{"ten tokens", "{ a b c d e f g h }", ""},
		{"eleven tokens", "{ a b c d e f g h i }", "tokens"},
		{"forty bytes", "{ a" + strings.Repeat(" ", 35) + " }", ""},
		{"forty-one bytes", "{ a" + strings.Repeat(" ", 36) + " }", "bytes"},
		{"two repeats", "{ a a }", ""},
		{"three repeats", "{ a a a }", "selected more than 2"},
		{"repeats through an inline fragment", "{ a ... { a a } }", "selected more than 2"},
		{"repeats in a nested set", "{ x { a a a } }", "selected more than 2"},
		{"a fragment spread three times", "{ ...F ...F ...F }", "selected more than 2"},
		{"an alias is its own name", "{ a b: a c: a }", ""},
		{"a persisted query by hash only", "", ""},
		{"not a document", `{ "unterminated`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: tt.query})
			if tt.refused == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || err.Extensions["code"] != string(apperr.TooComplex) || !strings.Contains(err.Message, tt.refused) {
				t.Fatalf("want QUERY_TOO_COMPLEX about %q, got %v", tt.refused, err)
			}
		})
	}
}
