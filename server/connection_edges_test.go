package server_test

import (
	"encoding/json"
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// An empty page of any connection answers edges: [] (Relay clients iterate
// it without a null check), anonymously and signed in, and a full page
// still lists its edges.
func TestEmptyConnectionEdgesAreAList(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	alice.Do(`mutation { createOrganization(input: {name: "acme"}) { organization { id } } }`, nil).MustOK(t)
	queries := map[string]string{
		"packages":              `{ packages(first: 5) { edges { node { name } } totalCount } }`,
		"packages search":       `{ packages(search: "nothing", first: 5) { edges { node { name } } } }`,
		"user packages":         `{ user(username: "alice") { packages(first: 5) { edges { cursor } } } }`,
		"organization packages": `{ organization(name: "acme") { packages(first: 5) { edges { cursor } } } }`,
	}
	for name, q := range queries {
		for who, c := range map[string]*servertest.Client{"anonymous": env.Anonymous(), "alice": alice} {
			r := c.Do(q, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("%s as %s: %s", name, who, r.Raw)
			}
			if !edgesAreLists(r.Data) {
				t.Fatalf("%s as %s: an empty connection answered %s; want edges: []", name, who, r.Data)
			}
		}
	}
	alice.Publish(pkgtest.Tarball(t, "leftpad", "1.0.0"), nil).MustOK(t)
	var got struct {
		Packages struct {
			Edges []struct{ Node struct{ Name string } }
		}
	}
	env.Anonymous().Do(`{ packages(first: 5) { edges { node { name } } } }`, nil).MustOK(t).Decode(t, &got)
	if len(got.Packages.Edges) != 1 || got.Packages.Edges[0].Node.Name != "leftpad" {
		t.Fatalf("a page with one package: %+v", got)
	}
}

// edgesAreLists reports whether every "edges" key anywhere in v holds a
// list (and at least one is present).
func edgesAreLists(raw json.RawMessage) bool {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	found, ok := 0, true
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "edges" {
					found++
					if _, isList := x.([]any); !isList {
						ok = false
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return ok && found > 0
}
