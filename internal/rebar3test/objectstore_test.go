package rebar3test_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob/s3/s3test"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/internal/rebar3test"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// Two instances share one database and one bucket and nothing else: each
// has its own data folder. A package and its docs published through one are
// fetched by rebar3 and read through the other, and rebar3's rebuild gets
// 304s from the second instance too.
func TestTwoInstancesShareObjectStorage(t *testing.T) {
	rebar3test.Require(t)
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	blobURL := srv.BlobURL(bucket, "depot")
	onS3 := func(c *server.Config) { c.BlobURL = blobURL }
	dbURL := testdb.URL(t)
	a := servertest.NewOnDatabase(t, dbURL, onS3)
	b := servertest.NewOnDatabase(t, dbURL, onS3)
	if a.Server.Config.DataDir == b.Server.Config.DataDir {
		t.Fatal("the instances share a data folder")
	}

	alice := a.SignUp("alice")
	alice.Publish(erlPackage(t, "alpha_lib", "1.0.0"), nil).MustOK(t)
	page := "<html><body>alpha_lib manual</body></html>"
	alice.Upload(`mutation($t: Upload!) { publishDocs(input: {package: "alpha_lib", version: "1.0.0", tarball: $t}) { release { hasDocs } } }`,
		nil, "t", pkgtest.Docs(t, map[string]string{"index.html": page})).MustOK(t)

	front := rebar3test.NewFront(t, b.Server.Handler())
	repo := rebar3test.Repo{Name: "depot", URL: front.URL + "/repo", PublicKey: b.Server.RepoKeys.PublicPEM}
	p := rebar3test.NewProject(t, "scratch", []rebar3test.Dep{{Name: "alpha_lib", Requirement: "~> 1.0"}}, repo)
	p.MustRun("compile")
	wantBuilt(t, p, "alpha_lib", "scratch")
	if n := front.Count("/repo/tarballs/", http.StatusOK); n != 1 {
		t.Errorf("%d tarball downloads from the second instance, want 1; requests: %+v", n, front.Requests("/"))
	}
	p.RemoveBuild()
	front.Reset()
	p.MustRun("compile")
	if n := front.Count("/repo/tarballs/", http.StatusNotModified); n != 1 {
		t.Errorf("%d tarball 304s on rebuild, want 1; requests: %+v", n, front.Requests("/"))
	}

	resp := b.Anonymous().Get("/docs/alpha_lib/1.0.0/", nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != page {
		t.Fatalf("docs through the second instance: %d %q", resp.StatusCode, body)
	}

	// The blobs are in the bucket, not in either data folder.
	n := 0
	for _, err := range srv.Store(t, bucket, "depot").List(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d blobs in the bucket, want 2 (tarball and docs)", n)
	}
	for name, env := range map[string]*servertest.Env{"A": a, "B": b} {
		if _, err := os.Stat(filepath.Join(env.Server.Config.DataDir, "blobs")); !os.IsNotExist(err) {
			t.Errorf("instance %s has a blobs folder (err %v)", name, err)
		}
	}
}

// With DEPOT_BLOB_REDIRECT rebar3 is sent to a presigned URL of the bucket
// for the tarball, follows it, and on a rebuild revalidates with Depot,
// which answers 304 without counting a second download.
func TestTarballRedirectToObjectStorage(t *testing.T) {
	rebar3test.Require(t)
	srv := s3test.Start(t)
	blobURL := srv.BlobURL(srv.NewBucket(t), "depot")
	env := servertest.New(t, func(c *server.Config) { c.BlobURL, c.BlobRedirect = blobURL, 5*time.Minute })
	env.SignUp("alice").Publish(erlPackage(t, "alpha_lib", "1.0.0"), nil).MustOK(t)

	front := rebar3test.NewFront(t, env.Server.Handler())
	repo := rebar3test.Repo{Name: "depot", URL: front.URL + "/repo", PublicKey: env.Server.RepoKeys.PublicPEM}
	p := rebar3test.NewProject(t, "scratch", []rebar3test.Dep{{Name: "alpha_lib", Requirement: "~> 1.0"}}, repo)
	p.MustRun("compile")
	wantBuilt(t, p, "alpha_lib", "scratch")
	if n := front.Count("/repo/tarballs/", http.StatusFound); n != 1 {
		t.Errorf("%d tarball redirects, want 1; requests: %+v", n, front.Requests("/"))
	}
	if n := front.Count("/repo/tarballs/", http.StatusOK); n != 0 {
		t.Errorf("%d tarballs streamed through Depot, want 0", n)
	}

	p.RemoveBuild()
	front.Reset()
	p.MustRun("compile")
	wantBuilt(t, p, "alpha_lib")
	if n := front.Count("/repo/tarballs/", http.StatusNotModified); n != 1 {
		t.Errorf("%d tarball 304s on rebuild, want 1; requests: %+v", n, front.Requests("/"))
	}

	if err := env.Server.Registry.FlushDownloads(context.Background()); err != nil {
		t.Fatal(err)
	}
	var q struct {
		Release struct{ Downloads int }
	}
	env.Anonymous().Do(`{ release(package: "alpha_lib", version: "1.0.0") { downloads } }`, nil).MustOK(t).Decode(t, &q)
	if q.Release.Downloads != 1 {
		t.Errorf("downloads = %d, want 1 (the redirect counts, the 304 does not)", q.Release.Downloads)
	}
}
