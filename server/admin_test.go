package server_test

import (
	"testing"

	"github.com/depot-registry/depot/internal/command"
	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server"
	"github.com/depot-registry/depot/server/servertest"
)

// `depot admin remove` takes a version out and reserves it: publishing the
// same version again is refused for ever, while other versions stay.
func TestAdminRemoveCommandReserves(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	alice.Publish(pkgtest.Tarball(t, "leftpad", "1.0.0"), nil).MustOK(t)
	alice.Publish(pkgtest.Tarball(t, "leftpad", "1.1.0"), nil).MustOK(t)

	url := env.Server.DB.URL
	if env.Server.DB.Dialect == "sqlite3" {
		url = "sqlite:" + url
	}
	t.Setenv("DEPOT_DATABASE_URL", url)
	t.Setenv("DEPOT_DATA_DIR", env.Server.Config.DataDir)
	if code := command.Main([]string{"admin", "remove", "-reason", "legal request", "leftpad", "1.0.0"}, server.Commands()); code != 0 {
		t.Fatalf("depot admin remove exited %d", code)
	}

	var q struct {
		Package struct{ Versions []struct{ Version string } }
	}
	alice.Do(`{ package(name: "leftpad") { versions { version } } }`, nil).MustOK(t).Decode(t, &q)
	if len(q.Package.Versions) != 1 || q.Package.Versions[0].Version != "1.1.0" {
		t.Fatalf("versions after removal: %+v, want only 1.1.0", q.Package.Versions)
	}
	if code := alice.Publish(pkgtest.Tarball(t, "leftpad", "1.0.0"), nil).Code(); code != "BAD_USER_INPUT" {
		t.Fatalf("republishing a removed version: code %q, want BAD_USER_INPUT (reserved)", code)
	}
}
