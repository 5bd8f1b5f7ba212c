package server_test

import (
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// BenchmarkMirrorReads compares a cached mirrored package page and tarball
// with a local one (SQLite, upstream a second Depot on loopback, cache
// warm). BENCHMARKS.md has the numbers; cpu-µs/op is the process's CPU
// per request, client included.
//
//	go test -run '^$' -bench MirrorReads -benchtime 3s ./server/
func BenchmarkMirrorReads(b *testing.B) {
	up := newUpstreamDepot(b)
	local := servertest.New(b, up.config("hexpm", up.env.Server.RepoKeys.PublicPEM))
	local.SignUp("alice").Publish(pkgtest.Tarball(b, "loc_lib", "1.0.0"), nil).MustOK(b)
	for _, c := range []struct{ name, path string }{
		{"package/local", "/repo/packages/loc_lib"},
		{"package/mirrored", "/repo/packages/up_lib"},
		{"tarball/local", "/repo/tarballs/loc_lib-1.0.0.tar"},
		{"tarball/mirrored", "/repo/tarballs/up_lib-1.0.0.tar"},
	} {
		b.Run(c.name, func(b *testing.B) {
			url := local.URL + c.path
			fetch := func() error {
				resp, err := http.Get(url)
				if err != nil {
					return err
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("%s: status %d", c.path, resp.StatusCode)
				}
				return nil
			}
			if err := fetch(); err != nil { // warm the cache
				b.Fatal(err)
			}
			b.ResetTimer()
			cpu := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := fetch(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			// CPU per request (server and client in this process) holds
			// still on a loaded machine where req/s does not.
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
