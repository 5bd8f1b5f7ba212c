package interchange_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/depot-registry/depot/interchange"
	"github.com/depot-registry/depot/server/servertest"
)

// Another Depot's private repository is a source too: its /repo/repos/ORG
// with a repository key, verified with that Depot's public key.
func TestImportFromRepositoryURL(t *testing.T) {
	a := newAcme(t)
	key := a.alice.WithKey("repository:acme").Key
	src := interchange.URL{Base: a.env.URL + "/repo/repos/acme", Key: key}

	b := servertest.New(t)
	b.SignUp("bob").Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	opts := interchange.ImportOptions{Org: "acme", PublicKey: a.env.Server.RepoKeys.PublicPEM, Repository: "acme"}
	sum, err := interchangeOf(b).Import(sys(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 3 || len(sum.Refused) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	src0, dst := releases(t, a.env, "acme"), releases(t, b, "acme")
	for k, s := range src0 {
		if d, ok := dst[k]; !ok || d.OuterChecksum != s.OuterChecksum || (d.Edges.Retirement == nil) != (s.Edges.Retirement == nil) {
			t.Errorf("%s: imported %+v", k, d)
		}
	}
	// Without the key the repository is not readable: refused, nothing in.
	before := snap(t, b)
	_, err = interchangeOf(b).Import(sys(), interchange.URL{Base: src.Base}, opts)
	if err == nil || !strings.Contains(err.Error(), "names") {
		t.Fatalf("import without the repository key: %v", err)
	}
	if snap(t, b) != before {
		t.Fatal("a refused source wrote rows")
	}
}

// cancelAfter cancels the import's context after n progress lines, as an
// operator's Ctrl-C or a crash would stop it between two releases.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.n -= strings.Count(string(p), "\n")
	if c.n <= 0 {
		c.cancel()
	}
	return len(p), nil
}

// An import stopped half way is resumed by running it again: what went in
// is skipped, the rest imported, nothing twice.
func TestImportResumesAfterInterruption(t *testing.T) {
	env := servertest.New(t)
	env.SignUp("alice")
	dir := t.TempDir()
	hexCoreRegistry(t, dir, "legacy", testKey(t, 0), legacy)
	ctx, cancel := context.WithCancel(sys())
	defer cancel()
	first, err := interchangeOf(env).Import(ctx, interchange.Dir(dir), interchange.ImportOptions{Owner: "alice", Progress: &cancelAfter{n: 2, cancel: cancel}})
	if !errors.Is(err, context.Canceled) || first.Imported != 2 {
		t.Fatalf("interrupted import: %+v, %v", first, err)
	}
	var progress strings.Builder
	sum, err := interchangeOf(env).Import(sys(), interchange.Dir(dir), interchange.ImportOptions{Owner: "alice", Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 2 || sum.Skipped != 2 || len(sum.Refused) != 0 {
		t.Fatalf("resumed: %+v\n%s", sum, progress.String())
	}
	if n := snap(t, env).releases; n != 4 {
		t.Fatalf("%d releases after resuming, want 4", n)
	}
	if !strings.Contains(progress.String(), fmt.Sprintf("[1/4] %s", "legacy_base 1.0.0: skipped")) {
		t.Fatalf("progress:\n%s", progress.String())
	}
}
