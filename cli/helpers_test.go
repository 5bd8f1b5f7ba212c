package cli_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/depot-registry/depot/cli"
)

// run runs one depot subcommand with env as the whole environment and
// returns its output.
func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &cli.App{
		Stdout: &out, Stderr: &errOut,
		Getenv:     func(k string) string { return env[k] },
		HTTP:       &http.Client{Timeout: time.Minute},
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	}
	for _, c := range app.Commands() {
		if c.Name == args[0] {
			err = c.Run(context.Background(), args[1:])
			return out.String(), errOut.String(), err
		}
	}
	t.Fatalf("no command %q", args[0])
	return "", "", nil
}

// writeTree writes files (path → content) under a new temp folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// packageDir is a folder depot build accepts.
func packageDir(t *testing.T, name, version string) string {
	t.Helper()
	return writeTree(t, map[string]string{
		"depot.json": `{"name": "` + name + `", "version": "` + version + `", "description": "A test package.",
			"licenses": ["Apache-2.0"], "links": {"GitHub": "https://example.com/` + name + `"}}`,
		"src/" + name + ".erl":     "-module(" + name + ").\n",
		"src/" + name + ".app.src": "{application, " + name + ", [{vsn, \"" + version + "\"}]}.\n",
		"rebar.config":             "{deps, []}.\n",
		"README.md":                "# " + name + "\n",
		"src/.hidden":              "not packaged",
		"notes.txt":                "not packaged either",
	})
}
