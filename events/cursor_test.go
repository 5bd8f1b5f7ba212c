package events_test

import (
	"bytes"
	"errors"
	"strconv"
	"testing"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/events"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, id := range []int{0, 1, 12, 1 << 32, 1<<32 + 7} {
		got, err := events.DecodeCursor(events.EncodeCursor(id))
		if err != nil || got != id {
			t.Errorf("DecodeCursor(EncodeCursor(%d)) = %d, %v", id, got, err)
		}
	}
}

func TestDecodeCursorAcceptsRelayCursor(t *testing.T) {
	var b bytes.Buffer
	ent.Cursor{ID: 4242}.MarshalGQL(&b)
	s, err := strconv.Unquote(b.String())
	if err != nil {
		t.Fatalf("unquote %q: %v", b.String(), err)
	}
	if id, err := events.DecodeCursor(s); err != nil || id != 4242 {
		t.Fatalf("DecodeCursor(relay cursor) = %d, %v; want 4242", id, err)
	}
}

func TestDecodeCursorRejectsGarbage(t *testing.T) {
	for _, s := range []string{
		"",
		"garbage!",
		"ev:12",            // not encoded
		"ZXY6",             // "ev:" with no id
		"ZXY6LTE",          // "ev:-1"
		"ZXY6MTJh",         // "ev:12a"
		"ZXY6MDEy",         // "ev:012", not canonical
		"eDoxMg",           // "x:12"
		"ZXY6MTI=",         // padded
		"////////////////", // base64 of non-msgpack bytes
	} {
		id, err := events.DecodeCursor(s)
		if !errors.Is(err, events.ErrBadCursor) {
			t.Errorf("DecodeCursor(%q) = %d, %v; want ErrBadCursor", s, id, err)
			continue
		}
		if apperr.CodeOf(err) != apperr.BadInput {
			t.Errorf("DecodeCursor(%q) code %s, want BAD_USER_INPUT", s, apperr.CodeOf(err))
		}
	}
}
