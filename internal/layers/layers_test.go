// Package layers checks the layering ARCHITECTURE.md describes, for every
// package at once: the protocol fronts call the domain and never the
// persistence layer, so no rule can be written in a front a second time.
package layers

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// entFree are the fronts whose non-test files import no ent package. graph/
// is absent on purpose: gqlgen binds its types to Ent's.
var entFree = []string{"hexapi", "repo", "docsweb"}

func TestFrontsImportNoEnt(t *testing.T) {
	for _, dir := range entFree {
		files, err := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			n++
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if path == "github.com/depot-registry/depot/ent" || strings.HasPrefix(path, "github.com/depot-registry/depot/ent/") || strings.HasPrefix(path, "entgo.io/") {
					t.Errorf("%s imports %s", f, path)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no source files found", dir)
		}
	}
}
