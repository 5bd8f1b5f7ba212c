package server

import (
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// rateLimiter keeps one token bucket per client key (API key id or IP). The
// LRU bounds memory when many addresses come and go.
type rateLimiter struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	cache *lru.Cache[string, *rate.Limiter]
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	c, _ := lru.New[string, *rate.Limiter](100_000)
	return &rateLimiter{rate: rate.Limit(perSecond), burst: burst, cache: c}
}

func (r *rateLimiter) get(key string) *rate.Limiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.cache.Get(key)
	if !ok {
		l = rate.NewLimiter(r.rate, r.burst)
		r.cache.Add(key, l)
	}
	return l
}

// Allow takes one token for key.
func (r *rateLimiter) Allow(key string) bool { return r.get(key).Allow() }

// Wait is how long until key has a token, without taking it
// (account.Limiter).
func (r *rateLimiter) Wait(key string) time.Duration {
	now := time.Now()
	res := r.get(key).ReserveN(now, 1)
	if !res.OK() {
		return time.Second
	}
	d := res.DelayFrom(now)
	res.CancelAt(now)
	return d
}

// take takes one token and reports what is left and when to retry.
func (r *rateLimiter) take(key string) (ok bool, remaining int, retryAfter time.Duration) {
	l := r.get(key)
	now := time.Now()
	res := l.ReserveN(now, 1)
	if !res.OK() {
		return false, 0, time.Second
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, 0, d
	}
	return true, int(l.TokensAt(now)), 0
}

// Take takes one token for key and reports when to retry if there was none
// (account.Limiter).
func (r *rateLimiter) Take(key string) (ok bool, retryAfter time.Duration) {
	ok, _, retryAfter = r.take(key)
	return ok, retryAfter
}
