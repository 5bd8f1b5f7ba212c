package rebar3test_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/depot-registry/depot/internal/rebar3test"
	"github.com/depot-registry/depot/server/servertest"
)

// depot is a running Depot server with a recording front for rebar3.
type depot struct {
	t     *testing.T
	env   *servertest.Env
	front *rebar3test.Front
	alice *servertest.Client
}

func newDepot(t *testing.T) *depot {
	t.Helper()
	rebar3test.Require(t)
	env := servertest.New(t)
	return &depot{t: t, env: env, front: rebar3test.NewFront(t, env.Server.Handler()), alice: env.SignUp("alice")}
}

// public is the rebar3 repos entry for the public repository.
func (d *depot) public() rebar3test.Repo {
	return rebar3test.Repo{Name: "depot", URL: d.front.URL + "/repo", PublicKey: d.env.Server.RepoKeys.PublicPEM}
}

func (d *depot) publish(tarball []byte, vars map[string]any) {
	d.t.Helper()
	d.alice.Publish(tarball, vars).MustOK(d.t)
}

// outer is the outer checksum the API reports for a release.
func (d *depot) outer(name, version, repository string) string {
	d.t.Helper()
	var out struct {
		Release struct{ OuterChecksum string }
	}
	vars := map[string]any{"p": name, "v": version}
	if repository != "" {
		vars["r"] = repository
	}
	d.alice.Do(`query($p: String!, $v: String!, $r: String) { release(package: $p, version: $v, repository: $r) { outerChecksum } }`, vars).
		MustOK(d.t).Decode(d.t, &out)
	if out.Release.OuterChecksum == "" {
		d.t.Fatalf("no outer checksum for %s %s", name, version)
	}
	return out.Release.OuterChecksum
}

func wantBuilt(t *testing.T, p *rebar3test.Project, apps ...string) {
	t.Helper()
	for _, app := range apps {
		beam := filepath.Join(p.Dir, "_build", "default", "lib", app, "ebin", app+".beam")
		if _, err := os.Stat(beam); err != nil {
			t.Errorf("%s was not compiled: %v", app, err)
		}
	}
}

// rebar3 resolves a dependency chain from Depot, verifies signatures and
// checksums, compiles it, locks the checksums Depot reports, and on a
// rebuild revalidates its cached tarballs with 304s.
func TestRebar3ResolvesAndCompiles(t *testing.T) {
	d := newDepot(t)
	d.publish(erlPackage(t, "alpha_lib", "1.0.0"), nil)
	d.publish(erlPackage(t, "alpha_lib", "1.1.0-rc.1"), nil)
	d.publish(erlPackage(t, "beta_lib", "1.0.0", dep{"alpha_lib", "~> 1.0", ""}), nil)
	p := rebar3test.NewProject(t, "scratch", []rebar3test.Dep{{Name: "beta_lib", Requirement: "~> 1.0"}}, d.public())

	p.MustRun("compile")
	wantBuilt(t, p, "alpha_lib", "beta_lib", "scratch")
	lock := p.Lock()
	for _, name := range []string{"alpha_lib", "beta_lib"} {
		l := lock[name]
		if l.Version != "1.0.0" {
			t.Errorf("%s locked at %q, want 1.0.0 (a stable release beats a pre-release)", name, l.Version)
		}
		if want := d.outer(name, "1.0.0", ""); l.Outer != want {
			t.Errorf("%s: rebar.lock outer checksum %s, Depot reports %s", name, l.Outer, want)
		}
	}
	if n := d.front.Count("/repo/packages/", http.StatusOK); n != 2 {
		t.Errorf("%d registry fetches, want 2 (one per package)", n)
	}

	// Rebuild from rebar3's cache: every tarball is revalidated, none sent again.
	p.RemoveBuild()
	d.front.Reset()
	p.MustRun("compile")
	wantBuilt(t, p, "alpha_lib", "beta_lib")
	if n := d.front.Count("/repo/tarballs/", http.StatusNotModified); n != 2 {
		t.Errorf("%d tarball 304s on rebuild, want 2; requests: %+v", n, d.front.Requests("/"))
	}
	if n := d.front.Count("/repo/tarballs/", http.StatusOK); n != 0 {
		t.Errorf("%d tarballs downloaded again on rebuild, want 0", n)
	}
}

// A retired release stays resolvable and rebar3 warns about it.
func TestRebar3ShowsRetirement(t *testing.T) {
	d := newDepot(t)
	d.publish(erlPackage(t, "alpha_lib", "1.0.0"), nil)
	d.alice.Do(`mutation { retireRelease(input: {package: "alpha_lib", version: "1.0.0", reason: SECURITY, message: "CVE-2026-0001 fixed in 1.0.1"}) { releases { version } } }`, nil).MustOK(t)
	p := rebar3test.NewProject(t, "scratch", []rebar3test.Dep{{Name: "alpha_lib", Requirement: "~> 1.0"}}, d.public())
	out := p.MustRun("compile")
	t.Log(out)
	wantBuilt(t, p, "alpha_lib")
	lower := strings.ToLower(out)
	if !strings.Contains(lower, "retired") || !strings.Contains(out, "CVE-2026-0001 fixed in 1.0.1") {
		t.Errorf("rebar3 did not report the retirement and its message:\n%s", out)
	}
}

// Altered tarball bytes are refused, whether they break the inner checksum
// (contents) or only the outer one (the whole file), and the next honest
// answer works.
func TestRebar3RefusesTamperedTarball(t *testing.T) {
	for _, c := range []struct {
		name  string
		where rebar3test.Where
	}{
		{"contents", rebar3test.Middle},
		{"tar padding, outer checksum only", rebar3test.VersionPadding},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newDepot(t)
			d.publish(erlPackage(t, "alpha_lib", "1.0.0"), nil)
			p := rebar3test.NewProject(t, "scratch", []rebar3test.Dep{{Name: "alpha_lib", Requirement: "~> 1.0"}}, d.public())
			d.front.Tamper("/repo/tarballs/alpha_lib-1.0.0.tar", c.where)
			out, err := p.Run("compile")
			t.Log(out)
			if err == nil {
				t.Fatalf("rebar3 accepted a tampered tarball:\n%s", out)
			}
			if !strings.Contains(strings.ToLower(out), "checksum") {
				t.Errorf("rebar3 failed, but not for the checksum:\n%s", out)
			}
			if _, err := os.Stat(filepath.Join(p.Dir, "_build", "default", "lib", "alpha_lib", "ebin", "alpha_lib.beam")); err == nil {
				t.Errorf("the tampered package was compiled")
			}
			p.RemoveBuild()
			p.RemoveCache()
			p.MustRun("compile")
			wantBuilt(t, p, "alpha_lib")
		})
	}
}

// A reverted release disappears at once: the registry no longer offers it
// and its tarball is gone, so a lock pinning it cannot be fetched, and a
// fresh resolution picks the remaining version.
func TestRebar3AfterRevert(t *testing.T) {
	d := newDepot(t)
	d.publish(erlPackage(t, "gamma_lib", "1.0.0"), nil)
	d.publish(erlPackage(t, "gamma_lib", "1.1.0"), nil)
	p := rebar3test.NewProject(t, "scratch", []rebar3test.Dep{{Name: "gamma_lib", Requirement: "~> 1.0"}}, d.public())
	p.MustRun("compile")
	if v := p.Lock()["gamma_lib"].Version; v != "1.1.0" {
		t.Fatalf("locked %q, want 1.1.0", v)
	}

	d.alice.Do(`mutation { revertRelease(input: {package: "gamma_lib", version: "1.1.0"}) { packageDeleted } }`, nil).MustOK(t)
	resp := d.env.Anonymous().Get("/repo/tarballs/gamma_lib-1.1.0.tar", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("reverted tarball: status %d, want 404", resp.StatusCode)
	}

	p.RemoveBuild()
	p.RemoveCache()
	out, err := p.Run("compile")
	t.Log(out)
	if err == nil {
		t.Errorf("rebar3 built a lock pinning a reverted release:\n%s", out)
	}

	fresh := rebar3test.NewProject(t, "fresh", []rebar3test.Dep{{Name: "gamma_lib", Requirement: "~> 1.0"}}, d.public())
	fresh.MustRun("compile")
	if v := fresh.Lock()["gamma_lib"].Version; v != "1.0.0" {
		t.Errorf("fresh resolution locked %q, want 1.0.0", v)
	}
	if n := d.front.Count("/repo/tarballs/gamma_lib-1.1.0.tar", http.StatusOK); n != 1 {
		t.Errorf("reverted tarball served %d times in total, want once (before the revert)", n)
	}
}

// A private package resolves with an API key sent raw, as rebar3 does,
// from the organization's repository URL, with its public dependency from
// the public repository.
func TestRebar3PrivateRepository(t *testing.T) {
	d := newDepot(t)
	d.alice.Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	d.alice.Do(`mutation { updateBillingProfile(input: {organization: "acme", email: "billing@acme.test", name: "Acme AB", country: "SE", company: true}) { billingProfile { country } } }`, nil).MustOK(t)
	d.alice.Do(`mutation { startSubscription(input: {organization: "acme", plan: MONTHLY, seats: 1}) { billing { status } } }`, nil).MustOK(t)
	d.publish(erlPackage(t, "alpha_lib", "1.0.0"), nil)
	d.publish(erlPackage(t, "secret_lib", "1.0.0", dep{"alpha_lib", "~> 1.0", "depot"}), map[string]any{"r": "acme"})
	key := d.alice.WithKey("repository:acme").Key
	pem := d.env.Server.RepoKeys.PublicPEM

	for _, c := range []struct {
		name    string
		private rebar3test.Repo
	}{
		// An entry of its own: the name is the payloads' repository field.
		{"own entry", rebar3test.Repo{Name: "acme", URL: d.front.URL + "/repo/repos/acme", PublicKey: pem, Key: key}},
		// rebar3's organization form: URL and public key from the parent.
		{"parent:organization entry", rebar3test.Repo{Name: "depot:acme", Key: key}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d.front.Reset()
			p := rebar3test.NewProject(t, "scratch", []rebar3test.Dep{{Name: "secret_lib", Requirement: "~> 1.0"}}, d.public(), c.private)
			p.MustRun("compile")
			wantBuilt(t, p, "secret_lib", "alpha_lib")
			if got, want := p.Lock()["secret_lib"].Outer, d.outer("secret_lib", "1.0.0", "acme"); got != want {
				t.Errorf("rebar.lock outer checksum %s, Depot reports %s", got, want)
			}
			reqs := d.front.Requests("/repo/repos/acme/")
			if len(reqs) == 0 {
				t.Fatalf("nothing fetched from the private repository: %+v", d.front.Requests("/"))
			}
			for _, r := range reqs {
				if r.Auth != key {
					t.Errorf("%s sent Authorization %q, want the raw key", r.Path, r.Auth)
				}
			}

			// Without the key the private repository is a 404, like a missing one.
			noKey := c.private
			noKey.Key = ""
			q := rebar3test.NewProject(t, "nokey", []rebar3test.Dep{{Name: "secret_lib", Requirement: "~> 1.0"}}, d.public(), noKey)
			d.front.Reset()
			if out, err := q.Run("compile"); err == nil {
				t.Errorf("rebar3 fetched a private package without a key:\n%s", out)
			}
			for _, r := range d.front.Requests("/repo/repos/acme/") {
				if r.Status != http.StatusNotFound {
					t.Errorf("%s without a key: %d, want 404", r.Path, r.Status)
				}
			}
		})
	}
}
