package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/depot-registry/depot/blob"
)

func testRoundTrip(t *testing.T, s blob.Store) {
	ctx := context.Background()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name    string
		content []byte
	}{
		{"empty", []byte{}},
		{"text", []byte("hello, hex\n")},
		{"every byte value", all},
		{"just over a MiB", bytes.Repeat([]byte("0123456789abcdef"), 1<<16+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := s.Put(ctx, bytes.NewReader(tt.content))
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			want := blob.Ref{Key: blob.KeyOf(tt.content), Size: int64(len(tt.content))}
			if ref != want {
				t.Fatalf("Put = %+v, want %+v", ref, want)
			}
			assertContent(t, s, ref.Key, tt.content)
		})
	}
}

func testPutTwice(t *testing.T, s blob.Store) {
	ctx := context.Background()
	content := []byte("same bytes")
	first, err := s.Put(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatalf("first Put: %v", err)
	}
	second, err := s.Put(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatalf("second Put: %v", err)
	}
	if first != second {
		t.Fatalf("second Put = %+v, want %+v", second, first)
	}
	assertContent(t, s, first.Key, content)
	assertOnly(t, s, first.Key)
}

func testMissingKey(t *testing.T, s blob.Store) {
	ctx := context.Background()
	key := blob.KeyOf([]byte("never stored"))
	rc, _, err := s.Open(ctx, key)
	if !errors.Is(err, blob.ErrNotFound) {
		if rc != nil {
			rc.Close()
		}
		t.Fatalf("Open(missing) err = %v, want ErrNotFound", err)
	}
	ok, err := s.Exists(ctx, key)
	if err != nil || ok {
		t.Fatalf("Exists(missing) = %v, %v, want false, nil", ok, err)
	}
}

func testInvalidKey(t *testing.T, s blob.Store) {
	ctx := context.Background()
	good := blob.KeyOf([]byte("x"))
	for _, key := range []string{"", strings.ToUpper(good), "../../etc/passwd", good[:10] + "/" + good[11:]} {
		t.Run(key, func(t *testing.T) {
			if rc, _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
				if rc != nil {
					rc.Close()
				}
				t.Errorf("Open err = %v, want ErrInvalidKey", err)
			}
			if _, err := s.Exists(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Exists err = %v, want ErrInvalidKey", err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Delete err = %v, want ErrInvalidKey", err)
			}
		})
	}
}

func testDelete(t *testing.T, s blob.Store) {
	ctx := context.Background()
	keep := mustPut(t, s, []byte("keep me"))
	gone := mustPut(t, s, []byte("delete me"))
	for i := range 2 { // the second Delete proves idempotence
		if err := s.Delete(ctx, gone.Key); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if err := s.Delete(ctx, blob.KeyOf([]byte("never stored"))); err != nil {
		t.Fatalf("Delete(never stored): %v", err)
	}
	if ok, err := s.Exists(ctx, gone.Key); err != nil || ok {
		t.Fatalf("Exists(deleted) = %v, %v, want false, nil", ok, err)
	}
	if _, _, err := s.Open(ctx, gone.Key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open(deleted) err = %v, want ErrNotFound", err)
	}
	assertContent(t, s, keep.Key, []byte("keep me"))
	assertOnly(t, s, keep.Key)
}

func testConcurrentPuts(t *testing.T, s blob.Store) {
	ctx := context.Background()
	content := bytes.Repeat([]byte("concurrent "), 50_000)
	const n = 8
	refs := make([]blob.Ref, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// A slow, chunked reader widens the window in which the Puts overlap.
			refs[i], errs[i] = s.Put(ctx, &chunkReader{r: bytes.NewReader(content), chunk: 4096})
		})
	}
	wg.Wait()
	want := blob.Ref{Key: blob.KeyOf(content), Size: int64(len(content))}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Put #%d: %v", i, errs[i])
		}
		if refs[i] != want {
			t.Fatalf("Put #%d = %+v, want %+v", i, refs[i], want)
		}
	}
	assertContent(t, s, want.Key, content)
	assertOnly(t, s, want.Key)
}

// chunkReader hands out at most chunk bytes per Read.
type chunkReader struct {
	r     io.Reader
	chunk int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.chunk {
		p = p[:c.chunk]
	}
	return c.r.Read(p)
}
