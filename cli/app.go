package cli

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/depot-registry/depot/internal/command"
)

// App is the client's environment: where it writes, how it reads settings
// and talks HTTP. Tests fill it with buffers and a fake environment.
type App struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	HTTP           *http.Client
	// MinBackoff and MaxBackoff bound watch's reconnect delay.
	MinBackoff, MaxBackoff time.Duration
}

// Default is the App of the real command line.
func Default() *App {
	return &App{
		Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		HTTP:       &http.Client{Timeout: 5 * time.Minute},
		MinBackoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second,
	}
}

// Commands lists the client's subcommands (main.go puts them in the
// command table).
func Commands() []command.Command { return Default().Commands() }

// Commands lists the subcommands bound to a.
func (a *App) Commands() []command.Command {
	return []command.Command{
		{Name: "repo-key", Summary: "print the registry public key and rebar3/mix configuration", Run: a.repoKey},
		{Name: "init", Summary: "write a commented depot.json (package description) to start a package", Run: a.init},
		{Name: "build", Summary: "build a Hex package tarball from a folder with depot.json", Run: a.build},
		{Name: "publish", Summary: "publish a package (folder or tarball) through the API", Run: a.publish},
		{Name: "docs", Summary: "publish or revert a release's documentation", Run: a.docs},
		{Name: "revert", Summary: "unpublish a release (within its window)", Run: a.revert},
		{Name: "retire", Summary: "retire a release with a reason", Run: a.retire},
		{Name: "unretire", Summary: "undo a retirement", Run: a.unretire},
		{Name: "owner", Summary: "list, add or remove package owners; transfer a package", Run: a.owner},
		{Name: "watch", Summary: "print live release events as JSON lines", Run: a.watch},
	}
}

func (a *App) client() (*client, error) {
	cfg, err := loadConfig(a.Getenv)
	if err != nil {
		return nil, err
	}
	return &client{URL: cfg.URL, Key: cfg.Key, HTTP: a.HTTP}, nil
}

func (a *App) printf(format string, args ...any) {
	fmt.Fprintf(a.Stdout, format, args...)
}

// newFlags is a flag set that prints usage to the App's stderr.
func (a *App) newFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("depot "+name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "usage: depot %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// usageWith is fs's usage followed by more text (what a file holds, ...).
func (a *App) usageWith(fs *flag.FlagSet, more string) func() {
	usage := fs.Usage
	return func() {
		usage()
		fmt.Fprint(a.Stderr, more)
	}
}

// parse parses flags anywhere among the arguments ("publish DIR
// --replace" as well as "publish --replace DIR") and returns the
// positional ones. "--" ends flag parsing.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseN parses like parse and checks the positional argument count.
func parseN(fs *flag.FlagSet, args []string, min, max int) ([]string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	return pos, wantArgs(fs, pos, min, max)
}

// wantArgs checks the positional argument count.
func wantArgs(fs *flag.FlagSet, args []string, min, max int) error {
	if len(args) < min || len(args) > max {
		fs.Usage()
		return fmt.Errorf("wrong number of arguments (%d)", len(args))
	}
	return nil
}

// optional returns nil for "" so GraphQL sees an omitted value.
func optional(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// upper normalizes an enum argument ("security" → "SECURITY").
func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
