package hexapi_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/internal/rebar3test"
)

// The whole round trip with clients nobody here wrote: hex_core publishes
// two packages through /api (one depending on the other), then the real
// rebar3 resolves, verifies and compiles them from /repo.
func TestPublishedWithHexCoreCompilesWithRebar3(t *testing.T) {
	rebar3test.Require(t)
	w := newWorld(t)
	w.publish(pkgtest.Tarball(t, "base_lib", "1.0.0"))
	w.publish(pkgtest.Tarball(t, "top_lib", "0.2.0", pkgtest.Dep{Name: "base_lib", Requirement: "~> 1.0"}))
	repo := rebar3test.Repo{Name: "depot", URL: w.env.URL + "/repo", PublicKey: w.env.Server.RepoKeys.PublicPEM}
	p := rebar3test.NewProject(t, "consumer", []rebar3test.Dep{{Name: "top_lib", Requirement: "~> 0.2"}}, repo)
	p.MustRun("compile")
	for _, app := range []string{"base_lib", "top_lib", "consumer"} {
		beam := filepath.Join(p.Dir, "_build", "default", "lib", app, "ebin", app+".beam")
		if _, err := os.Stat(beam); err != nil {
			t.Errorf("%s was not compiled: %v", app, err)
		}
	}
	if l := p.Lock()["top_lib"]; l.Version != "0.2.0" {
		t.Errorf("top_lib locked at %q", l.Version)
	}
}
