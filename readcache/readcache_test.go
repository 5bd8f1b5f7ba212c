package readcache

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func TestGenerationsNeverMix(t *testing.T) {
	c := New(1<<20, time.Minute)
	k := KeyOf([]byte("q"), []byte("{}"))
	c.Put(5, k, []byte("five"), time.Time{})
	if d, ok := c.Get(5, k); !ok || string(d) != "five" {
		t.Fatalf("same generation: %q %v", d, ok)
	}
	if _, ok := c.Get(6, k); ok {
		t.Fatal("an answer of generation 5 served at generation 6")
	}
	// A slow request that read generation 5 finishes after 6 was seen: its
	// answer may be older than 6 and must not be kept.
	c.Put(5, k, []byte("late"), time.Time{})
	if _, ok := c.Get(6, k); ok {
		t.Fatal("an answer computed under generation 5 stored after 6 was seen")
	}
	if s := c.Stats(); s.Entries != 0 || s.Bytes != 0 {
		t.Fatalf("old generation left %+v", s)
	}
}

func TestKeysSeparateTheirParts(t *testing.T) {
	if KeyOf([]byte("ab"), []byte("c")) == KeyOf([]byte("a"), []byte("bc")) {
		t.Fatal("parts ran into each other")
	}
}

func TestLeastRecentlyUsedGoesFirst(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 1000)
	size := len(data) + entryOverhead
	c := New(10*size, time.Minute) // room for 10
	key := func(i int) Key { return KeyOf([]byte{byte(i)}) }
	for i := range 10 {
		c.Put(1, key(i), data, time.Time{})
	}
	c.Get(1, key(0)) // 0 is now the most recent; 1 the least
	c.Put(1, key(10), data, time.Time{})
	if _, ok := c.Get(1, key(1)); ok {
		t.Fatal("the least recently used entry survived")
	}
	for _, i := range []int{0, 2, 9, 10} {
		if _, ok := c.Get(1, key(i)); !ok {
			t.Fatalf("entry %d was evicted", i)
		}
	}
	if s := c.Stats(); s.Bytes > 10*size {
		t.Fatalf("%d bytes held, bound %d", s.Bytes, 10*size)
	}
	c.Put(1, key(99), make([]byte, 2*size), time.Time{})
	if _, ok := c.Get(1, key(99)); ok {
		t.Fatal("an answer over an eighth of the cache was kept")
	}
}

func TestEntriesExpire(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(1<<20, time.Minute)
	c.SetClock(func() time.Time { return now })
	a, b := KeyOf([]byte("a")), KeyOf([]byte("b"))
	c.Put(1, a, []byte("a"), time.Time{})
	c.Put(1, b, []byte("b"), now.Add(10*time.Second)) // changes at +10 s
	now = now.Add(10 * time.Second)
	if _, ok := c.Get(1, b); ok {
		t.Fatal("served past its NotAfter")
	}
	if _, ok := c.Get(1, a); !ok {
		t.Fatal("expired before the max age")
	}
	now = now.Add(50 * time.Second)
	if _, ok := c.Get(1, a); ok {
		t.Fatal("served past the max age")
	}
}

func TestValidityKeepsTheEarliest(t *testing.T) {
	ctx, v := WithValidity(context.Background())
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	NotAfter(ctx, t0.Add(time.Hour))
	NotAfter(ctx, t0)
	NotAfter(ctx, t0.Add(time.Minute))
	NotAfter(context.Background(), t0.Add(-time.Hour)) // no cache computing: ignored
	if !v.Until().Equal(t0) {
		t.Fatalf("until %v, want %v", v.Until(), t0)
	}
}
