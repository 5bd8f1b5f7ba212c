// Package loader batches the per-item lookups of one GraphQL request into
// one query per field, so a list's cost in SQL statements does not grow with
// its length. gqlgen resolves the items of a list concurrently; a Loader
// collects the keys asked for within a short window and fetches them at once.
package loader

import (
	"context"
	"sync"
	"time"
)

// Fetch loads values for keys; missing keys get the zero value.
type Fetch[K comparable, V any] func(ctx context.Context, keys []K) (map[K]V, error)

// Loader batches and caches Load calls for one request.
type Loader[K comparable, V any] struct {
	fetch Fetch[K, V]
	wait  time.Duration

	mu    sync.Mutex
	batch *batch[K, V]
	cache map[K]*batch[K, V]
}

type batch[K comparable, V any] struct {
	keys []K
	done chan struct{}
	vals map[K]V
	err  error
}

// New returns a loader that waits up to wait for more keys before fetching.
func New[K comparable, V any](fetch Fetch[K, V], wait time.Duration) *Loader[K, V] {
	return &Loader[K, V]{fetch: fetch, wait: wait, cache: map[K]*batch[K, V]{}}
}

// Load returns the value for key, fetched together with the other keys
// asked for at about the same time.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	l.mu.Lock()
	b, ok := l.cache[key]
	if !ok {
		if l.batch == nil {
			l.batch = &batch[K, V]{done: make(chan struct{})}
			go l.run(ctx, l.batch)
		}
		b = l.batch
		b.keys = append(b.keys, key)
		l.cache[key] = b
	}
	l.mu.Unlock()
	select {
	case <-b.done:
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
	return b.vals[key], b.err
}

func (l *Loader[K, V]) run(ctx context.Context, b *batch[K, V]) {
	time.Sleep(l.wait)
	l.mu.Lock()
	l.batch = nil
	keys := b.keys
	l.mu.Unlock()
	b.vals, b.err = l.fetch(ctx, keys)
	close(b.done)
}
