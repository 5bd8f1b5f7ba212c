package memory_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob"
	"github.com/depot-registry/depot/blob/blobtest"
	"github.com/depot-registry/depot/blob/memory"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return memory.New() })
}

// TestPutAgainRefreshesTime: storing known content again makes the blob
// young, as on disk, so an age-based sweep keeps it.
func TestPutAgainRefreshesTime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := memory.NewWithClock(func() time.Time { return now })
	ctx := context.Background()
	content := []byte("uploaded twice")
	ref, err := s.Put(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	cutoff := now.Add(-time.Hour)
	if _, err := s.Put(ctx, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	for got, err := range s.List(ctx) {
		if err != nil || !got.ModTime.Equal(now) {
			t.Fatalf("List = %+v, %v, want ModTime %v", got, err, now)
		}
	}
	if deleted, err := s.DeleteOlder(ctx, ref.Key, cutoff); err != nil || deleted {
		t.Fatalf("DeleteOlder = %v, %v, want false, nil", deleted, err)
	}
	now = now.Add(2 * time.Hour)
	if deleted, err := s.DeleteOlder(ctx, ref.Key, now.Add(-time.Hour)); err != nil || !deleted {
		t.Fatalf("DeleteOlder of an old blob = %v, %v, want true, nil", deleted, err)
	}
}
