package server

import (
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/depot-registry/depot/graph/generated"
)

// Every field a signed-in viewer's cached answer could contain is
// classified: walking the schema from Query through visibilityFields, each
// field of each type met (and of the types an interface or union stands
// for) is in visibilityFields or in viewerFields, not both, and both lists
// name only fields that exist. A new field fails here until someone decides
// whether its answer depends on who asks.
func TestReadCacheClassifiesEveryField(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	seen := map[string]bool{}
	var unclassified, both []string
	var walk func(name string)
	walk = func(name string) {
		def := schema.Types[name]
		if def == nil || seen[name] || def.BuiltIn || def.Kind == ast.Scalar || def.Kind == ast.Enum {
			return
		}
		seen[name] = true
		for _, p := range schema.PossibleTypes[name] {
			walk(p.Name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			k := name + "." + f.Name
			switch {
			case visibilityFields[k] && viewerFields[k]:
				both = append(both, k)
			case visibilityFields[k]:
				walk(f.Type.Name())
			case !viewerFields[k]:
				unclassified = append(unclassified, k)
			}
		}
	}
	walk("Query")
	sort.Strings(unclassified)
	if len(unclassified) > 0 {
		t.Errorf("fields in neither visibilityFields nor viewerFields:\n  %s", strings.Join(unclassified, "\n  "))
	}
	if len(both) > 0 {
		t.Errorf("fields in both lists: %v", both)
	}
	for _, set := range []map[string]bool{visibilityFields, viewerFields} {
		for k := range set {
			typ, field, _ := strings.Cut(k, ".")
			if def := schema.Types[typ]; def == nil || def.Fields.ForName(field) == nil {
				t.Errorf("%s is classified but not in the schema", k)
			}
		}
	}
}

// visibilityOnly looks through fragments, named and inline, and refuses a
// viewer field at any depth.
func TestVisibilityOnlySelections(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	for q, want := range map[string]bool{
		`{ package(name: "x") { name owners { account { __typename ... on User { username } } } } }`:   true,
		`{ __typename packages(first: 5) { edges { node { name versions(first: 2) { version } } } } }`: true,
		`{ package(name: "x") { name viewerCanPublish } }`:                                             false,
		`{ viewer { username } }`: false,
		`{ package(name: "x") { owners { account { ... on User { email } } } } }`:                         false,
		`query { ...F } fragment F on Query { user(username: "x") { organizations { name } } }`:           false,
		`query { ...F } fragment F on Query { user(username: "x") { username packages { totalCount } } }`: true,
		`{ node(id: "x") { id } }`: false,
	} {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		if errs := validator.Validate(schema, doc); len(errs) > 0 {
			t.Fatalf("%s: %v", q, errs)
		}
		if got := visibilityOnly(doc.Operations[0].SelectionSet); got != want {
			t.Errorf("visibilityOnly(%s) = %v, want %v", q, got, want)
		}
	}
}
