package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The docs mutations the server exposes; their payloads carry the release.
const (
	publishDocsMutation = `mutation($t: Upload!, $p: String!, $v: String!, $r: String) {
  publishDocs(input: {package: $p, version: $v, repository: $r, tarball: $t}) { release { version docsUrl } }
}`
	revertDocsMutation = `mutation($p: String!, $v: String!, $r: String) {
  revertDocs(input: {package: $p, version: $v, repository: $r}) { release { version } }
}`
)

// docs is `depot docs publish PKG VERSION DIR|TARBALL` and
// `depot docs revert PKG VERSION`.
func (a *App) docs(ctx context.Context, args []string) error {
	fs := a.newFlags("docs", "publish PKG VERSION DIR|TARBALL [--org ORG] | revert PKG VERSION [--org ORG]")
	org := fs.String("org", "", "the package is in this organization's private repository")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return fmt.Errorf("missing subcommand")
	}
	sub, pos := pos[0], pos[1:]
	switch sub {
	case "publish":
		if err := wantArgs(fs, pos, 3, 3); err != nil {
			return err
		}
		tarball, err := readDocs(pos[2])
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		var out struct {
			PublishDocs struct {
				Release struct{ Version, DocsURL string }
			}
		}
		vars := map[string]any{"p": pos[0], "v": pos[1], "r": optional(*org)}
		if err := c.Upload(ctx, "publishDocs", publishDocsMutation, vars, "t", pos[0]+"-"+pos[1]+"-docs.tar.gz", tarball, &out); err != nil {
			return err
		}
		a.printf("published docs of %s %s (%d bytes)\n", pos[0], pos[1], len(tarball))
		if u := out.PublishDocs.Release.DocsURL; u != "" {
			a.printf("%s\n", u)
		}
		return nil
	case "revert":
		if err := wantArgs(fs, pos, 2, 2); err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		if err := c.Do(ctx, "revertDocs", revertDocsMutation, map[string]any{"p": pos[0], "v": pos[1], "r": optional(*org)}, nil); err != nil {
			return err
		}
		a.printf("removed the docs of %s %s\n", pos[0], pos[1])
		return nil
	}
	fs.Usage()
	return fmt.Errorf("unknown subcommand %q (want publish or revert)", sub)
}

// readDocs packs a docs folder (e.g. ExDoc's doc/) or reads a ready
// .tar.gz.
func readDocs(src string) ([]byte, error) {
	info, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("docs: %w", err)
	}
	if !info.IsDir() {
		b, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("docs: %w", err)
		}
		return b, nil
	}
	return PackDocs(src)
}

// PackDocs makes the gzipped tar the server expects from a folder of
// HTML docs: paths relative to the folder, regular files only (links are
// refused, hidden files such as ExDoc's .build skipped), fixed times so
// equal folders give equal bytes.
func PackDocs(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return tw.WriteHeader(&tar.Header{Name: rel + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: epoch})
		case !d.Type().IsRegular():
			return fmt.Errorf("%s is not a regular file (links are not allowed in docs)", path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: rel, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data)), ModTime: epoch}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pack docs: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("pack docs: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("pack docs: %w", err)
	}
	return buf.Bytes(), nil
}
