package cli

import (
	"context"
	"fmt"
	"strings"
)

// owner is `depot owner list|add|remove|transfer ...`.
func (a *App) owner(ctx context.Context, args []string) error {
	usage := "list PKG | add PKG USER_OR_ORG [--level full|maintainer] | remove PKG USER_OR_ORG | transfer PKG USER_OR_ORG  [--org ORG]"
	fs := a.newFlags("owner", usage)
	level := fs.String("level", "maintainer", "owner level for add: full or maintainer")
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
	c, err := a.client()
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		if err := wantArgs(fs, pos, 1, 1); err != nil {
			return err
		}
		return a.listOwners(ctx, c, pos[0], *org)
	case "add":
		if err := wantArgs(fs, pos, 2, 2); err != nil {
			return err
		}
		err = c.Do(ctx, "addPackageOwner", `mutation($p: String!, $r: String, $o: String!, $l: OwnerLevel!) {
  addPackageOwner(input: {package: $p, repository: $r, owner: $o, level: $l}) { package { name } }
}`, map[string]any{"p": pos[0], "r": optional(*org), "o": pos[1], "l": upper(*level)}, nil)
		if err == nil {
			a.printf("%s is now a %s owner of %s\n", pos[1], strings.ToLower(upper(*level)), pos[0])
		}
		return err
	case "remove":
		if err := wantArgs(fs, pos, 2, 2); err != nil {
			return err
		}
		err = c.Do(ctx, "removePackageOwner", `mutation($p: String!, $r: String, $o: String!) {
  removePackageOwner(input: {package: $p, repository: $r, owner: $o}) { package { name } }
}`, map[string]any{"p": pos[0], "r": optional(*org), "o": pos[1]}, nil)
		if err == nil {
			a.printf("%s is no longer an owner of %s\n", pos[1], pos[0])
		}
		return err
	case "transfer":
		if err := wantArgs(fs, pos, 2, 2); err != nil {
			return err
		}
		err = c.Do(ctx, "transferPackage", `mutation($p: String!, $r: String, $to: String!) {
  transferPackage(input: {package: $p, repository: $r, to: $to}) { package { name } }
}`, map[string]any{"p": pos[0], "r": optional(*org), "to": pos[1]}, nil)
		if err == nil {
			a.printf("%s now belongs to %s\n", pos[0], pos[1])
		}
		return err
	}
	fs.Usage()
	return fmt.Errorf("unknown subcommand %q (want list, add, remove or transfer)", sub)
}

func (a *App) listOwners(ctx context.Context, c *client, pkg, org string) error {
	var out struct {
		Package *struct {
			Owners []struct {
				Level   string
				Account struct {
					Typename string `json:"__typename"`
					Username string
					Name     string
				}
			}
		}
	}
	err := c.Do(ctx, "package", `query($p: String!, $r: String) {
  package(name: $p, repository: $r) { owners { level account { __typename ... on User { username } ... on Organization { name } } } }
}`, map[string]any{"p": pkg, "r": optional(org)}, &out)
	if err != nil {
		return err
	}
	if out.Package == nil {
		return &Error{Op: "package", Message: fmt.Sprintf("no package named %q", pkg), Code: "NOT_FOUND"}
	}
	for _, o := range out.Package.Owners {
		name, kind := o.Account.Username, "user"
		if o.Account.Typename == "Organization" {
			name, kind = o.Account.Name, "organization"
		}
		a.printf("%s\t%s\t%s\n", name, kind, strings.ToLower(o.Level))
	}
	return nil
}
