package hexapi_test

import (
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
)

func ownerNames(t *testing.T, r response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, o := range r.want(t, 200).list(t) {
		out[o["username"].(string)] = o["level"].(string)
	}
	return out
}

// mix hex.owner add / list / remove / transfer through hex_core's
// r3_hex_api_package_owner, on the public repository.
func TestOwners(t *testing.T) {
	w := newWorld(t)
	w.publish(pkgtest.Tarball(t, "shared", "1.0.0"))
	owners := func() map[string]string {
		return ownerNames(t, w.hc.call("r3_hex_api_package_owner", "list", bin("shared")))
	}
	if got := owners(); len(got) != 1 || got["alice"] != "full" {
		t.Fatalf("owners %v", got)
	}
	// By email, as mix allows; level maintainer.
	w.hc.call("r3_hex_api_package_owner", "add", bin("shared"), bin("bob@example.com"), bin("maintainer"), "false").want(t, 204)
	if got := owners(); got["bob"] != "maintainer" {
		t.Fatalf("after add %v", got)
	}
	one := w.hc.call("r3_hex_api_package_owner", "get", bin("shared"), bin("bob")).want(t, 200).m(t)
	if one["level"] != "maintainer" || one["username"] != "bob" {
		t.Fatalf("owner view %#v", one)
	}
	// A maintainer may not manage owners.
	before := state(t, w.env)
	w.bobHC.call("r3_hex_api_package_owner", "delete", bin("shared"), bin("alice")).want(t, 403)
	// Unknown user, unknown package.
	w.hc.call("r3_hex_api_package_owner", "add", bin("shared"), bin("nobody"), bin("full"), "false").want(t, 404)
	w.hc.call("r3_hex_api_package_owner", "add", bin("nothing"), bin("bob"), bin("full"), "false").want(t, 404)
	w.hc.call("r3_hex_api_package_owner", "get", bin("shared"), bin("nobody")).want(t, 404)
	// A bad level.
	w.hc.call("r3_hex_api_package_owner", "add", bin("shared"), bin("bob"), bin("emperor"), "false").want(t, 422)
	unchanged(t, w.env, before, "refused owner changes")

	w.hc.call("r3_hex_api_package_owner", "delete", bin("shared"), bin("bob")).want(t, 204)
	if got := owners(); len(got) != 1 {
		t.Fatalf("after delete %v", got)
	}
	// The last owner cannot go.
	w.hc.call("r3_hex_api_package_owner", "delete", bin("shared"), bin("alice")).want(t, 422)
}

// mix hex.publish's "publish as ORG" step: after the release it PUTs the
// organization with transfer: true, which leaves the organization the sole
// owner. Only an admin of the organization may hand it a package, whether
// by transfer or by adding it as an owner.
func TestTransferToOrganization(t *testing.T) {
	w := newWorld(t)
	w.paidOrg("acme")
	w.publish(pkgtest.Tarball(t, "handed", "1.0.0"))
	// bob owns a package of his own and is not in acme.
	w.bobHC.call("r3_hex_api_release", "publish", bin(string(pkgtest.Tarball(t, "bobs", "1.0.0")))).want(t, 201)
	before := state(t, w.env)
	w.bobHC.call("r3_hex_api_package_owner", "add", bin("bobs"), bin("acme"), bin("full"), "true").want(t, 403)
	w.bobHC.call("r3_hex_api_package_owner", "add", bin("bobs"), bin("acme"), bin("full"), "false").want(t, 403)
	w.hc.call("r3_hex_api_package_owner", "add", bin("handed"), bin("ghost"), bin("full"), "true").want(t, 404)
	unchanged(t, w.env, before, "a transfer by a non-member and to nobody")

	w.hc.call("r3_hex_api_package_owner", "add", bin("handed"), bin("acme"), bin("full"), "true").want(t, 204)
	if got := ownerNames(t, w.hc.call("r3_hex_api_package_owner", "list", bin("handed"))); len(got) != 1 || got["acme"] != "full" {
		t.Fatalf("after transfer %v", got)
	}
}
