package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/depot-registry/depot/blob"
)

func testCancelled(t *testing.T, s blob.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	stored := mustPut(t, s, []byte("stored before cancel"))
	cancel()
	tests := []struct {
		name string
		call func() error
	}{
		{"Put", func() error {
			_, err := s.Put(ctx, bytes.NewReader([]byte("after cancel")))
			return err
		}},
		{"Open", func() error {
			rc, _, err := s.Open(ctx, stored.Key)
			if rc != nil {
				rc.Close()
			}
			return err
		}},
		{"Exists", func() error {
			_, err := s.Exists(ctx, stored.Key)
			return err
		}},
		{"Delete", func() error { return s.Delete(ctx, stored.Key) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
		})
	}
	// The cancelled Delete must not have deleted, nor the cancelled Put stored.
	assertContent(t, s, stored.Key, []byte("stored before cancel"))
	assertOnly(t, s, stored.Key)
}

func testCancelledMidStream(t *testing.T, s blob.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	content := bytes.Repeat([]byte("z"), 1<<20)
	r := &hookReader{r: bytes.NewReader(content), after: 64 << 10, hook: cancel}
	if _, err := s.Put(ctx, &chunkReader{r: r, chunk: 4096}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put err = %v, want context.Canceled", err)
	}
	assertAbsent(t, s, content)
	assertOnly(t, s)
}

func testFailingReader(t *testing.T, s blob.Store) {
	boom := errors.New("connection reset by client")
	content := bytes.Repeat([]byte("partial upload "), 10_000)
	r := io.MultiReader(bytes.NewReader(content), &errReader{err: boom})
	if _, err := s.Put(context.Background(), r); !errors.Is(err, boom) {
		t.Fatalf("Put err = %v, want it to wrap %v", err, boom)
	}
	assertAbsent(t, s, content)
	assertOnly(t, s)
}

// testNoPartialBlob holds a Put half-way through its content and checks that
// nothing under the final key is visible until the Put returns.
func testNoPartialBlob(t *testing.T, s blob.Store) {
	ctx := context.Background()
	content := bytes.Repeat([]byte("visible all at once "), 20_000)
	half := len(content) / 2
	pr, pw := io.Pipe()
	type result struct {
		ref blob.Ref
		err error
	}
	done := make(chan result, 1)
	go func() {
		ref, err := s.Put(ctx, pr)
		done <- result{ref, err}
	}()
	if _, err := pw.Write(content[:half]); err != nil {
		t.Fatalf("write first half: %v", err)
	}
	// The store has consumed the first half (the pipe is unbuffered) and is
	// blocked waiting for more.
	assertAbsent(t, s, content)
	assertOnly(t, s)
	if _, err := pw.Write(content[half:]); err != nil {
		t.Fatalf("write second half: %v", err)
	}
	pw.Close()
	res := <-done
	if res.err != nil {
		t.Fatalf("Put: %v", res.err)
	}
	assertContent(t, s, res.ref.Key, content)
}

// hookReader calls hook once, after more than `after` bytes were read.
type hookReader struct {
	r     io.Reader
	n     int
	after int
	hook  func()
}

func (h *hookReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += n
	if h.hook != nil && h.n > h.after {
		h.hook()
		h.hook = nil
	}
	return n, err
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }
