package graph_test

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/graph"
)

// The size limits count exactly: a document at a limit passes, one token,
// byte or repeat over it is QUERY_TOO_COMPLEX; a document that does not
// lex or parse is left to the parser's own error. With a Passed cache the
// verdicts are the same when a document comes again: a refused one is
// never remembered as passed.
func TestLimitsBeforeParsing(t *testing.T) {
	passed := lru.New[bool](100)
	plain := graph.Limits{MaxQueryBytes: 40, MaxTokens: 10, MaxFieldRepeats: 2}
	cached := plain
	cached.Passed = passed
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
	for _, run := range []struct {
		name string
		l    graph.Limits
	}{{"plain", plain}, {"cached", cached}, {"cached again", cached}} {
		for _, tt := range tests {
			t.Run(run.name+"/"+tt.name, func(t *testing.T) {
				err := run.l.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: tt.query})
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
	for _, tt := range tests {
		_, ok := passed.Get(context.Background(), tt.query)
		if want := tt.refused == "" && tt.query != ""; ok != want {
			t.Errorf("%s: remembered as passed = %v, want %v", tt.name, ok, want)
		}
	}
}
