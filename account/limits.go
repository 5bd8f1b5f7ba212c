package account

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/user"
	"github.com/depot-registry/depot/viewer"
)

// Limiter is a budget of attempts per key (a token bucket in the server).
type Limiter interface {
	// Take takes one attempt from key's budget; when none is left it
	// reports how long until one is.
	Take(key string) (ok bool, retryAfter time.Duration)
	// Wait is how long until key's budget has an attempt (0: now),
	// without taking it.
	Wait(key string) time.Duration
}

// Limited is the cause of a RATE_LIMITED refusal: how long the client
// should wait. The HTTP front turns it into status 429 and Retry-After.
type Limited struct{ RetryAfter time.Duration }

func (l *Limited) Error() string { return "retry after " + l.RetryAfter.String() }

// Seconds is RetryAfter rounded up to whole seconds, at least 1.
func (l *Limited) Seconds() int {
	s := int((l.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

func limited(what string, d time.Duration) error {
	l := &Limited{RetryAfter: d}
	return &apperr.Error{Code: apperr.RateLimited, Err: l,
		Message: fmt.Sprintf("too many %s; retry in %d s", what, l.Seconds())}
}

// Sign-in backoff. Wrong passwords are counted per account and client
// together, so an attacker guessing from one address slows only himself:
// the owner signs in from their own address as usual. After
// signInFreeFailures failures the pair is locked for 1 s, and each further
// failure doubles the wait (2 s, 4 s, ... up to signInMaxDelay); attempts
// while locked are refused without checking the password.
// A success, or signInForget without failures, clears the count. The
// per-client budget of failures (Service.Limiter, key "signin-ip:") still
// bounds how many accounts one address can try.
const (
	signInFreeFailures = 5
	signInMaxDelay     = 15 * time.Minute
	signInForget       = time.Hour
)

type failures struct {
	n     int
	last  time.Time
	until time.Time
}

// backoff holds the failure counts; the LRU bounds memory under a spray of
// addresses and logins. The zero value is ready to use.
type backoff struct {
	mu    sync.Mutex
	cache *lru.Cache[string, *failures]
}

func (b *backoff) entry(key string, now time.Time, create bool) *failures {
	if b.cache == nil {
		b.cache, _ = lru.New[string, *failures](100_000)
	}
	f, ok := b.cache.Get(key)
	if ok && now.Sub(f.last) > signInForget && !now.Before(f.until) {
		b.cache.Remove(key)
		f, ok = nil, false
	}
	if !ok && create {
		f = &failures{}
		b.cache.Add(key, f)
	}
	return f
}

// attempt starts one sign-in attempt for key at now: it reports how long
// key is still locked, or else counts the attempt as a failure until
// reset says otherwise. Counting before the password is checked means
// parallel guesses cannot all slip in before the first failure is noted.
func (b *backoff) attempt(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f := b.entry(key, now, false); f != nil && now.Before(f.until) {
		return f.until.Sub(now)
	}
	f := b.entry(key, now, true)
	f.n++
	f.last = now
	if over := f.n - signInFreeFailures + 1; over > 0 {
		d := signInMaxDelay
		if over <= 20 {
			d = min(time.Duration(1<<(over-1))*time.Second, signInMaxDelay)
		}
		f.until = now.Add(d)
	}
	return 0
}

// reset forgets key's failures (a successful sign-in).
func (b *backoff) reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cache != nil {
		b.cache.Remove(key)
	}
}

// findLogin looks a login (username or email, any case) up; nil when no
// account has it.
func (s *Service) findLogin(ctx context.Context, login string) (*ent.User, error) {
	u, err := s.DB.User.Query().Where(user.Or(user.UsernameEQ(login), user.EmailEqualFold(login))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return u, err
}

// accountKey names the account a login resolves to, so a username and an
// email address of one account share their counters; unknown logins are
// counted by what was typed.
func accountKey(u *ent.User, login string) string {
	if u != nil {
		return "user:" + strconv.Itoa(u.ID)
	}
	return "login:" + login
}

// verifyLogin checks a login and password under the sign-in limits: the
// client's budget, then the (account, client) backoff. Unknown users and
// wrong passwords get the same answer.
func (s *Service) verifyLogin(ctx context.Context, login, password string) (*ent.User, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	ip := viewer.ClientFrom(ctx).IP
	// The client's budget is spent by failures only: a Hex client sending
	// its password with each request (HTTP Basic) is not slowed down.
	if s.Limiter != nil {
		if d := s.Limiter.Wait("signin-ip:" + ip); d > 0 {
			return nil, limited("sign-in attempts", d)
		}
	}
	u, err := s.findLogin(ctx, login)
	if err != nil {
		return nil, err
	}
	key := accountKey(u, login) + "|" + ip
	now := s.now()
	if d := s.signIns.attempt(key, now); d > 0 {
		return nil, limited("sign-in attempts", d)
	}
	ok := false
	if u == nil {
		// Spend the same time as a real check, so timing does not reveal
		// which usernames exist.
		_, _ = checkPassword(password, dummyHash(s.Hash))
	} else if ok, err = checkPassword(password, u.PasswordHash); err != nil {
		return nil, err
	}
	if !ok {
		if s.Limiter != nil {
			s.Limiter.Take("signin-ip:" + ip)
		}
		return nil, apperr.New(apperr.Unauthenticated, "invalid username or password")
	}
	s.signIns.reset(key)
	return u, nil
}

// limitReset spends one reset mail from the budget of the account (or the
// login typed, when there is no such account) and of the client. Both
// budgets are spent whether or not the account exists, so the answer does
// not tell which logins do.
func (s *Service) limitReset(ctx context.Context, u *ent.User, login string) error {
	if s.ResetLimiter == nil {
		return nil
	}
	if ok, d := s.ResetLimiter.Take("reset-ip:" + viewer.ClientFrom(ctx).IP); !ok {
		return limited("password reset requests", d)
	}
	if ok, d := s.ResetLimiter.Take("reset-" + accountKey(u, login)); !ok {
		return limited("password reset requests", d)
	}
	return nil
}
