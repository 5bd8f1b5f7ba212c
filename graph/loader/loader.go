// Package loader batches the per-item lookups of one GraphQL request into
// one query per field, so a list's cost in SQL statements does not grow with
// its length.
//
// gqlgen resolves the items of a list concurrently; a Loader gathers the keys
// asked for and fetches them at once. Waiting a moment for more keys alone is
// timing-dependent (a busy machine spreads the items' resolvers out), so a
// list resolver also Primes the loaders with the keys its items will ask for:
// the first Load then fetches every primed key in one query at once,
// however late the others arrive (keys nobody primed still get the short
// wait). Priming costs nothing if no item ever asks.
package loader

import (
	"context"
	"slices"
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
	batch *batch[K, V] // collecting keys, not yet fetching
	cache map[K]*batch[K, V]
}

type batch[K comparable, V any] struct {
	keys    []K
	started bool
	// primed batches know their keys already: they fetch at the first Load
	// without waiting for more.
	primed bool
	done   chan struct{}
	vals   map[K]V
	err    error
}

// New returns a loader that waits up to wait for more keys before fetching.
func New[K comparable, V any](fetch Fetch[K, V], wait time.Duration) *Loader[K, V] {
	return &Loader[K, V]{fetch: fetch, wait: wait, cache: map[K]*batch[K, V]{}}
}

// add puts key in the collecting batch; l.mu must be held.
func (l *Loader[K, V]) add(key K) *batch[K, V] {
	if b, ok := l.cache[key]; ok {
		return b
	}
	if l.batch == nil {
		l.batch = &batch[K, V]{done: make(chan struct{})}
	}
	l.batch.keys = append(l.batch.keys, key)
	l.cache[key] = l.batch
	return l.batch
}

// Prime announces keys that are about to be loaded, so that they are
// fetched together with the first Load. It fetches nothing by itself.
func (l *Loader[K, V]) Prime(keys ...K) {
	l.mu.Lock()
	for _, k := range keys {
		l.add(k).primed = true
	}
	l.mu.Unlock()
}

// Load returns the value for key, fetched together with the other keys
// asked for (or primed) at about the same time.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	l.mu.Lock()
	b := l.add(key)
	if !b.started {
		b.started = true
		go l.run(ctx, b)
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
	l.mu.Lock()
	primed := b.primed
	l.mu.Unlock()
	if !primed {
		time.Sleep(l.wait)
	}
	l.mu.Lock()
	if l.batch == b {
		l.batch = nil
	}
	keys := b.keys
	l.mu.Unlock()
	b.vals, b.err = l.fetch(ctx, keys)
	close(b.done)
}

// Set fills the cache with values fetched by some other query: keys get
// their value in vals (or the zero value). Keys only primed or waiting in
// the collecting batch are taken out of it (nobody fetches them now); keys
// already being fetched or fetched keep what they have.
func (l *Loader[K, V]) Set(keys []K, vals map[K]V) {
	b := &batch[K, V]{started: true, done: make(chan struct{}), vals: vals}
	close(b.done)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		old, ok := l.cache[k]
		if ok && old.started {
			continue
		}
		if ok {
			old.keys = slices.DeleteFunc(old.keys, func(x K) bool { return x == k })
		}
		l.cache[k] = b
	}
}
