package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// A tarball published through GraphQL is listed with its checksums and
// downloads byte for byte, its SHA-256 equal to the reported outer checksum.
func TestPublishThroughGraphQLAndDownload(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	tar := pkgtest.Tarball(t, "jsonish", "1.2.0")
	var out struct {
		PublishRelease struct {
			Release struct{ Version, OuterChecksum, PackageName string }
		}
	}
	alice.Publish(tar, nil).MustOK(t).Decode(t, &out)
	sum := sha256.Sum256(tar)
	if got := out.PublishRelease.Release.OuterChecksum; got != hex.EncodeToString(sum[:]) {
		t.Fatalf("outer checksum %s, want sha256 of the upload %x", got, sum)
	}

	var q struct {
		Package struct {
			Name          string
			LatestRelease struct{ Version string }
			Versions      []struct {
				Version    string
				TarballURL string
			}
			Owners []struct {
				Level   string
				Account struct{ Username string }
			}
		}
	}
	env.Anonymous().Do(`{ package(name: "jsonish") { name latestRelease { version } versions { version tarballUrl }
	  owners { level account { ... on User { username } } } } }`, nil).MustOK(t).Decode(t, &q)
	if q.Package.LatestRelease.Version != "1.2.0" || len(q.Package.Versions) != 1 || q.Package.Owners[0].Account.Username != "alice" {
		t.Fatalf("unexpected package: %+v", q.Package)
	}

	resp := env.Anonymous().Get("/repo/tarballs/jsonish-1.2.0.tar", nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != string(tar) {
		t.Fatalf("download: status %d, %d bytes (want %d identical bytes)", resp.StatusCode, len(body), len(tar))
	}
	etag := resp.Header.Get("ETag")
	resp = env.Anonymous().Get("/repo/tarballs/jsonish-1.2.0.tar", http.Header{"If-None-Match": {etag}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional download: status %d, want 304", resp.StatusCode)
	}
}

// The latest release prefers a stable version over a higher pre-release;
// the version list does not: its first entry is the highest version, in the
// same request, whatever the page size.
func TestLatestReleaseAndVersionsOrder(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-rc.1"} {
		alice.Publish(pkgtest.Tarball(t, "ordered", v), nil).MustOK(t)
	}
	var q struct {
		Package struct {
			LatestRelease struct{ Version string }
			One, All      []struct{ Version string }
		}
	}
	env.Anonymous().Do(`{ package(name: "ordered") { latestRelease { version } one: versions(first: 1) { version } all: versions { version } } }`, nil).
		MustOK(t).Decode(t, &q)
	p := q.Package
	if p.LatestRelease.Version != "1.1.0" || len(p.One) != 1 || p.One[0].Version != "2.0.0-rc.1" ||
		len(p.All) != 3 || p.All[0].Version != "2.0.0-rc.1" || p.All[2].Version != "1.0.0" {
		t.Fatalf("latest %s, first version %+v, all %+v; want 1.1.0, 2.0.0-rc.1, newest first", p.LatestRelease.Version, p.One, p.All)
	}
}
