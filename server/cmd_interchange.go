package server

import (
	"context"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/interchange"
	"github.com/depot-registry/depot/viewer"
)

const importUsage = `usage: depot import [-org ORG] [-owner NAME] [-public-key FILE] [-repository NAME] [-key SECRET] SOURCE

Imports every release of a static Hex registry into this Depot, keeping
publish times, retirements and (from a Depot dump's depot-export.json) docs.
SOURCE is a folder laid out as "mix hex.registry build" writes it (names,
versions, packages/NAME, tarballs/NAME-VERSION.tar, public_key) or the URL
of a repository (e.g. https://other.example/repo/repos/acme).

The whole source is verified first (signatures, repository name, checksums,
tarballs); if anything is wrong nothing is imported. A release already here
with the same checksum is skipped, one with other bytes is refused, so the
command can be run again after an interruption. The database and blob store
come from the environment, as for "depot serve" (DEPOT_DATABASE_URL,
DEPOT_DATA_DIR, DEPOT_BLOB_URL).

Examples:
  depot import -org acme ./acme-registry
  depot import -owner alice -public-key hexpm.pem -repository hexpm ./mirror
  depot import -org acme -public-key other.pem -key $KEY https://other.example/repo/repos/acme

Flags:`

// importCmd runs `depot import`.
func importCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("depot import", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), importUsage); fs.PrintDefaults() }
	org := fs.String("org", "", "organization whose private repository receives the packages; empty for the public repository")
	owner := fs.String("owner", "", "user or organization that owns new public packages (required for public imports)")
	keyFile := fs.String("public-key", "", "PEM file the source's payloads must verify with (default: the source's own public_key)")
	repoName := fs.String("repository", "", "repository name the payloads must carry (default: the one the signed names file carries)")
	secret := fs.String("key", "", "repository key sent in the authorization header to a URL source")
	quiet := fs.Bool("q", false, "no progress lines, only the summary")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("name one SOURCE")
	}
	opts := interchange.ImportOptions{Org: *org, Owner: *owner, Repository: *repoName, Progress: os.Stdout}
	if *quiet {
		opts.Progress = nil
	}
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		opts.PublicKey = b
	}
	var src interchange.Source = interchange.Dir(fs.Arg(0))
	if s := fs.Arg(0); strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		src = interchange.URL{Base: s, Key: *secret}
	}
	svc, done, err := openInterchange(ctx)
	if err != nil {
		return err
	}
	defer done()
	sum, err := svc.Import(viewer.System(ctx), src, opts)
	if err != nil {
		return err
	}
	printImportSummary(os.Stdout, sum)
	if len(sum.Refused) > 0 {
		return fmt.Errorf("%d releases were refused", len(sum.Refused))
	}
	return nil
}

func printImportSummary(w io.Writer, sum interchange.Summary) {
	for _, r := range sum.Refused {
		fmt.Fprintf(w, "refused %s\n", r)
	}
	fmt.Fprintf(w, "imported %d releases, skipped %d already here, refused %d; docs: %d imported, %d already here\n",
		sum.Imported, sum.Skipped, len(sum.Refused), sum.Docs, sum.DocsSkipped)
}

const exportUsage = `usage: depot admin export [-key FILE] [-repository NAME] -out DIR ORG

Writes organization ORG's packages, releases, docs and metadata into DIR as
a static Hex registry (names, versions, packages/NAME, tarballs/, docs/,
public_key, depot-export.json), which any static file server can serve and
"depot import" reads back. It works for an organization whose subscription
lapsed: nothing is deleted when access lapses.

The payloads are signed with the private key PEM in -key. Without it a
fresh key is made for this dump: its public half is DIR/public_key and the
private half is thrown away, so the dump verifies and imports but cannot be
re-signed with the same key.

Example:
  depot admin export -key acme-repo.pem -out ./acme-registry acme

Flags:`

// adminExport runs `depot admin export`.
func adminExport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("depot admin export", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), exportUsage); fs.PrintDefaults() }
	keyFile := fs.String("key", "", "private key PEM to sign the dump with (default: a fresh key, discarded)")
	repoName := fs.String("repository", "", "repository name the payloads carry (default: the organization's name)")
	out := fs.String("out", "", "folder to write the registry into (created; must be empty or missing)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *out == "" {
		fs.Usage()
		return errors.New("name one ORG and -out DIR")
	}
	var key *rsa.PrivateKey
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		if key, err = hexrepo.DecodePrivateKeyPEM(b); err != nil {
			return fmt.Errorf("%s: %w", *keyFile, err)
		}
	}
	if entries, err := os.ReadDir(*out); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty", *out)
	}
	svc, done, err := openInterchange(ctx)
	if err != nil {
		return err
	}
	defer done()
	sum, err := svc.Export(viewer.System(ctx), interchange.ExportOptions{Org: fs.Arg(0), Key: key, Repository: *repoName}, interchange.DirSink(*out))
	if err != nil {
		return err
	}
	fmt.Printf("exported %d packages, %d releases and %d docs tarballs of %s (%d bytes) into %s, signed as repository %q\n",
		sum.Packages, sum.Releases, sum.Docs, fs.Arg(0), sum.Bytes, *out, sum.Repository)
	return nil
}

// openInterchange builds the server's object graph from the environment
// (database, blob store, event bus, the mirror's dependency-confusion check
// when upstreams are configured) without serving, so an import behaves as a
// publish through a running instance would: subscribers of other instances
// hear of it (PostgreSQL NOTIFY) and their read caches see it.
func openInterchange(ctx context.Context) (*interchange.Service, func(), error) {
	cfg, err := config.Parse(nil)
	if err != nil {
		return nil, nil, err
	}
	s, err := New(ctx, cfg, Options{})
	if err != nil {
		return nil, nil, err
	}
	return s.Interchange, func() { s.Close() }, nil
}
