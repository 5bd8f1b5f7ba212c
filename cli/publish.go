package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

const publishMutation = `mutation($t: Upload!, $r: String, $o: String, $replace: Boolean) {
  publishRelease(input: {tarball: $t, repository: $r, owner: $o, replace: $replace}) {
    replaced
    release { version packageName outerChecksum tarballUrl }
  }
}`

// publish is `depot publish [DIR|TARBALL] [--replace] [--org ORG] [--owner ORG]`.
func (a *App) publish(ctx context.Context, args []string) error {
	fs := a.newFlags("publish", "[DIR|TARBALL] [--replace] [--org ORG] [--owner ORG]")
	replace := fs.Bool("replace", false, "replace an existing version (only inside its window)")
	org := fs.String("org", "", "publish into this organization's private repository")
	owner := fs.String("owner", "", "for a new public package: the organization to own it")
	pos, err := parseN(fs, args, 0, 1)
	if err != nil {
		return err
	}
	src := "."
	if len(pos) == 1 {
		src = pos[0]
	}
	tarball, name, err := readPackage(src)
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	var out struct {
		PublishRelease struct {
			Replaced bool
			Release  struct{ Version, PackageName, OuterChecksum, TarballURL string }
		}
	}
	vars := map[string]any{"r": optional(*org), "o": optional(*owner), "replace": *replace}
	if err := c.Upload(ctx, "publishRelease", publishMutation, vars, "t", name, tarball, &out); err != nil {
		return err
	}
	rel := out.PublishRelease.Release
	verb := "published"
	if out.PublishRelease.Replaced {
		verb = "replaced"
	}
	a.printf("%s %s %s\nouter checksum: %s\ntarball: %s\n", verb, rel.PackageName, rel.Version, rel.OuterChecksum, rel.TarballURL)
	return nil
}

// readPackage builds a folder or reads a tarball file.
func readPackage(src string) (tarball []byte, name string, err error) {
	info, err := os.Stat(src)
	if err != nil {
		return nil, "", fmt.Errorf("package: %w", err)
	}
	if info.IsDir() {
		tb, name, _, err := Build(src)
		return tb, name, err
	}
	tb, err := os.ReadFile(src)
	if err != nil {
		return nil, "", fmt.Errorf("package: %w", err)
	}
	return tb, filepath.Base(src), nil
}
