package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/depot-registry/depot/hextar"
)

// ManifestName is the package description depot build reads.
const ManifestName = "depot.json"

// Manifest is depot.json: the metadata.config of the package, in JSON
// with // comments allowed (manifestFields in init.go explains each field;
// `depot init` writes a commented template).
//
//	{
//	  "name": "my_lib", "version": "1.2.0",
//	  "app": "my_lib",                       // default: name
//	  "description": "What it does.",
//	  "licenses": ["Apache-2.0"],
//	  "links": {"GitHub": "https://github.com/me/my_lib"},
//	  "requirements": [{"name": "other", "requirement": "~> 1.0",
//	                    "optional": false, "app": "other", "repository": ""}],
//	  "build_tools": ["rebar3"],             // default: guessed from the files
//	  "files": ["src", "include", "rebar.config", "README.md"]
//	}
//
// "files" lists files and folders (taken recursively) relative to the
// manifest; by default the usual rebar3/mix package files are taken when
// present (DefaultFiles).
type Manifest struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	App          string            `json:"app"`
	Description  string            `json:"description"`
	Licenses     []string          `json:"licenses"`
	Links        map[string]string `json:"links"`
	Requirements []struct {
		Name        string `json:"name"`
		Requirement string `json:"requirement"`
		Optional    bool   `json:"optional"`
		App         string `json:"app"`
		Repository  string `json:"repository"`
	} `json:"requirements"`
	BuildTools []string `json:"build_tools"`
	Files      []string `json:"files"`
}

// DefaultFiles are packaged when depot.json lists no files, as rebar3 hex
// and mix hex.build do.
var DefaultFiles = []string{
	"src", "c_src", "include", "priv", "lib", "rebar.config", "rebar.config.script", "rebar.lock",
	"mix.exs", "Makefile", "README", "README.md", "LICENSE", "LICENSE.md", "LICENSE.txt",
	"NOTICE", "CHANGELOG.md",
}

// Build makes a package tarball from the folder dir and returns it with
// its name ("NAME-VERSION.tar") and outer checksum (lower-case hex).
func Build(dir string) (tarball []byte, name, outer string, err error) {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", "", fmt.Errorf("%s has no %s describing the package (name, version, description, licenses, ...)", dir, ManifestName)
	}
	if err != nil {
		return nil, "", "", fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(stripComments(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, "", "", fmt.Errorf("%s: %w", ManifestName, err)
	}
	files, err := collect(dir, m.Files)
	if err != nil {
		return nil, "", "", err
	}
	meta := hextar.Metadata{
		Name: m.Name, Version: m.Version, App: m.App, Description: m.Description,
		Licenses: m.Licenses, BuildTools: m.BuildTools,
	}
	if meta.App == "" {
		meta.App = m.Name
	}
	for _, r := range m.Requirements {
		app := r.App
		if app == "" {
			app = r.Name
		}
		meta.Requirements = append(meta.Requirements, hextar.Requirement{
			Name: r.Name, App: app, Requirement: r.Requirement, Optional: r.Optional, Repository: r.Repository,
		})
	}
	linkNames := make([]string, 0, len(m.Links))
	for k := range m.Links {
		linkNames = append(linkNames, k)
	}
	slices.Sort(linkNames)
	for _, k := range linkNames {
		meta.Links = append(meta.Links, hextar.Link{Name: k, URL: m.Links[k]})
	}
	for _, f := range files {
		meta.Files = append(meta.Files, f.Name)
	}
	if len(meta.BuildTools) == 0 {
		meta.BuildTools = guessBuildTools(meta.Files)
	}
	tb, _, sum, err := hextar.Create(meta, files)
	if err != nil {
		return nil, "", "", fmt.Errorf("build %s %s: %w", m.Name, m.Version, err)
	}
	return tb, m.Name + "-" + m.Version + ".tar", hextar.Hex(sum), nil
}

// guessBuildTools mirrors hex_core: the build files at the top decide.
func guessBuildTools(files []string) []string {
	var tools []string
	add := func(t string) {
		if !slices.Contains(tools, t) {
			tools = append(tools, t)
		}
	}
	for _, f := range files {
		switch f {
		case "rebar.config", "rebar.config.script":
			add("rebar3")
		case "mix.exs":
			add("mix")
		case "Makefile":
			add("make")
		}
	}
	return tools
}

// collect reads the listed files and folders (recursively), skipping
// hidden entries inside folders and refusing links, so a package holds
// exactly the bytes on disk.
func collect(dir string, list []string) ([]hextar.File, error) {
	explicit := len(list) > 0
	if !explicit {
		list = DefaultFiles
	}
	var out []hextar.File
	seen := map[string]bool{}
	for _, entry := range list {
		clean := filepath.ToSlash(filepath.Clean(entry))
		if filepath.IsAbs(entry) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("file %q is outside the package folder", entry)
		}
		root := filepath.Join(dir, filepath.FromSlash(clean))
		_, err := os.Lstat(root)
		if errors.Is(err, os.ErrNotExist) && !explicit {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("package file %s: %w", entry, err)
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if !d.Type().IsRegular() {
				return fmt.Errorf("%s is not a regular file (links are not packaged)", path)
			}
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if seen[rel] {
				return nil
			}
			seen[rel] = true
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			out = append(out, hextar.File{Name: rel, Mode: int64(fi.Mode().Perm()), Data: data})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("collect %s: %w", entry, err)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no files to package (list them in \"files\" of " + ManifestName + ")")
	}
	return out, nil
}

// build is `depot build [DIR] [-o FILE]`.
func (a *App) build(_ context.Context, args []string) error {
	fs := a.newFlags("build", "[DIR] [-o FILE]\n\nPackages DIR (default: the current folder) as described by DIR/depot.json\ninto NAME-VERSION.tar in the current folder.")
	outFile := fs.String("o", "", "write the tarball here (default: NAME-VERSION.tar in the current folder)")
	fs.Usage = a.usageWith(fs, manifestHelp())
	pos, err := parseN(fs, args, 0, 1)
	if err != nil {
		return err
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	tb, name, outer, err := Build(dir)
	if err != nil {
		return err
	}
	path := *outFile
	if path == "" {
		path = name
	}
	if err := os.WriteFile(path, tb, 0o644); err != nil {
		return fmt.Errorf("write tarball: %w", err)
	}
	a.printf("built %s (%d bytes)\nouter checksum: %s\n", path, len(tb), outer)
	return nil
}
