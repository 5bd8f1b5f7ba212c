// Package readcache keeps whole answers to reads in memory, keyed by the
// request, by what the reader may see (the server keys anonymous visitors
// and signed-in viewers by their private repositories, and serves the
// latter only selections that depend on nothing else) and by the
// database's data generation (store.Generation).
//
// Correctness comes from the generation, not from timing: every committed
// write a reader could see moves the generation forward in the database
// (the store does it in the writing transaction), and every cached read
// first reads the generation (one primary-key lookup) and only uses answers
// stored under that same generation. An answer is stored under the
// generation read before it was computed, so it is never older than its
// generation: a write committed on any instance, or by `depot admin`, is
// visible to the very next read everywhere. A notification bus could only
// make that true eventually; the one-row read makes it true at once.
//
// Two things change answers without a write, and bound an entry's life
// instead: time (a release's revert window closes; resolvers report it with
// NotAfter) and counters written with store.CounterWrites (download counts,
// at most MaxAge late).
package readcache

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"
)

// entryOverhead approximates an entry's memory besides its data: the entry
// (key, slice, expiry: 80 B), its list element (48 B), its map slot with
// the key again (~64 B with the map's spare room).
const entryOverhead = 192

// Key identifies a request: a hash of everything its answer depends on.
type Key [sha256.Size]byte

// KeyOf hashes the parts of a request (each length-prefixed, so parts
// cannot run into each other).
func KeyOf(parts ...[]byte) Key {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		l := uint64(len(p))
		for i := range n {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:])
		h.Write(p)
	}
	var k Key
	h.Sum(k[:0])
	return k
}

// Cache is a byte-bounded LRU of answers of one generation: seeing a newer
// generation drops everything older at once.
type Cache struct {
	maxBytes int
	maxAge   time.Duration
	now      func() time.Time

	mu    sync.Mutex
	gen   int64
	items map[Key]*list.Element
	lru   list.List // of *entry; front = most recently used
	bytes int

	hits, misses atomic.Int64
}

type entry struct {
	key     Key
	data    []byte
	expires time.Time
}

// New returns a cache of at most maxBytes whose entries live at most maxAge.
func New(maxBytes int, maxAge time.Duration) *Cache {
	return &Cache{maxBytes: maxBytes, maxAge: maxAge, now: time.Now, items: map[Key]*list.Element{}}
}

// SetClock replaces the cache's clock (tests).
func (c *Cache) SetClock(now func() time.Time) { c.now = now }

// Get returns the answer stored for k under generation gen.
func (c *Cache) Get(gen int64, k Key) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance(gen)
	el, ok := c.items[k]
	if !ok || c.gen != gen {
		c.misses.Add(1)
		return nil, false
	}
	e := el.Value.(*entry)
	if !c.now().Before(e.expires) {
		c.remove(el)
		c.misses.Add(1)
		return nil, false
	}
	c.lru.MoveToFront(el)
	c.hits.Add(1)
	return e.data, true
}

// Put stores a copy of data, computed after generation gen was read, as the
// answer for k until notAfter (or MaxAge from now, whichever is sooner; zero
// notAfter: MaxAge). The copy is exact-sized: answers come out of growing
// buffers with up to twice their length in capacity, which the byte bound
// would not see.
func (c *Cache) Put(gen int64, k Key, data []byte, notAfter time.Time) {
	size := len(data) + entryOverhead
	if size > c.maxBytes/8 {
		return // one answer may not push out most of the others
	}
	now := c.now()
	expires := now.Add(c.maxAge)
	if !notAfter.IsZero() && notAfter.Before(expires) {
		expires = notAfter
	}
	if !now.Before(expires) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance(gen)
	if gen != c.gen {
		return // computed under an older generation: already stale
	}
	if el, ok := c.items[k]; ok {
		c.remove(el)
	}
	c.items[k] = c.lru.PushFront(&entry{key: k, data: bytes.Clone(data), expires: expires})
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
	}
}

// advance drops every entry when gen is newer than the cached generation.
func (c *Cache) advance(gen int64) {
	if gen <= c.gen {
		return
	}
	c.gen = gen
	clear(c.items)
	c.lru.Init()
	c.bytes = 0
}

func (c *Cache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*entry)
	delete(c.items, e.key)
	c.bytes -= len(e.data) + entryOverhead
}

// Stats are the cache's counters since it was made.
type Stats struct {
	Hits, Misses int64
	Entries      int
	Bytes        int
}

// Stats returns the counters and the current size.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Entries: len(c.items), Bytes: c.bytes}
}

// Validity collects, while an answer is computed, the earliest time at
// which something in it changes by itself.
type Validity struct {
	mu    sync.Mutex
	until time.Time
}

type validityKey struct{}

// WithValidity returns a context whose resolvers report to v.
func WithValidity(ctx context.Context) (context.Context, *Validity) {
	v := &Validity{}
	return context.WithValue(ctx, validityKey{}, v), v
}

// NotAfter tells the cache (if one is computing this answer) that the
// answer is wrong from t on — say, a revert window closing at t.
func NotAfter(ctx context.Context, t time.Time) {
	v, ok := ctx.Value(validityKey{}).(*Validity)
	if !ok {
		return
	}
	v.mu.Lock()
	if v.until.IsZero() || t.Before(v.until) {
		v.until = t
	}
	v.mu.Unlock()
}

// Until is the earliest time reported (zero: none).
func (v *Validity) Until() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.until
}
