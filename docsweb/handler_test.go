package docsweb_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/docsweb"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/viewer"
)

func TestServeFiles(t *testing.T) {
	e := newDocsEnv(t)
	alice := e.User("alice")
	ctx := as(alice)
	e.Publish(ctx, "", "alpha", "1.0.0")
	if err := e.Docs.Publish(ctx, "", "alpha", "1.0.0", bytes.NewReader(simpleDocs(t, "one"))); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, method string
		status       int
		body, ctype  string
		location     string
	}{
		{"/docs/alpha/1.0.0/", "GET", 200, "<h1>one</h1>", "text/html; charset=utf-8", ""},
		{"/docs/alpha/1.0.0/index.html", "GET", 200, "<h1>one</h1>", "text/html; charset=utf-8", ""},
		{"/docs/alpha/1.0.0/guides/", "GET", 200, "guide one", "text/html; charset=utf-8", ""},
		{"/docs/alpha/1.0.0/guides", "GET", 301, "", "", "/docs/alpha/1.0.0/guides/"},
		{"/docs/alpha/1.0.0", "GET", 301, "", "", "/docs/alpha/1.0.0/"},
		{"/docs/alpha", "GET", 301, "", "", "/docs/alpha/"},
		{"/docs/alpha/", "GET", 200, "<h1>one</h1>", "text/html; charset=utf-8", ""},
		{"/docs/alpha/dist/app.js", "GET", 200, "console.log(document.cookie)", "text/javascript; charset=utf-8", ""},
		{"/docs/alpha/1.0.0/dist/app.css", "GET", 200, "body{}", "text/css; charset=utf-8", ""},
		{"/docs/alpha/1.0.0/search.json", "GET", 200, "{}", "application/json", ""},
		{"/docs/alpha/1.0.0/Kernel.html", "GET", 200, "upper", "text/html; charset=utf-8", ""},
		{"/docs/alpha/1.0.0/kernel.html", "GET", 404, "", "", ""},
		{"/docs/alpha/1.0.0/INDEX.HTML", "GET", 404, "", "", ""},
		{"/docs/Alpha/1.0.0/", "GET", 404, "", "", ""},
		{"/docs/alpha/1.0.0/../../beta/", "GET", 404, "", "", ""},
		{"/docs/alpha/1.0.0/guides/../index.html", "GET", 404, "", "", ""},
		{"/docs/alpha/1.0.0//index.html", "GET", 404, "", "", ""},
		{"/docs/alpha/2.0.0/", "GET", 404, "", "", ""},
		{"/docs/alpha/1.0.0/missing.html", "GET", 404, "", "", ""},
		{"/docs/", "GET", 404, "", "", ""},
		{"/docs/alpha/1.0.0/", "POST", 405, "", "", ""},
		{"/docs/alpha/1.0.0/", "HEAD", 200, "", "text/html; charset=utf-8", ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			res := e.get(nil, c.method, c.path)
			if res.status != c.status {
				t.Fatalf("status %d, want %d (%q)", res.status, c.status, res.body)
			}
			if c.status == 200 && (res.body != c.body || res.header.Get("Content-Type") != c.ctype) {
				t.Errorf("got %q (%s), want %q (%s)", res.body, res.header.Get("Content-Type"), c.body, c.ctype)
			}
			if c.location != "" && res.header.Get("Location") != c.location {
				t.Errorf("Location = %q, want %q", res.header.Get("Location"), c.location)
			}
			// Package HTML is untrusted: whatever the answer, it is
			// sandboxed away from the app's cookies and API.
			if got := res.header.Get("Content-Security-Policy"); got != docsweb.CSP {
				t.Errorf("Content-Security-Policy = %q, want %q", got, docsweb.CSP)
			}
			if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
		})
	}
	first := e.get(nil, "GET", "/docs/alpha/1.0.0/")
	cond := e.get(nil, "GET", "/docs/alpha/1.0.0/", "If-None-Match", first.header.Get("ETag"))
	if first.header.Get("ETag") == "" || cond.status != http.StatusNotModified || cond.header.Get("Content-Security-Policy") != docsweb.CSP {
		t.Errorf("revalidation: ETag %q, status %d", first.header.Get("ETag"), cond.status)
	}
}

// The latest docs are those of the highest stable version with docs, else
// of the highest pre-release with docs; reverting a release moves it.
func TestLatestDocs(t *testing.T) {
	cases := []struct {
		name     string
		versions []string // published, in this order
		docs     []string // versions with docs
		remove   []string // release rows deleted afterwards (a revert)
		want     string   // version whose docs /docs/PKG/ shows; "" = 404
	}{
		{"highest stable", []string{"1.0.0", "1.2.0", "1.10.0"}, []string{"1.0.0", "1.2.0", "1.10.0"}, nil, "1.10.0"},
		{"stable beats newer pre-release", []string{"1.0.0", "2.0.0-rc.1"}, []string{"1.0.0", "2.0.0-rc.1"}, nil, "1.0.0"},
		{"only pre-releases", []string{"2.0.0-alpha", "2.0.0-rc.1", "2.0.0-beta"}, []string{"2.0.0-alpha", "2.0.0-rc.1", "2.0.0-beta"}, nil, "2.0.0-rc.1"},
		{"highest without docs is skipped", []string{"1.0.0", "1.1.0"}, []string{"1.0.0"}, nil, "1.0.0"},
		{"pre-release with docs when no stable has docs", []string{"1.0.0", "2.0.0-rc.1"}, []string{"2.0.0-rc.1"}, nil, "2.0.0-rc.1"},
		{"revert moves latest back", []string{"1.0.0", "1.1.0"}, []string{"1.0.0", "1.1.0"}, []string{"1.1.0"}, "1.0.0"},
		{"revert of the only stable falls to pre-release", []string{"1.0.0", "2.0.0-rc.1"}, []string{"1.0.0", "2.0.0-rc.1"}, []string{"1.0.0"}, "2.0.0-rc.1"},
		{"no docs", []string{"1.0.0"}, nil, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newDocsEnv(t)
			alice := e.User("alice")
			ctx := as(alice)
			for _, v := range c.versions {
				e.Publish(ctx, "", "alpha", v)
			}
			for _, v := range c.docs {
				if err := e.Docs.Publish(ctx, "", "alpha", v, bytes.NewReader(simpleDocs(t, v))); err != nil {
					t.Fatal(err)
				}
			}
			for _, v := range c.remove {
				if _, _, err := e.Reg.Revert(ctx, "", "alpha", v); err != nil {
					t.Fatal(err)
				}
			}
			res := e.get(nil, "GET", "/docs/alpha/")
			switch {
			case c.want == "" && res.status != http.StatusNotFound:
				t.Errorf("status %d %q, want 404", res.status, res.body)
			case c.want != "" && res.body != "<h1>"+c.want+"</h1>":
				t.Errorf("latest docs = %d %q, want version %s", res.status, res.body, c.want)
			}
			if c.want != "" && res.header.Get("Cache-Control") != "public, max-age=60" {
				t.Errorf("latest Cache-Control = %q", res.header.Get("Cache-Control"))
			}
			n := e.DB.Release.Query().Where(release.DocsBlobKeyNotNil()).CountX(sys())
			if n != len(c.docs)-len(c.remove) {
				t.Errorf("%d releases with docs, want %d", n, len(c.docs)-len(c.remove))
			}
		})
	}
}

func TestPrivateDocs(t *testing.T) {
	e := newDocsEnv(t)
	alice, bob := e.User("alice"), e.User("bob")
	acme := e.Org("acme", alice)
	member := as(alice, acme)
	e.Publish(member, "acme", "secret", "1.0.0")
	if err := e.Docs.Publish(member, "acme", "secret", "1.0.0", bytes.NewReader(simpleDocs(t, "private"))); err != nil {
		t.Fatal(err)
	}
	key := func(scopes ...viewer.Scope) context.Context {
		return viewer.NewContext(context.Background(), &viewer.Viewer{UserID: alice.ID, Username: "alice", KeyID: 1, Scopes: scopes, Orgs: []viewer.Org{acme}})
	}
	lapsed := acme
	lapsed.Entitled = false
	missing := e.get(nil, "GET", "/docs/repos/acme/nothing/")
	cases := []struct {
		name string
		ctx  context.Context
		path string
		ok   bool
	}{
		{"member, latest", member, "/docs/repos/acme/secret/", true},
		{"member, version", member, "/docs/repos/acme/secret/1.0.0/guides/", true},
		{"docs-scoped key", key("docs:acme"), "/docs/repos/acme/secret/", true},
		{"repository-scoped key", key("repository:acme"), "/docs/repos/acme/secret/", true},
		{"key for another organization", key("docs:other"), "/docs/repos/acme/secret/", false},
		{"anonymous", nil, "/docs/repos/acme/secret/", false},
		{"outsider", as(bob), "/docs/repos/acme/secret/", false},
		{"lapsed organization", as(alice, lapsed), "/docs/repos/acme/secret/", false},
		{"private package through the public path", member, "/docs/secret/", false},
		{"unknown organization", member, "/docs/repos/nope/secret/", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.get(c.ctx, "GET", c.path)
			if c.ok {
				if res.status != http.StatusOK || res.header.Get("Cache-Control") != "private, no-cache" {
					t.Errorf("status %d, Cache-Control %q", res.status, res.header.Get("Cache-Control"))
				}
			} else if res.status != http.StatusNotFound || res.body != missing.body {
				t.Errorf("status %d %q, want the same 404 as a missing package", res.status, res.body)
			}
			if res.header.Get("Content-Security-Policy") != docsweb.CSP {
				t.Errorf("missing sandbox CSP")
			}
		})
	}
}

// Tarballs over the memory budget are served by streaming through them;
// the answers must be the same.
func TestStreamingMatchesCache(t *testing.T) {
	e := newDocsEnv(t)
	alice := e.User("alice")
	ctx := as(alice)
	e.Publish(ctx, "", "alpha", "1.0.0")
	if err := e.Docs.Publish(ctx, "", "alpha", "1.0.0", bytes.NewReader(simpleDocs(t, "one"))); err != nil {
		t.Fatal(err)
	}
	cached := e.handler
	streamed := docsweb.NewHandler(&docshost.Service{DB: e.DB.Client, Blobs: e.Blobs, Registry: e.Reg, CacheBytes: 16})
	for _, p := range []string{"/docs/alpha/", "/docs/alpha/guides/", "/docs/alpha/guides", "/docs/alpha/dist", "/docs/alpha/dist/app.js", "/docs/alpha/nope.html", "/docs/alpha/dist/app"} {
		e.handler = cached
		a := e.get(nil, "GET", p)
		e.handler = streamed
		b := e.get(nil, "GET", p)
		if a.status != b.status || a.body != b.body || a.header.Get("Location") != b.header.Get("Location") {
			t.Errorf("%s: cached %d %q, streamed %d %q", p, a.status, a.body, b.status, b.body)
		}
	}
}
