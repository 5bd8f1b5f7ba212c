package rebar3test_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/internal/rebar3test"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// switchable serves h until it is stopped, then answers 503 like an
// upstream that is down.
type switchable struct {
	h    http.Handler
	down atomic.Bool
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	s.h.ServeHTTP(w, r)
}

// A second Depot plays the upstream ("hexpm"). rebar3, configured with the
// local Depot alone, compiles a project depending on a local package and an
// upstream-only one whose own dependency is also upstream only. With the
// upstream stopped the cached project still compiles (stale-if-error after
// revalidation time) while an uncached package fails with a clear error.
func TestRebar3MirrorsUpstream(t *testing.T) {
	rebar3test.Require(t)
	up := servertest.New(t, func(c *server.Config) { c.PublicRepository = "hexpm" })
	upAlice := up.SignUp("upalice")
	upAlice.Publish(erlPackage(t, "up_base", "1.0.0"), nil).MustOK(t)
	upAlice.Publish(erlPackage(t, "up_lib", "1.0.0", dep{"up_base", "~> 1.0", ""}), nil).MustOK(t)
	upAlice.Publish(erlPackage(t, "up_other", "1.0.0"), nil).MustOK(t)
	sw := &switchable{h: up.Server.Handler()}
	upSrv := httptest.NewServer(sw)
	t.Cleanup(upSrv.Close)

	local := servertest.New(t, func(c *server.Config) {
		c.Upstreams = []config.Upstream{{Name: "hexpm", URL: upSrv.URL + "/repo", PublicKey: up.Server.RepoKeys.PublicPEM}}
	})
	d := &depot{t: t, env: local, front: rebar3test.NewFront(t, local.Server.Handler()), alice: local.SignUp("alice")}
	d.publish(erlPackage(t, "loc_lib", "1.0.0"), nil)

	p := rebar3test.NewProject(t, "scratch", []rebar3test.Dep{
		{Name: "loc_lib", Requirement: "~> 1.0"}, {Name: "up_lib", Requirement: "~> 1.0"},
	}, d.public())
	out := p.MustRun("compile")
	t.Log(out)
	wantBuilt(t, p, "loc_lib", "up_lib", "up_base", "scratch")
	lock := p.Lock()
	upOuter := func(name string) string {
		var o struct {
			Release struct{ OuterChecksum string }
		}
		upAlice.Do(`query($p: String!) { release(package: $p, version: "1.0.0") { outerChecksum } }`, map[string]any{"p": name}).MustOK(t).Decode(t, &o)
		return o.Release.OuterChecksum
	}
	for _, name := range []string{"up_lib", "up_base"} {
		if got, want := lock[name].Outer, upOuter(name); got != want || want == "" {
			t.Errorf("%s locked with outer checksum %q, upstream publishes %q", name, got, want)
		}
	}
	st := &local.Server.Mirror.Stats
	if st.Misses.Load() < 4 { // two packages, two tarballs
		t.Errorf("mirror misses %d, want at least 4", st.Misses.Load())
	}

	// Past the revalidation age the packages are revalidated by ETag.
	local.Clock.Advance(time.Hour)
	p.RemoveBuild()
	p.RemoveCache()
	p.MustRun("compile")
	wantBuilt(t, p, "up_lib", "up_base")
	if st.Revalidations.Load() < 2 {
		t.Errorf("revalidations %d, want at least 2", st.Revalidations.Load())
	}

	// Upstream stopped, cache stale: still resolves and compiles.
	sw.down.Store(true)
	local.Clock.Advance(time.Hour)
	errorsBefore := st.UpstreamErrors.Load()
	p.RemoveBuild()
	p.RemoveCache()
	p.RemoveLock()
	p.MustRun("compile")
	wantBuilt(t, p, "loc_lib", "up_lib", "up_base")
	if st.UpstreamErrors.Load() <= errorsBefore {
		t.Errorf("upstream errors not counted while it was down")
	}

	// An uncached package cannot be had while the upstream is down.
	q := rebar3test.NewProject(t, "scratch2", []rebar3test.Dep{{Name: "up_other", Requirement: "~> 1.0"}}, d.public())
	out, err := q.Run("compile")
	if err == nil {
		t.Fatalf("an uncached upstream package compiled with the upstream down:\n%s", out)
	}
	if !strings.Contains(out, "up_other") {
		t.Errorf("rebar3's failure does not name the package:\n%s", out)
	}
	resp := local.Anonymous().Get("/repo/packages/up_other", nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "upstream unavailable") {
		t.Errorf("uncached package with the upstream down: %d %q, want 502 upstream unavailable", resp.StatusCode, body)
	}

	m := local.Anonymous().Get("/metrics", nil)
	mb, _ := io.ReadAll(m.Body)
	m.Body.Close()
	for _, name := range []string{"depot_mirror_hits_total", "depot_mirror_misses_total", "depot_mirror_revalidations_total", "depot_mirror_upstream_errors_total"} {
		if !strings.Contains(string(mb), name+" ") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}
