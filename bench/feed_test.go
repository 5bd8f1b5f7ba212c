package bench

import (
	"context"
	"testing"
	"time"

	"github.com/depot-registry/depot/server/servertest"
)

// Every published event reaches every websocket subscriber, in order, and
// the tool's own account setup (signUp, createApiKey) and publish work.
func TestFeedDeliversEveryEvent(t *testing.T) {
	env := servertest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Feed(ctx, FeedConfig{
		URLs: []string{env.URL}, N: 20, Events: 3,
		Interval: 20 * time.Millisecond, Wait: 10 * time.Second, Settle: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Subscribed != 20 || res.ConnErrors != 0 {
		t.Fatalf("subscribed %d of 20, %d connection errors: %v", res.Subscribed, res.ConnErrors, res.Errors)
	}
	if res.Delivered != res.Expected || res.Expected != 60 || res.InOrder != 20 || res.Duplicates != 0 {
		t.Fatalf("delivered %d/%d, in order %d/20, duplicates %d", res.Delivered, res.Expected, res.InOrder, res.Duplicates)
	}
	if res.Idle.Subscriptions-res.Before.Subscriptions != 20 {
		t.Fatalf("depot_subscriptions_active grew by %v, want 20", res.Idle.Subscriptions-res.Before.Subscriptions)
	}
}
