package server_test

import (
	"testing"

	"github.com/depot-registry/depot/internal/pkgtest"
	"github.com/depot-registry/depot/server/servertest"
)

// PackageConnection.suggestion ("did you mean") over GraphQL: a corrected
// term when nothing matches, null when something does and for lists that
// are no search, and a private package's name only for principals that may
// read its repository (the read matrix of docs/API.md).
func TestSearchSuggestionMatrix(t *testing.T) {
	env := servertest.New(t)
	f := newFixture(t, env, 1)
	ada := f.ada
	ada.Do(`mutation($o: String!) { updateBillingProfile(input: {organization: $o, email: "billing@example.test", name: "Ada", country: "US", company: true}) { billingProfile { country } } }`,
		map[string]any{"o": f.org}).MustOK(t)
	ada.Do(`mutation($o: String!) { startSubscription(input: {organization: $o, plan: MONTHLY, seats: 10}) { billing { status } } }`,
		map[string]any{"o": f.org}).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "ecto", "1.0.0"), nil).MustOK(t)
	ada.Publish(pkgtest.Tarball(t, "quokka", "1.0.0"), map[string]any{"r": f.org}).MustOK(t)

	const doc = `query($s: String) { packages(search: $s, first: 5) { suggestion edges { node { name } } } }`
	search := func(t *testing.T, c *servertest.Client, term any) (names []string, suggestion *string) {
		t.Helper()
		var out struct {
			Packages struct {
				Suggestion *string
				Edges      []struct{ Node struct{ Name string } }
			}
		}
		c.Do(doc, map[string]any{"s": term}).MustOK(t).Decode(t, &out)
		for _, e := range out.Packages.Edges {
			names = append(names, e.Node.Name)
		}
		return names, out.Packages.Suggestion
	}

	// Public terms, the same for everyone.
	for _, tt := range []struct {
		name       string
		term       any
		suggestion string // "" = null
		found      int
	}{
		{"misspelled beyond a match", "ecotx", "ecto", 0},
		{"a match has none", "ecto", "", 1},
		{"close misspellings found: suggested too", "ecot", "ecto", 1},
		{"no search term has none", nil, "", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, sugg := search(t, ada, tt.term)
			if len(got) != tt.found {
				t.Errorf("%v: %d results %v, want %d", tt.term, len(got), got, tt.found)
			}
			if (sugg == nil) != (tt.suggestion == "") || sugg != nil && *sugg != tt.suggestion {
				t.Errorf("%v: suggestion %v, want %q", tt.term, deref(sugg), tt.suggestion)
			}
		})
	}

	// The private name, by principal: suggested exactly to those who may
	// read the organization's repository.
	for col, want := range map[string]string{
		"anonymous":          "",
		"user":               "quokka",
		"other user":         "",
		"org read":           "quokka",
		"org write":          "quokka",
		"org admin":          "quokka",
		"key api:read":       "quokka",
		"key api:write":      "quokka",
		"key package:x":      "",
		"key repository:ORG": "quokka",
	} {
		t.Run(col, func(t *testing.T) {
			got, sugg := search(t, f.principal(t, env, col), "quokkaxyz")
			if len(got) != 0 {
				t.Errorf("quokkaxyz found %v", got)
			}
			if (sugg == nil) != (want == "") || sugg != nil && *sugg != want {
				t.Errorf("suggestion %v, want %q", deref(sugg), want)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}
