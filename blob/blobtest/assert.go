package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/depot-registry/depot/blob"
)

func mustPut(t *testing.T, s blob.Store, content []byte) blob.Ref {
	t.Helper()
	ref, err := s.Put(context.Background(), bytes.NewReader(content))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return ref
}

// assertContent checks that key exists and reads back as want, byte for byte.
func assertContent(t *testing.T, s blob.Store, key string, want []byte) {
	t.Helper()
	ctx := context.Background()
	ok, err := s.Exists(ctx, key)
	if err != nil || !ok {
		t.Fatalf("Exists(%s) = %v, %v, want true, nil", key, ok, err)
	}
	rc, size, err := s.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open(%s): %v", key, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	if size != int64(len(want)) {
		t.Errorf("Open(%s) size = %d, want %d", key, size, len(want))
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Open(%s) read %d bytes that differ from the %d stored", key, len(got), len(want))
	}
}

// assertAbsent checks that neither content nor anything claiming its key
// is visible.
func assertAbsent(t *testing.T, s blob.Store, content []byte) {
	t.Helper()
	ctx := context.Background()
	key := blob.KeyOf(content)
	if ok, err := s.Exists(ctx, key); err != nil || ok {
		t.Fatalf("Exists(%s) = %v, %v, want false, nil", key, ok, err)
	}
	if _, _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open(%s) err = %v, want ErrNotFound", key, err)
	}
}

// assertOnly checks, when the store can list, that exactly the given keys
// are stored: no temp file, partial upload or duplicate shows up as a blob.
func assertOnly(t *testing.T, s blob.Store, keys ...string) {
	t.Helper()
	l, ok := s.(blob.Lister)
	if !ok {
		return
	}
	var got []string
	for ref, err := range l.List(context.Background()) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if !blob.ValidKey(ref.Key) {
			t.Errorf("List yielded invalid key %q", ref.Key)
		}
		got = append(got, ref.Key)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(got, want) {
		t.Fatalf("List = %v, want %v", got, want)
	}
}
