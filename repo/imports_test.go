package repo_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The repository front calls the domain (registry's repository lookup and
// repository index) and never the persistence layer, so no rule can be
// written here a second time. Its non-test files import no ent package.
func TestImportsNoEnt(t *testing.T) {
	files, err := filepath.Glob("*.go")
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
		t.Fatal("no source files found")
	}
}
