package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/depot-registry/depot/names"
	"github.com/depot-registry/depot/semver"
)

// manifestField is one field of depot.json: what `depot init` writes and
// `depot build -h` explains come from this one table.
type manifestField struct {
	key     string
	help    []string // comment lines
	example string   // JSON value init writes when no flag sets it
}

var manifestFields = []manifestField{
	{"name", []string{"Package name: a-z, 0-9 and _, starting with a letter, 2 to 64 characters."}, ""},
	{"version", []string{"Version, semantic: MAJOR.MINOR.PATCH (e.g. 1.0.0, 2.1.0-rc.1)."}, ""},
	{"app", []string{"OTP application name. Empty: the package name."}, `""`},
	{"description", []string{"One line on what the package does (shown on its page and in search)."}, `""`},
	{"licenses", []string{`SPDX license identifiers, e.g. ["Apache-2.0"]; public packages need one.`}, `[]`},
	{"links", []string{`Links shown on the package page, e.g. {"GitHub": "https://github.com/me/my_lib"}.`}, `{}`},
	{"requirements", []string{
		`Dependencies: [{"name": "other", "requirement": "~> 1.0",`,
		`  "optional": false, "app": "other", "repository": ""}]`,
		`(app defaults to name; repository "" is this registry's public one).`,
	}, `[]`},
	{"build_tools", []string{`Build tools, e.g. ["rebar3"] or ["mix"]. Empty: guessed from the files.`}, `[]`},
	{"files", []string{
		"Files and folders (taken recursively, hidden entries skipped) relative to",
		"this file. Empty: those of these that exist: " + strings.Join(DefaultFiles[:7], ", ") + ",",
		strings.Join(DefaultFiles[7:], ", ") + ".",
	}, `[]`},
}

// manifestHelp explains depot.json for `depot build -h` and `depot init -h`.
func manifestHelp() string {
	var b strings.Builder
	b.WriteString("\ndepot.json describes the package (Hex's metadata.config, in JSON; lines\n")
	b.WriteString("may carry // comments). `depot init` writes a commented one. Fields:\n")
	for _, f := range manifestFields {
		fmt.Fprintf(&b, "  %-13s %s\n", f.key, f.help[0])
		for _, l := range f.help[1:] {
			fmt.Fprintf(&b, "  %-13s %s\n", "", l)
		}
	}
	b.WriteString("Only name and version are required. Unknown fields are refused.\n")
	return b.String()
}

// initTemplate is the depot.json `depot init` writes: every field, each
// under a comment saying what it is.
func initTemplate(name, version, description string, licenses []string) []byte {
	var b bytes.Buffer
	b.WriteString("// depot.json: what `depot build` packages. Lines starting with // are comments.\n")
	b.WriteString("// `depot build -h` lists the fields; only name and version are required.\n{\n")
	for i, f := range manifestFields {
		for _, l := range f.help {
			b.WriteString("  // " + l + "\n")
		}
		v := f.example
		switch f.key {
		case "name":
			v = jsonString(name)
		case "version":
			v = jsonString(version)
		case "description":
			v = jsonString(description)
		case "licenses":
			if len(licenses) > 0 {
				b, _ := json.Marshal(licenses)
				v = string(b)
			}
		}
		b.WriteString("  " + jsonString(f.key) + ": " + v)
		if i < len(manifestFields)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.Bytes()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// stripComments blanks // comments outside JSON strings, keeping every
// newline so the decoder's error offsets still point at the right line.
func stripComments(src []byte) []byte {
	out := make([]byte, 0, len(src))
	inString, escaped := false, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			if i < len(src) {
				out = append(out, '\n')
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// defaultName turns a folder name into a package name ("My-Lib" → "my_lib").
func defaultName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		case r == '-' || r == '.' || r == ' ':
			return '_'
		}
		return -1
	}, filepath.Base(abs))
}

// init is `depot init [DIR] [--name NAME] [--version V] [--description D] [--license L]`.
func (a *App) init(_ context.Context, args []string) error {
	fs := a.newFlags("init", "[DIR] [--name NAME] [--version V] [--description TEXT] [--license ID,...]\n\nWrites DIR/depot.json (DIR: the current folder), a commented template for `depot build`.\nRefuses to overwrite an existing one.")
	name := fs.String("name", "", "package name (default: the folder's name, lower case, - and . as _)")
	version := fs.String("version", "0.1.0", "first version")
	description := fs.String("description", "", "one line on what the package does")
	licenses := fs.String("license", "", "SPDX license identifiers, comma-separated (public packages need one)")
	fs.Usage = a.usageWith(fs, manifestHelp())
	pos, err := parseN(fs, args, 0, 1)
	if err != nil {
		return err
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	path := filepath.Join(dir, ManifestName)
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s already exists: edit it, or remove it to start over", path)
	}
	if *name == "" {
		*name = defaultName(dir)
	}
	if err := names.Package(*name); err != nil {
		return fmt.Errorf("package name %q: %w (choose one with --name)", *name, err)
	}
	if _, err := semver.Parse(*version); err != nil {
		return fmt.Errorf("version %q: %w", *version, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists: edit it, or remove it to start over", path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", ManifestName, err)
	}
	var lics []string
	for l := range strings.SplitSeq(*licenses, ",") {
		if l = strings.TrimSpace(l); l != "" {
			lics = append(lics, l)
		}
	}
	if _, err := f.Write(initTemplate(*name, *version, *description, lics)); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	a.printf("wrote %s for %s %s; edit it, then run `depot build`\n", path, *name, *version)
	return nil
}
