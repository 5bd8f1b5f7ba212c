package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReadTop(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		top     int
		want    []string
		wantErr bool
	}{
		{"keeps the most common, sorted", "zeta 90\nalpha 80\nmid 70\nrare 1\n", 3, []string{"alpha", "mid", "zeta"}, false},
		{"too few entries", "one 1\n", 2, nil, true},
		{"malformed line", "one 1\ntwo\n", 2, nil, true},
		{"duplicates", "same 2\nsame 1\n", 2, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "passwords.txt")
			if err := os.WriteFile(path, []byte(tt.src), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := readTop(path, tt.top)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("readTop = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCompressIsReproducible guards `go generate` producing a diff when
// nothing changed.
func TestCompressIsReproducible(t *testing.T) {
	words := []string{"123456", "password", "qwerty"}
	a, err := compress(words)
	if err != nil {
		t.Fatal(err)
	}
	b, err := compress(words)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two compressions of the same list differ")
	}
	zr, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if want := "123456\npassword\nqwerty\n"; string(plain) != want {
		t.Errorf("decompressed %q, want %q", plain, want)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("gzip header has time %v and name %q, want neither", zr.ModTime, zr.Name)
	}
}
