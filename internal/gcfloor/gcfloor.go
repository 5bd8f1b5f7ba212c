// Package gcfloor gives the garbage collector a floor: the heap may grow to
// at least a given size before a collection, whatever little of it is live.
//
// Go's collector runs when the heap has grown GOGC percent over what the
// last collection left live (plus the stacks and globals it scanned). On a
// server whose live heap is small, that is very often: `depot serve` under
// search load keeps about 7 MiB live and allocates about 240 kB per
// request, so at 100 percent it collected about every 30 requests, and
// each collection scans every goroutine's stack whatever the heap's size.
// A floor keeps such a server from collecting until the heap reaches it,
// while a large live heap (tens of thousands of live-feed subscribers)
// keeps the base percentage, so memory per live object does not change
// where it matters.
//
// The runtime has no such setting (GOMEMLIMIT is a ceiling), so after each
// collection the percentage is set anew from what that collection found:
// the smallest one that puts the next goal at the floor, and never less
// than the base.
package gcfloor

import (
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// The runtime's inputs to its heap goal (Go 1.21 and later): goal = live
// heap + (live heap + scanned stacks + scanned globals) × GOGC / 100.
var inputs = [...]string{"/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes"}

// MaxPercent bounds the percentage a nearly empty heap would ask for; it
// is also the highest DEPOT_GC_PERCENT accepts (config asks it).
const MaxPercent = 10000

// Percent is the GOGC that puts the heap goal at floor bytes for a
// collection that found live heap bytes and scanned stack and globals
// bytes, and never less than base. A live heap at or above the floor gets
// base.
func Percent(base int, floor, live, stack, globals uint64) int {
	if live >= floor {
		return base
	}
	scan := live + stack + globals
	if scan == 0 {
		return max(base, MaxPercent)
	}
	p := (floor - live) * 100 / scan
	if p >= MaxPercent {
		return max(base, MaxPercent)
	}
	return max(base, int(p))
}

// pollEvery is how often the tuner looks for a finished collection. A
// collection ends with the runtime's goal computed from the percentage
// set for the previous one; until the tuner sets the new one, the heap
// grows at most by what the server allocates in this time (about 6 MB at
// 1,000 uncached searches a second).
const pollEvery = 25 * time.Millisecond

// Tuner keeps the floor until Stop.
type Tuner struct {
	base    int
	floor   uint64
	percent atomic.Int64 // the percentage set last
	stop    chan struct{}
	done    chan struct{}
}

// Start sets the base percentage now and, after every collection, the
// percentage that keeps the heap goal at floor bytes or more. A floor of 0
// sets the base percentage and nothing else.
//
// It watches the runtime's count of collections rather than using a
// finalizer: an object allocated while a collection marks survives it, so
// a finalizer would miss collections that follow each other closely (a
// burst of work), and the percentage set for a small live heap would then
// pace a large one.
func Start(base int, floor uint64) *Tuner {
	t := &Tuner{base: base, floor: floor, stop: make(chan struct{}), done: make(chan struct{})}
	t.set(base)
	if floor == 0 {
		close(t.done)
		return t
	}
	go t.run()
	return t
}

// Percent is the percentage the tuner set last.
func (t *Tuner) Percent() int { return int(t.percent.Load()) }

// Stop ends the tuning; the percentage set last stays.
func (t *Tuner) Stop() {
	select {
	case <-t.stop:
	default:
		close(t.stop)
	}
	<-t.done
}

// set changes the percentage when it moved by more than a sixteenth (or
// to or from the base): the live heap wobbles from one collection to the
// next, and the goal need not follow it exactly.
func (t *Tuner) set(p int) {
	cur := int(t.percent.Load())
	if d := p - cur; p != cur && (p == t.base || cur == t.base || d*16 > cur || -d*16 > cur) {
		debug.SetGCPercent(p)
		t.percent.Store(int64(p))
	}
}

func (t *Tuner) run() {
	defer close(t.done)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var samples [len(inputs) + 1]metrics.Sample
	for i, name := range inputs {
		samples[i].Name = name
	}
	samples[len(inputs)].Name = "/gc/cycles/total:gc-cycles"
	var seen uint64
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
		metrics.Read(samples[:])
		var vals [len(samples)]uint64
		for i, s := range samples {
			if s.Value.Kind() == metrics.KindUint64 {
				vals[i] = s.Value.Uint64()
			}
		}
		if cycles := vals[len(inputs)]; cycles != seen {
			seen = cycles
			t.set(Percent(t.base, t.floor, vals[0], vals[1], vals[2]))
		}
	}
}
