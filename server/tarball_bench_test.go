package server_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob/s3/s3test"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// BenchmarkTarballDownload measures full tarball GETs through Depot (the
// download is counted) with the blobs in the data folder and in an S3
// bucket (SeaweedFS on loopback), streamed through Depot or redirected to a
// presigned URL that the client follows. BENCHMARKS.md has the numbers.
//
//	go test -run '^$' -bench TarballDownload -benchtime 3s ./server/
func BenchmarkTarballDownload(b *testing.B) {
	stores := []struct {
		name string
		opt  func(b *testing.B) servertest.Option
	}{
		{"local", func(*testing.B) servertest.Option { return func(*server.Config) {} }},
		{"s3", func(b *testing.B) servertest.Option {
			srv := s3test.Start(b)
			u := srv.BlobURL(srv.NewBucket(b), "depot")
			return func(c *server.Config) { c.BlobURL = u }
		}},
		{"s3-redirect", func(b *testing.B) servertest.Option {
			srv := s3test.Start(b)
			u := srv.BlobURL(srv.NewBucket(b), "depot")
			return func(c *server.Config) { c.BlobURL, c.BlobRedirect = u, 5*time.Minute }
		}},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			env := servertest.New(b, st.opt(b))
			tarball := pkgtest.Tarball(b, "benched", "1.0.0")
			env.SignUp("alice").Publish(tarball, nil).MustOK(b)
			url := env.URL + "/repo/tarballs/benched-1.0.0.tar"
			b.SetBytes(int64(len(tarball)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := http.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
