package hexapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/pkgtest"
)

// The package answer carries hexpm's downloads object (all, recent, week,
// day in whole UTC days up to yesterday), as mix hex.info and hex.search
// read it; the release answer carries its total, as hexpm's does.
func TestPackageDownloadsObject(t *testing.T) {
	w := newWorld(t)
	w.publish(pkgtest.Tarball(t, "dl", "1.0.0"))
	w.publish(pkgtest.Tarball(t, "dl", "1.1.0"))
	day := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	w.env.Clock.Set(day.Add(13 * time.Hour))
	anon := w.env.Anonymous()
	w.env.Download(anon, "/repo/tarballs/dl-1.0.0.tar", 3) // Jan 15: 3
	w.env.Clock.Set(day.AddDate(0, 0, 1).Add(24*time.Hour - time.Millisecond))
	w.env.Download(anon, "/repo/tarballs/dl-1.1.0.tar", 2) // Jan 16: 3
	w.env.Download(anon, "/repo/tarballs/dl-1.0.0.tar", 1)
	w.env.Clock.Set(day.AddDate(0, 0, 2).Add(8 * time.Hour))
	w.env.Download(anon, "/repo/tarballs/dl-1.0.0.tar", 1) // Jan 17 (today): 1

	want := "map[all:7 day:3 recent:6 week:6]"
	got := w.hc.call("r3_hex_api_package", "get", bin("dl")).want(t, 200).m(t)
	if s := fmt.Sprint(got["downloads"]); s != want {
		t.Errorf("package downloads = %s, want %s", s, want)
	}
	found := w.hc.call("r3_hex_api_package", "search", bin("dl"), "[]").want(t, 200).list(t)
	if len(found) != 1 || fmt.Sprint(found[0]["downloads"]) != want {
		t.Errorf("search downloads = %v, want one package with %s", found, want)
	}
	for v, n := range map[string]string{"1.0.0": "5", "1.1.0": "2"} {
		rel := w.hc.call("r3_hex_api_release", "get", bin("dl"), bin(v)).want(t, 200).m(t)
		if s := fmt.Sprint(rel["downloads"]); s != n {
			t.Errorf("release %s downloads = %s, want %s", v, s, n)
		}
	}
}

// A private package's downloads answer only to its organization's members:
// anyone else gets hexpm's 404, as for the package itself.
func TestPrivatePackageDownloads(t *testing.T) {
	w := newWorld(t)
	w.paidOrg("acme")
	w.hc.in("acme").call("r3_hex_api_release", "publish", bin(string(pkgtest.Tarball(t, "secret", "1.0.0")))).want(t, 201)
	w.env.Download(w.alice.WithKey("api:read"), "/repo/repos/acme/tarballs/secret-1.0.0.tar", 1)
	w.env.Clock.Advance(24 * time.Hour)
	got := w.hc.in("acme").call("r3_hex_api_package", "get", bin("secret")).want(t, 200).m(t)
	if s := fmt.Sprint(got["downloads"]); s != "map[all:1 day:1 recent:1 week:1]" {
		t.Errorf("member sees downloads %s", s)
	}
	w.bobHC.in("acme").call("r3_hex_api_package", "get", bin("secret")).want(t, 404)
	w.bobHC.in("acme").call("r3_hex_api_release", "get", bin("secret"), bin("1.0.0")).want(t, 404)
}
