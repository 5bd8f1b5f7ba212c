package breach_test

import (
	"context"
	"errors"
	"testing"

	"github.com/depot-registry/depot/breach"
	"github.com/depot-registry/depot/breach/breachtest"
)

func TestMultiConformance(t *testing.T) {
	breachtest.Run(t, func(t *testing.T, breached []string) breach.Checker {
		// Split the passwords so each verdict needs the right checker to answer.
		mid := len(breached) / 2
		return breach.Multi(
			breach.NewList(breached[:mid]...),
			newHIBP(t, breachtest.NewServer(t, breached[mid:]...).URL),
		)
	})
}

var errDown = errors.New("hibp unreachable")

// fake answers with a fixed verdict and counts its calls.
type fake struct {
	breached bool
	err      error
	calls    int
}

func (f *fake) Breached(context.Context, string) (bool, error) {
	f.calls++
	return f.breached, f.err
}

func TestMulti(t *testing.T) {
	tests := []struct {
		name        string
		checkers    []*fake
		want        bool
		wantErr     bool
		wantIgnored int   // errors passed to OnError
		wantCalls   []int // per checker
	}{
		{"all clear", []*fake{{}, {}}, false, false, 0, []int{1, 1}},
		{"second says breached", []*fake{{}, {breached: true}}, true, false, 0, []int{1, 1}},
		{"first says breached, second not asked", []*fake{{breached: true}, {}}, true, false, 0, []int{1, 0}},
		{"remote down, offline clear", []*fake{{}, {err: errDown}}, false, false, 1, []int{1, 1}},
		{"remote down, offline breached", []*fake{{err: errDown}, {breached: true}}, true, false, 1, []int{1, 1}},
		{"all down", []*fake{{err: errDown}, {err: errDown}}, false, true, 0, []int{1, 1}},
		{"no checkers", nil, false, true, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkers := make([]breach.Checker, len(tt.checkers))
			for i, f := range tt.checkers {
				checkers[i] = f
			}
			m := breach.Multi(checkers...)
			var ignored []error
			m.OnError = func(_ context.Context, err error) { ignored = append(ignored, err) }

			got, err := m.Breached(context.Background(), "pw")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if tt.wantErr && len(tt.checkers) > 0 && !errors.Is(err, errDown) {
				t.Errorf("err = %v, want it to wrap %v", err, errDown)
			}
			if got != tt.want {
				t.Errorf("Breached = %v, want %v", got, tt.want)
			}
			if len(ignored) != tt.wantIgnored {
				t.Errorf("OnError got %v, want %d errors", ignored, tt.wantIgnored)
			}
			for i, f := range tt.checkers {
				if f.calls != tt.wantCalls[i] {
					t.Errorf("checker %d called %d times, want %d", i, f.calls, tt.wantCalls[i])
				}
			}
		})
	}
}

func TestMultiWithoutOnError(t *testing.T) {
	m := breach.Multi(breach.CheckerFunc(func(context.Context, string) (bool, error) {
		return false, errDown
	}), breach.NewList("pw"))
	got, err := m.Breached(context.Background(), "pw")
	if err != nil || !got {
		t.Fatalf("Breached = %v, %v, want true, nil", got, err)
	}
}
