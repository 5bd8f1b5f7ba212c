package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/depot-registry/depot/hextar"
)

// depot init writes a commented depot.json that depot build accepts as it
// is; edits next to the comments are honoured.
func TestInitThenBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "My-Lib")
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "my_lib.erl"), []byte("-module(my_lib).\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if _, _, err := run(t, nil, "init", "--version", "1.0.0", "--license", "Apache-2.0, MIT"); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("depot.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"name", "version", "app", "description", "licenses", "links", "requirements", "build_tools", "files"} {
		if !strings.Contains(string(raw), `"`+field+`":`) {
			t.Errorf("depot.json has no %q field:\n%s", field, raw)
		}
	}
	if !strings.Contains(string(raw), "\n  // ") {
		t.Errorf("depot.json carries no comments:\n%s", raw)
	}
	// A user fills in the description, leaving the comments, and adds one of their own.
	edited := strings.Replace(string(raw), `"description": "",`, `"description": "Says // hello", // mine`, 1)
	if err := os.WriteFile("depot.json", []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, nil, "build")
	if err != nil {
		t.Fatal(err)
	}
	tb, err := os.ReadFile("my_lib-1.0.0.tar")
	if err != nil {
		t.Fatalf("no my_lib-1.0.0.tar in the current folder (%v); build said %s", err, out)
	}
	pkg, err := hextar.Read(bytes.NewReader(tb), hextar.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if m := pkg.Metadata; m.Name != "my_lib" || m.Version != "1.0.0" || m.App != "my_lib" || m.Description != "Says // hello" || !slices.Equal(m.Licenses, []string{"Apache-2.0", "MIT"}) ||
		len(m.Files) != 1 || m.Files[0] != "src/my_lib.erl" {
		t.Errorf("metadata = %+v", m)
	}
}

func TestInitRefusals(t *testing.T) {
	t.Run("existing depot.json is kept", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"depot.json": `{"name": "mine", "version": "2.0.0"}`})
		_, _, err := run(t, nil, "init", dir)
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("init over an existing depot.json = %v, want already exists", err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "depot.json")); string(b) != `{"name": "mine", "version": "2.0.0"}` {
			t.Errorf("depot.json changed to %s", b)
		}
	})
	for _, c := range []struct{ name, folder, want string }{
		{"folder name that is no package name", "9lives", "--name"},
		{"bad --name", "ok_name", "package name"},
		{"bad --version", "ok_name", "version"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), c.folder)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			args := []string{"init", dir}
			switch c.name {
			case "bad --name":
				args = append(args, "--name", "Bad-Name")
			case "bad --version":
				args = append(args, "--version", "1.0")
			}
			_, _, err := run(t, nil, args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("init = %v, want an error mentioning %q", err, c.want)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("a refused init wrote %v", left)
			}
		})
	}
}

// depot build -h and depot init -h explain every depot.json field.
func TestManifestHelp(t *testing.T) {
	for _, cmd := range []string{"build", "init"} {
		_, stderr, _ := run(t, nil, cmd, "-h")
		for _, field := range []string{"name", "version", "app", "description", "licenses", "links", "requirements", "build_tools", "files"} {
			if !strings.Contains(stderr, "\n  "+field+" ") {
				t.Errorf("depot %s -h does not explain %q:\n%s", cmd, field, stderr)
			}
		}
	}
}
