package hexapi_test

import (
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
)

// The package answer and the search answer name the same latest versions,
// hexpm's (Release.latest_version): latest_version is the highest version
// even when it is a pre-release above the highest stable one,
// latest_stable_version the highest stable one (null when there is none),
// and the dependency snippets name the stable one when there is one.
func TestLatestVersionsAgree(t *testing.T) {
	w := newWorld(t)
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-rc.1"} {
		w.publish(pkgtest.Tarball(t, "latest_pre", v))
	}
	w.publish(pkgtest.Tarball(t, "latest_rc", "0.1.0-rc.1"))
	w.publish(pkgtest.Tarball(t, "latest_rc", "0.1.0-beta.1"))
	want := map[string]struct {
		latest string
		stable any
		mix    string
	}{
		"latest_pre": {"2.0.0-rc.1", "1.1.0", `{:latest_pre, "~> 1.1.0"}`},
		"latest_rc":  {"0.1.0-rc.1", nil, `{:latest_rc, "~> 0.1.0-rc.1"}`},
	}
	check := func(how string, p map[string]any) {
		t.Helper()
		name, _ := p["name"].(string)
		wt, ok := want[name]
		if !ok {
			t.Fatalf("%s: unexpected package %q", how, name)
		}
		if p["latest_version"] != wt.latest || p["latest_stable_version"] != wt.stable {
			t.Errorf("%s %s: latest_version %v, latest_stable_version %v; want %v, %v", how, name, p["latest_version"], p["latest_stable_version"], wt.latest, wt.stable)
		}
		if cfg, _ := p["configs"].(map[string]any); cfg["mix.exs"] != wt.mix {
			t.Errorf("%s %s: mix.exs snippet %v, want %s", how, name, cfg["mix.exs"], wt.mix)
		}
	}
	for name := range want {
		check("package", w.hc.call("r3_hex_api_package", "get", bin(name)).want(t, 200).m(t))
	}
	found := w.hc.call("r3_hex_api_package", "search", bin("latest"), `[{sort, <<"name">>}]`).want(t, 200).list(t)
	if len(found) != len(want) {
		t.Fatalf("search found %d packages, want %d", len(found), len(want))
	}
	for _, p := range found {
		check("search", p)
	}
}
