package server

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// adminCmd runs operator tasks directly against the database (not through
// the API): they are the registry's own decisions, outside the owners'
// rules — e.g. removing a package for legal or security reasons (seed: such
// names and versions are reserved for ever).
func adminCmd(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "mirror" {
		return adminMirror(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "export" {
		return adminExport(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "remove" {
		return errors.New("usage: depot admin remove [-repository ORG] [-reason TEXT] PKG [VERSION]")
	}
	fs := flag.NewFlagSet("depot admin remove", flag.ContinueOnError)
	repoName := fs.String("repository", "", "organization whose private repository holds the package; empty for public")
	reason := fs.String("reason", "", "why (kept with the reservation)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 1 || len(rest) > 2 {
		return errors.New("usage: depot admin remove [-repository ORG] [-reason TEXT] PKG [VERSION]")
	}
	pkgName, version := rest[0], ""
	if len(rest) == 2 {
		version = rest[1]
	}
	// The database and data folder come from the environment, as for serve
	// (DEPOT_DATABASE_URL, DEPOT_DATA_DIR).
	cfg, err := config.Parse(nil)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	reg := &registry.Service{DB: db.Client, Blobs: blobs, PublicRepository: cfg.PublicRepository}
	deleted, err := reg.AdminRemove(viewer.System(ctx), *repoName, pkgName, version, *reason)
	if err != nil {
		return err
	}
	what := pkgName
	if version != "" {
		what += " " + version
	}
	fmt.Printf("removed %s and reserved it for ever", what)
	if deleted {
		fmt.Print(" (the package is gone)")
	}
	fmt.Println()
	return nil
}
