package registry_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkCountDownload is the cost a tarball response pays: one
// in-memory increment keyed by release and UTC day.
//
//	go test -run '^$' -bench 'CountDownload|FlushDownloads' ./registry/
func BenchmarkCountDownload(b *testing.B) {
	fx := newFixture(b)
	for b.Loop() {
		fx.svc.CountDownload(1)
	}
}

// BenchmarkFlushDownloads flushes the counts of 1,000 releases over two
// days (2,000 day rows upserted, 1,000 release and 1 package totals) in one
// transaction.
func BenchmarkFlushDownloads(b *testing.B) {
	fx := newFixture(b)
	alice := fx.user("alice")
	var ids []int
	for i := range 1000 {
		ids = append(ids, fx.publish(as(alice), "", pkgSpec{name: "flushed", version: fmt.Sprintf("1.0.%d", i)}).ID)
	}
	for b.Loop() {
		for _, d := range []time.Duration{0, 24 * time.Hour} {
			fx.clock.set(d)
			for _, id := range ids {
				fx.svc.CountDownload(id)
			}
		}
		if err := fx.svc.FlushDownloads(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
