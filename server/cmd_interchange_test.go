package server_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/repository"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// runCommand runs a depot subcommand from the one table against env's
// database and data folder, as an operator's shell on that host would.
func runCommand(t *testing.T, env *servertest.Env, name string, args ...string) error {
	t.Helper()
	t.Setenv("DEPOT_DATABASE_URL", env.Server.Config.DatabaseURL)
	t.Setenv("DEPOT_DATA_DIR", env.Server.Config.DataDir)
	t.Setenv("DEPOT_REPOSITORY_NAME", testdb.PublicRepository)
	t.Setenv("DEPOT_SECRET_KEY", "test-secret")
	for _, c := range server.Commands() {
		if c.Name == name {
			return c.Run(context.Background(), args)
		}
	}
	t.Fatalf("no command %q", name)
	return nil
}

// `depot admin export` on one host, `depot import` on another: the
// organization's release arrives with the same checksum, and a second
// import is a no-op.
func TestExportAndImportCommands(t *testing.T) {
	a := servertest.New(t)
	alice := a.SignUp("alice")
	alice.Do(createOrgDoc, map[string]any{"n": "acme"}).MustOK(t)
	alice.Do(`mutation { updateBillingProfile(input: {organization: "acme", email: "b@acme.test", name: "Acme", country: "US", company: true}) { billingProfile { country } } }`, nil).MustOK(t)
	alice.Do(`mutation { startSubscription(input: {organization: "acme", plan: MONTHLY, seats: 2}) { billing { status } } }`, nil).MustOK(t)
	alice.Publish(pkgtest.Tarball(t, "acme_cli", "1.2.3"), map[string]any{"r": "acme"}).MustOK(t)

	key, err := hexrepo.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	keyFile, pubFile, out := filepath.Join(tmp, "key.pem"), filepath.Join(tmp, "pub.pem"), filepath.Join(tmp, "dump")
	pub, _ := hexrepo.EncodePublicKeyPEM(&key.PublicKey)
	if err := os.WriteFile(keyFile, hexrepo.EncodePrivateKeyPEM(key), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubFile, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runCommand(t, a, "admin", "export", "-key", keyFile, "-out", out, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := runCommand(t, a, "admin", "export", "-out", out, "acme"); err == nil {
		t.Fatal("export into a non-empty folder succeeded")
	}

	b := servertest.New(t)
	b.SignUp("bob").Do(createOrgDoc, map[string]any{"n": "acme"}).MustOK(t)
	for range 2 {
		if err := runCommand(t, b, "import", "-q", "-org", "acme", "-public-key", pubFile, out); err != nil {
			t.Fatal(err)
		}
	}
	q := func(env *servertest.Env) []string {
		ss, err := env.Server.DB.Client.Release.Query().
			Where(release.HasPackageWith(pkg.Name("acme_cli"), pkg.HasRepositoryWith(repository.Name("acme")))).
			Select(release.FieldOuterChecksum).Strings(sys())
		if err != nil {
			t.Fatal(err)
		}
		return ss
	}
	if got, want := q(b), q(a); len(got) != 1 || got[0] != want[0] {
		t.Fatalf("imported %v, exported %v", got, want)
	}
	// A source signed with another key is refused.
	if err := runCommand(t, b, "import", "-org", "acme", "-public-key", keyFileOf(t, tmp), out); err == nil {
		t.Fatal("import with the wrong key succeeded")
	}
}

func keyFileOf(t *testing.T, dir string) string {
	t.Helper()
	k, err := hexrepo.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := hexrepo.EncodePublicKeyPEM(&k.PublicKey)
	path := filepath.Join(dir, "other.pem")
	if err := os.WriteFile(path, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
