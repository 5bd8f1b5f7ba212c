package hextar

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Metadata text follows Depot's text rule: a NUL (stored by SQLite, an
// internal error on PostgreSQL) or another control character in any stored
// value is refused as invalid metadata; the description may span lines.
func TestReadRefusesControlCharacters(t *testing.T) {
	meta := func(extra string) string { return minimalMeta + extra }
	tests := []struct {
		name, meta, msg string
	}{
		{"NUL in description (raw byte)", meta("{<<\"description\">>,<<\"a\x00b\">>}.\n"), "description must not contain NUL"},
		{"NUL in description (escape)", meta("{<<\"description\">>,<<\"a\\000b\">>}.\n"), "description must not contain NUL"},
		{"escape in description", meta("{<<\"description\">>,<<\"a\\eb\">>}.\n"), "description must not contain the control character U+001B"},
		{"NUL in name", "{<<\"name\">>,<<\"fo\\000o\">>}.\n{<<\"version\">>,<<\"1.0.0\">>}.\n", "name must not contain NUL"},
		{"tab in a license", meta("{<<\"licenses\">>,[<<\"MIT\\tX\">>]}.\n"), "licenses must not contain the control character U+0009"},
		{"NUL in a link", meta("{<<\"links\">>,[{<<\"GitHub\">>,<<\"https://x\\000\">>}]}.\n"), "links must not contain NUL"},
		{"DEL in elixir", meta("{<<\"elixir\">>,<<\"~> 1.0\x7f\">>}.\n"), "elixir must not contain the control character U+007F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(pkg{meta: tt.meta}.build(t)), Limits{})
			if !errors.Is(err, ErrMetadata) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Read: %v, want a metadata error containing %q", err, tt.msg)
			}
		})
	}
	ok := meta("{<<\"description\">>,<<\"two\\nlines\\twith a tab\">>}.\n")
	p, err := Read(bytes.NewReader(pkg{meta: ok}.build(t)), Limits{})
	if err != nil {
		t.Fatalf("multi-line description refused: %v", err)
	}
	if p.Metadata.Description != "two\nlines\twith a tab" {
		t.Fatalf("description = %q", p.Metadata.Description)
	}
}
