package blobtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob"
)

// slack absorbs coarse file-system timestamps (some keep whole seconds).
const slack = 2 * time.Second

// testListModTime checks that List reports when a blob was stored, which
// age-based garbage collection relies on.
func testListModTime(t *testing.T, s blob.Store) {
	l, ok := s.(blob.Lister)
	if !ok {
		return
	}
	before := time.Now()
	ref := mustPut(t, s, []byte("timed"))
	after := time.Now()
	found := false
	for got, err := range l.List(context.Background()) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if got.Key != ref.Key {
			continue
		}
		found = true
		if got.Size != ref.Size {
			t.Errorf("List size = %d, want %d", got.Size, ref.Size)
		}
		if got.ModTime.Before(before.Add(-slack)) || got.ModTime.After(after.Add(slack)) {
			t.Errorf("List ModTime = %v, want between %v and %v", got.ModTime, before, after)
		}
	}
	if !found {
		t.Fatalf("List did not yield %s", ref.Key)
	}
}

// testDeleteOlder checks the age-conditional delete that sweeps use.
func testDeleteOlder(t *testing.T, s blob.Store) {
	c, ok := s.(blob.Collector)
	if !ok {
		return
	}
	ctx := context.Background()
	content := []byte("maybe orphaned")
	ref := mustPut(t, s, content)
	tests := []struct {
		name   string
		key    string
		cutoff time.Time
		want   bool
	}{
		{"younger than the cutoff stays", ref.Key, time.Now().Add(-time.Hour), false},
		{"older than the cutoff goes", ref.Key, time.Now().Add(time.Hour), true},
		{"missing key is no error", ref.Key, time.Now().Add(time.Hour), false},
	}
	for _, tt := range tests {
		got, err := c.DeleteOlder(ctx, tt.key, tt.cutoff)
		if err != nil || got != tt.want {
			t.Fatalf("%s: DeleteOlder = %v, %v, want %v, nil", tt.name, got, err, tt.want)
		}
		if tt.name == "younger than the cutoff stays" {
			assertContent(t, s, ref.Key, content)
		}
	}
	assertAbsent(t, s, content)
	assertOnly(t, s)
	if _, err := c.DeleteOlder(ctx, "../etc/passwd", time.Now()); !errors.Is(err, blob.ErrInvalidKey) {
		t.Fatalf("DeleteOlder(bad key) err = %v, want ErrInvalidKey", err)
	}
}
