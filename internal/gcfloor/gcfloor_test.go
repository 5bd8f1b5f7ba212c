package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

const mib = 1 << 20

// The percentage puts the goal at the floor for a small live heap, and is
// the base once the live heap reaches the floor or the base already gets
// there.
func TestPercent(t *testing.T) {
	tests := []struct {
		name                        string
		base                        int
		floor, live, stack, globals uint64
		want                        int
	}{
		{"small heap reaches the floor", 100, 64 * mib, 7 * mib, 1 * mib, 0, 712}, // 7 + 8 × 7.12 ≈ 64
		{"stacks and globals count as the runtime counts them", 100, 64 * mib, 8 * mib, 4 * mib, 4 * mib, 350},
		{"live heap at the floor", 100, 64 * mib, 64 * mib, 1 * mib, 0, 100},
		{"live heap over the floor", 100, 64 * mib, 500 * mib, 40 * mib, 0, 100},
		{"base already reaches the floor", 400, 64 * mib, 20 * mib, 1 * mib, 0, 400},
		{"nearly empty heap is bounded", 100, 64 * mib, 1000, 0, 0, MaxPercent},
		{"nothing measured yet", 100, 64 * mib, 0, 0, 0, MaxPercent},
		{"high base stays", 20000, 64 * mib, 0, 0, 0, 20000},
	}
	for _, tt := range tests {
		if got := Percent(tt.base, tt.floor, tt.live, tt.stack, tt.globals); got != tt.want {
			t.Errorf("%s: Percent(%d, %d MiB, live %d, stack %d, globals %d) = %d, want %d",
				tt.name, tt.base, tt.floor/mib, tt.live, tt.stack, tt.globals, got, tt.want)
		}
	}
}

func runtimePercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// waitPercent collects until the runtime's percentage satisfies ok (the
// tuner notices a collection within pollEvery, so it is waited for).
func waitPercent(t *testing.T, what string, ok func(int) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		p := runtimePercent()
		if ok(p) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the runtime's GC percent is still %d", what, p)
		}
		time.Sleep(pollEvery / 2) // a deadline-bounded poll: the tuner looks every pollEvery
	}
}

// In a process whose live heap is far below the floor the tuner raises the
// runtime's percentage; once the live heap passes the floor it goes back
// to the base; after Stop it is left alone.
func TestTunerFollowsTheLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	const floor = 64 * mib
	tu := Start(100, floor)
	defer tu.Stop()

	waitPercent(t, "small live heap", func(p int) bool { return p > 100 })
	if tu.Percent() <= 100 {
		t.Errorf("the runtime's percentage rose, but the tuner says it set %d", tu.Percent())
	}

	big := make([]byte, 96*mib) // live, and more than the floor
	for i := range big {
		big[i] = byte(i)
	}
	waitPercent(t, "live heap over the floor", func(p int) bool { return p == 100 })
	runtime.KeepAlive(big)
	big = nil

	waitPercent(t, "live heap small again", func(p int) bool { return p > 100 })
	tu.Stop()
	debug.SetGCPercent(150)
	runtime.GC()
	runtime.GC()
	if p := runtimePercent(); p != 150 {
		t.Errorf("after Stop the tuner changed the percentage to %d", p)
	}
}

// A floor of 0 only sets the base.
func TestNoFloor(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tu := Start(250, 0)
	defer tu.Stop()
	runtime.GC()
	runtime.GC()
	if p := runtimePercent(); p != 250 {
		t.Fatalf("percent %d, want the base 250", p)
	}
}
