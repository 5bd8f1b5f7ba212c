package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/memory"
)

// PutChecked stores what the check read when it passes, and nothing when it
// fails half-way.
func TestPutChecked(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("depot"), 100_000)
	bad := errors.New("not a tarball")
	tests := []struct {
		name      string
		check     func(io.Reader) error
		wantCheck error
	}{
		{"check reads everything and passes", func(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }, nil},
		{"check fails half-way", func(r io.Reader) error { _, _ = io.CopyN(io.Discard, r, 1000); return bad }, bad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := memory.New()
			ref, checkErr, storeErr := blob.PutChecked(ctx, s, bytes.NewReader(data), tt.check)
			if !errors.Is(checkErr, tt.wantCheck) || storeErr != nil {
				t.Fatalf("check error %v (want %v), store error %v", checkErr, tt.wantCheck, storeErr)
			}
			var n int
			for _, err := range s.List(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if tt.wantCheck != nil {
				if n != 0 {
					t.Fatalf("a failed check left %d blobs", n)
				}
				return
			}
			if n != 1 || ref.Key != blob.KeyOf(data) || ref.Size != int64(len(data)) {
				t.Fatalf("stored %d blobs, ref %+v; want the whole upload", n, ref)
			}
		})
	}
}
