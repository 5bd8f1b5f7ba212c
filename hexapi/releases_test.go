package hexapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/depot-registry/depot/internal/pkgtest"
)

// rebar3 hex publish: hex_core's publish/2 posts to
// /packages/NAME/releases?replace=false; older clients post to /publish.
// Both create the release (201, Location, the release view) exactly as the
// GraphQL mutation does, with an audit row and a release event.
func TestPublishBothRoutes(t *testing.T) {
	w := newWorld(t)
	tb := pkgtest.Tarball(t, "first", "1.0.0")
	r := w.publish(tb)
	body := r.m(t)
	if body["version"] != "1.0.0" || body["package_url"] != w.env.URL+"/api/packages/first" {
		t.Fatalf("release view %#v", body)
	}
	if loc, _ := r.Headers["location"].(string); !strings.HasSuffix(loc, "/api/packages/first/releases/1.0.0") {
		t.Errorf("location %q", loc)
	}
	if pub, _ := body["publisher"].(map[string]any); pub["username"] != "alice" {
		t.Errorf("publisher %#v", body["publisher"])
	}

	// The first route: POST /api/publish with the tarball as body.
	tb2 := pkgtest.Tarball(t, "second", "0.1.0")
	r = w.hc.call("r3_hex_api", "post", `[<<"publish">>]`, `{"application/octet-stream", `+bin(string(tb2))+`}`).want(t, 201)
	if r.m(t)["version"] != "0.1.0" {
		t.Fatalf("publish route body %#v", r.Body)
	}

	// Both are visible through the package route and GraphQL alike.
	got := w.hc.call("r3_hex_api_package", "get", bin("second")).want(t, 200).m(t)
	if got["latest_version"] != "0.1.0" || got["repository"] != "depot" {
		t.Fatalf("package view %#v", got)
	}
	var out struct {
		Package struct{ LatestVersion string }
	}
	w.env.Anonymous().Do(`{ package(name: "first") { latestVersion } }`, nil).MustOK(t).Decode(t, &out)
	if out.Package.LatestVersion != "1.0.0" {
		t.Fatalf("GraphQL sees %#v", out)
	}
	var audit struct {
		AuditLog struct {
			Edges []struct{ Node struct{ Action string } }
		}
	}
	w.alice.Do(`{ auditLog(first: 10) { edges { node { action } } } }`, nil).MustOK(t).Decode(t, &audit)
	n := 0
	for _, e := range audit.AuditLog.Edges {
		if e.Node.Action == "release.publish" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d release.publish audit entries, want 2: %#v", n, audit)
	}
}

// Replacing needs replace=true and an open window; reverting needs the
// window too. Each refusal is 422 with the reason and changes nothing. The
// package's first release is a day old, so only the version's own hour
// counts.
func TestReplaceAndRevertWindow(t *testing.T) {
	w := newWorld(t)
	w.publish(pkgtest.Tarball(t, "win", "0.9.0"))
	w.env.Clock.Advance(25 * time.Hour)
	tb := pkgtest.Tarball(t, "win", "1.0.0")
	w.publish(tb)
	changed := pkgtest.Tarball(t, "win", "1.0.0", pkgtest.Dep{Name: "win", Requirement: ">= 0.0.0"})

	before := state(t, w.env)
	r := w.hc.call("r3_hex_api_release", "publish", bin(string(changed))).want(t, 422)
	if !strings.Contains(r.message(t), "replace") {
		t.Errorf("message %q does not mention replace", r.message(t))
	}
	unchanged(t, w.env, before, "a replace without replace=true")

	w.env.Clock.Advance(30 * time.Minute)
	r = w.hc.call("r3_hex_api_release", "publish", bin(string(changed)), "[{replace, true}]").want(t, 200)
	if r.m(t)["version"] != "1.0.0" {
		t.Fatalf("replace body %#v", r.Body)
	}

	w.env.Clock.Advance(31 * time.Minute) // 61 minutes after the first publish
	before = state(t, w.env)
	r = w.hc.call("r3_hex_api_release", "publish", bin(string(tb)), "[{replace, true}]").want(t, 422)
	if code := r.m(t)["code"]; code != "WINDOW_CLOSED" {
		t.Errorf("late replace: code %v, message %q", code, r.message(t))
	}
	w.hc.call("r3_hex_api_release", "delete", bin("win"), bin("1.0.0")).want(t, 422)
	unchanged(t, w.env, before, "a replace and a revert at 61 minutes")
}

// mix hex.publish --revert VERSION: DELETE of the release is 204 and the
// release is gone; a second revert is 404.
func TestRevert(t *testing.T) {
	w := newWorld(t)
	w.publish(pkgtest.Tarball(t, "rev", "1.0.0"))
	w.publish(pkgtest.Tarball(t, "rev", "1.1.0"))
	// The anonymous GraphQL answer is cached; a revert through this front
	// must be visible to the very next read all the same.
	latest := func() string {
		var out struct {
			Package struct{ LatestVersion string }
		}
		w.env.Anonymous().Do(`{ package(name: "rev") { latestVersion } }`, nil).MustOK(t).Decode(t, &out)
		return out.Package.LatestVersion
	}
	if v := latest(); v != "1.1.0" || latest() != "1.1.0" {
		t.Fatalf("before the revert GraphQL says %q", v)
	}
	w.hc.call("r3_hex_api_release", "delete", bin("rev"), bin("1.1.0")).want(t, 204)
	if v := latest(); v != "1.0.0" {
		t.Fatalf("after the revert GraphQL still says %q", v)
	}
	w.hc.call("r3_hex_api_release", "get", bin("rev"), bin("1.1.0")).want(t, 404)
	if got := w.hc.call("r3_hex_api_package", "get", bin("rev")).want(t, 200).m(t); got["latest_version"] != "1.0.0" {
		t.Fatalf("after revert %#v", got)
	}
	w.hc.call("r3_hex_api_release", "delete", bin("rev"), bin("1.1.0")).want(t, 404)
}

// A tarball for another package than the URL names is refused (422 on the
// name) and leaves no row and no blob.
func TestPublishNameMismatch(t *testing.T) {
	w := newWorld(t)
	before := state(t, w.env)
	tb := pkgtest.Tarball(t, "actual", "1.0.0")
	r := w.hc.call("r3_hex_api", "post", `[<<"packages">>, <<"claimed">>, <<"releases">>]`,
		`{"application/octet-stream", `+bin(string(tb))+`}`).want(t, 422)
	errs, _ := r.m(t)["errors"].(map[string]any)
	if _, ok := errs["name"]; !ok {
		t.Fatalf("errors %#v do not name the name", r.Body)
	}
	unchanged(t, w.env, before, "a tarball for another package")
}

// mix hex.retire and --unretire through hex_core: the retirement shows in
// the release and package views and goes away again.
func TestRetireAndUnretire(t *testing.T) {
	w := newWorld(t)
	w.publish(pkgtest.Tarball(t, "old", "1.0.0"))
	w.hc.call("r3_hex_api_release", "retire", bin("old"), bin("1.0.0"),
		`#{<<"reason">> => <<"security">>, <<"message">> => <<"CVE-2026-1">>}`).want(t, 204)
	rel := w.hc.call("r3_hex_api_release", "get", bin("old"), bin("1.0.0")).want(t, 200).m(t)
	ret, _ := rel["retirement"].(map[string]any)
	if ret["reason"] != "security" || ret["message"] != "CVE-2026-1" {
		t.Fatalf("retirement %#v", rel["retirement"])
	}
	pkg := w.hc.call("r3_hex_api_package", "get", bin("old")).want(t, 200).m(t)
	if rets, _ := pkg["retirements"].(map[string]any); rets["1.0.0"] == nil {
		t.Fatalf("package retirements %#v", pkg["retirements"])
	}

	before := state(t, w.env)
	r := w.hc.call("r3_hex_api_release", "retire", bin("old"), bin("1.0.0"), `#{<<"reason">> => <<"bored">>}`).want(t, 422)
	if errs, _ := r.m(t)["errors"].(map[string]any); errs["reason"] == nil {
		t.Fatalf("unknown reason: %#v", r.Body)
	}
	w.bobHC.call("r3_hex_api_release", "retire", bin("old"), bin("1.0.0"), `#{<<"reason">> => <<"other">>}`).want(t, 403)
	unchanged(t, w.env, before, "a bad reason and a non-owner's retire")

	// Every release at once.
	w.publish(pkgtest.Tarball(t, "old", "1.1.0"))
	w.hc.call("r3_hex_api", "post", `[<<"packages">>, <<"old">>, <<"retire">>]`, `#{<<"reason">> => <<"deprecated">>, <<"message">> => <<"use new">>}`).want(t, 204)
	pkg = w.hc.call("r3_hex_api_package", "get", bin("old")).want(t, 200).m(t)
	rets, _ := pkg["retirements"].(map[string]any)
	for _, v := range []string{"1.0.0", "1.1.0"} {
		if r, _ := rets[v].(map[string]any); r["reason"] != "deprecated" {
			t.Fatalf("after retiring all, %s: %#v", v, rets[v])
		}
	}
	w.hc.call("r3_hex_api_release", "unretire", bin("old"), bin("1.0.0")).want(t, 204)
	rel = w.hc.call("r3_hex_api_release", "get", bin("old"), bin("1.0.0")).want(t, 200).m(t)
	if rel["retirement"] != nil {
		t.Fatalf("still retired: %#v", rel["retirement"])
	}
}

// mix hex.publish docs and docs --revert: POST, GET and DELETE of a
// release's docs.
func TestDocsPublishAndRevert(t *testing.T) {
	w := newWorld(t)
	w.publish(pkgtest.Tarball(t, "documented", "1.0.0"))
	docs := pkgtest.Docs(t, map[string]string{"index.html": "<h1>documented</h1>"})
	r := w.hc.call("r3_hex_api", "post", `[<<"packages">>, <<"documented">>, <<"releases">>, <<"1.0.0">>, <<"docs">>]`,
		`{"application/octet-stream", `+bin(string(docs))+`}`).want(t, 201)
	if r.m(t)["has_docs"] != true {
		t.Fatalf("docs publish body %#v", r.Body)
	}
	status, header, _ := raw(t, w.env, "GET", "/api/packages/documented/releases/1.0.0/docs", w.aliceKey, "", "", nil)
	if loc := header.Get("Location"); status != 302 || loc != w.env.URL+"/docs/documented/1.0.0/" {
		t.Fatalf("GET docs: %d to %q, want a redirect to the docs", status, loc)
	}
	// hex_core's HTTP client follows the redirect to the docs page itself.
	got := w.hc.call("r3_hex_api", "get", `[<<"packages">>, <<"documented">>, <<"releases">>, <<"1.0.0">>, <<"docs">>]`)
	if got.want(t, 200); !strings.HasPrefix(fmt.Sprint(got.Headers["content-type"]), "text/html") || got.Headers["content-length"] != "19" {
		t.Fatalf("hex_core GET docs did not land on the docs page: %v", got.Headers)
	}
	w.hc.call("r3_hex_api", "delete", `[<<"packages">>, <<"documented">>, <<"releases">>, <<"1.0.0">>, <<"docs">>]`).want(t, 204)
	if got := w.hc.call("r3_hex_api_release", "get", bin("documented"), bin("1.0.0")).want(t, 200).m(t); got["has_docs"] != false {
		t.Fatalf("after docs revert %#v", got)
	}
	w.hc.call("r3_hex_api", "get", `[<<"packages">>, <<"documented">>, <<"releases">>, <<"1.0.0">>, <<"docs">>]`).want(t, 404)
}
