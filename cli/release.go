package cli

import (
	"context"
	"strings"
)

// revert is `depot revert PKG VERSION [--org ORG]`.
func (a *App) revert(ctx context.Context, args []string) error {
	fs := a.newFlags("revert", "PKG VERSION [--org ORG]")
	org := fs.String("org", "", "the package is in this organization's private repository")
	pos, err := parseN(fs, args, 2, 2)
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	var out struct {
		RevertRelease struct{ PackageDeleted bool }
	}
	err = c.Do(ctx, "revertRelease", `mutation($p: String!, $v: String!, $r: String) {
  revertRelease(input: {package: $p, version: $v, repository: $r}) { packageDeleted }
}`, map[string]any{"p": pos[0], "v": pos[1], "r": optional(*org)}, &out)
	if err != nil {
		return err
	}
	a.printf("reverted %s %s\n", pos[0], pos[1])
	if out.RevertRelease.PackageDeleted {
		a.printf("it was the last release: package %s is deleted\n", pos[0])
	}
	return nil
}

// retire is `depot retire PKG VERSION REASON [--message M] [--org ORG]`.
func (a *App) retire(ctx context.Context, args []string) error {
	fs := a.newFlags("retire", "PKG VERSION REASON [--message M] [--org ORG]\n  REASON: other, invalid, security, deprecated or renamed")
	message := fs.String("message", "", "why, 3 to 140 characters (shown by clients)")
	org := fs.String("org", "", "the package is in this organization's private repository")
	pos, err := parseN(fs, args, 3, 3)
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	var out struct {
		RetireRelease struct{ Releases []struct{ Version string } }
	}
	err = c.Do(ctx, "retireRelease", `mutation($p: String!, $v: String, $r: String, $reason: RetirementReason!, $m: String) {
  retireRelease(input: {package: $p, version: $v, repository: $r, reason: $reason, message: $m}) { releases { version } }
}`, map[string]any{"p": pos[0], "v": pos[1], "r": optional(*org), "reason": upper(pos[2]), "m": optional(*message)}, &out)
	if err != nil {
		return err
	}
	a.printf("retired %s %s (%s)\n", pos[0], versions(out.RetireRelease.Releases), strings.ToLower(upper(pos[2])))
	return nil
}

// unretire is `depot unretire PKG VERSION [--org ORG]`.
func (a *App) unretire(ctx context.Context, args []string) error {
	fs := a.newFlags("unretire", "PKG VERSION [--org ORG]")
	org := fs.String("org", "", "the package is in this organization's private repository")
	pos, err := parseN(fs, args, 2, 2)
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	var out struct {
		UnretireRelease struct{ Releases []struct{ Version string } }
	}
	err = c.Do(ctx, "unretireRelease", `mutation($p: String!, $v: String, $r: String) {
  unretireRelease(input: {package: $p, version: $v, repository: $r}) { releases { version } }
}`, map[string]any{"p": pos[0], "v": pos[1], "r": optional(*org)}, &out)
	if err != nil {
		return err
	}
	a.printf("unretired %s %s\n", pos[0], versions(out.UnretireRelease.Releases))
	return nil
}

func versions(rs []struct{ Version string }) string {
	vs := make([]string, len(rs))
	for i, r := range rs {
		vs[i] = r.Version
	}
	return strings.Join(vs, ", ")
}
