package loader_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depot-registry/depot/graph/loader"
)

func counting(calls *atomic.Int32, seen *[][]int, mu *sync.Mutex) loader.Fetch[int, string] {
	return func(_ context.Context, keys []int) (map[int]string, error) {
		calls.Add(1)
		mu.Lock()
		*seen = append(*seen, slices.Clone(keys))
		mu.Unlock()
		out := map[int]string{}
		for _, k := range keys {
			out[k] = string(rune('a' + k))
		}
		return out, nil
	}
}

// Primed keys are fetched in one call however late the loads come, and
// each key is fetched once per request.
func TestPrimedKeysFetchTogether(t *testing.T) {
	var (
		calls atomic.Int32
		seen  [][]int
		mu    sync.Mutex
	)
	l := loader.New(counting(&calls, &seen, &mu), time.Millisecond)
	l.Prime(1, 2, 3)
	ctx := context.Background()
	for _, k := range []int{3, 1} {
		if v, err := l.Load(ctx, k); err != nil || v != string(rune('a'+k)) {
			t.Fatalf("Load(%d) = %q, %v", k, v, err)
		}
		time.Sleep(5 * time.Millisecond) // later than the batching window
	}
	if v, _ := l.Load(ctx, 2); v != "c" {
		t.Fatalf("Load(2) = %q", v)
	}
	if calls.Load() != 1 || len(seen[0]) != 3 {
		t.Fatalf("%d fetches with keys %v; want one fetch of the 3 primed keys", calls.Load(), seen)
	}
}

// Unprimed loads arriving together share one fetch; an error reaches every
// caller of the batch.
func TestConcurrentLoadsBatchAndShareErrors(t *testing.T) {
	var calls atomic.Int32
	boom := errors.New("boom")
	l := loader.New(func(_ context.Context, keys []int) (map[int]string, error) {
		calls.Add(1)
		return nil, boom
	}, 20*time.Millisecond)
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = l.Load(context.Background(), i)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, boom) {
			t.Fatalf("load %d: %v, want the fetch error", i, err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("%d fetches for 10 concurrent loads, want 1", calls.Load())
	}
}

// Values set from another query are answered without a fetch (absent ones
// as the zero value), primed keys included; keys already fetched keep their
// own.
func TestSetAnswersWithoutFetching(t *testing.T) {
	var (
		calls atomic.Int32
		seen  [][]int
		mu    sync.Mutex
	)
	l := loader.New(counting(&calls, &seen, &mu), time.Millisecond)
	ctx := context.Background()
	if v, _ := l.Load(ctx, 1); v != "b" {
		t.Fatalf("Load(1) = %q", v)
	}
	l.Prime(4)
	l.Set([]int{1, 2, 3, 4}, map[int]string{1: "set", 2: "two", 4: "four"})
	for k, want := range map[int]string{1: "b", 2: "two", 3: "", 4: "four"} {
		if v, err := l.Load(ctx, k); err != nil || v != want {
			t.Fatalf("Load(%d) = %q, %v; want %q", k, v, err, want)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("%d fetches, want only the one before Set", calls.Load())
	}
}
