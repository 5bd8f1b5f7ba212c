package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/repo"
)

// repoKey is `depot repo-key [serve flags]` or `depot repo-key --from URL`:
// it prints the registry's public key and the client configuration that
// trusts it. Without --from (or DEPOT_URL, when no flags are given) it reads
// the key of the server with the same flags and DEPOT_* variables, creating
// it on first use in an existing data folder; a data folder that does not
// exist is an error, not a new key.
func (a *App) repoKey(ctx context.Context, args []string) error {
	var from string
	var rest []string
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--from" || args[i] == "-from":
			if i+1 >= len(args) {
				return fmt.Errorf("--from needs a server URL")
			}
			from = args[i+1]
			i++
		case strings.HasPrefix(args[i], "--from="):
			from = strings.TrimPrefix(args[i], "--from=")
		default:
			rest = append(rest, args[i])
		}
	}
	if from == "" && len(rest) == 0 && a.Getenv != nil {
		// No flags: the server the API commands talk to, if one is named.
		from = a.Getenv("DEPOT_URL")
	}
	var pem []byte
	var publicURL, name string
	if from != "" {
		from = strings.TrimRight(from, "/")
		b, err := a.fetchKey(ctx, from+"/repo/public_key")
		if err != nil {
			return err
		}
		pem, publicURL = b, from
		name = "depot"
		if len(rest) > 0 {
			name = rest[0]
		}
	} else {
		cfg, err := config.Parse(rest)
		if err != nil {
			return err
		}
		// A missing data folder means this is not where the server runs:
		// making one would print a key no server signs with.
		if _, err := os.Stat(cfg.DataDir); cfg.RepoKeyFile == "" && errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no data folder %q here: run repo-key where the server runs, pass its -data-dir (DEPOT_DATA_DIR), or ask a running server with --from URL or DEPOT_URL", cfg.DataDir)
		}
		keys, err := repo.LoadKeys(cfg.DataDir, cfg.RepoKeyFile)
		if err != nil {
			return err
		}
		pem, publicURL, name = keys.PublicPEM, cfg.PublicURL, cfg.PublicRepository
	}
	a.printf("%s", Snippets(pem, publicURL, name))
	return nil
}

func (a *App) fetchKey(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch public key: %w", err)
	}
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch public key: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch public key: %s answered %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("fetch public key: %w", err)
	}
	return b, nil
}

// Snippets is what repo-key prints: the key and the rebar3 and mix
// configuration for a server at publicURL whose public repository is
// called name.
func Snippets(pem []byte, publicURL, name string) string {
	key := strings.TrimSpace(string(pem))
	repoURL := publicURL + "/repo"
	var b strings.Builder
	fmt.Fprintf(&b, "Public key of the %s registry (%s/public_key):\n\n%s\n\n", name, repoURL, key)
	fmt.Fprintf(&b, "rebar3 — in ~/.config/rebar3/rebar.config (\"replace\" stops rebar3 asking hex.pm;\n"+
		"use \"append\" to keep hex.pm as well):\n\n")
	fmt.Fprintf(&b, "{hex, [{repos, replace, [\n"+
		"  #{name => <<\"%s\">>,\n"+
		"    repo_url => <<\"%s\">>,\n"+
		"    repo_public_key => <<\"%s\">>,\n"+
		"    repo_verify => true,\n"+
		"    repo_verify_origin => true}\n"+
		"  %%%% A private repository: name it \"%s:ORG\" and give an API key with\n"+
		"  %%%% the repository:ORG scope (rebar3 sends it as is):\n"+
		"  %%%% , #{name => <<\"%s:ORG\">>, repo_key => <<\"dpk_...\">>}\n"+
		"]}]}.\n\n", name, repoURL, key, name, name)
	fmt.Fprintf(&b, "mix — save the key as %s_public_key.pem, then:\n\n", name)
	fmt.Fprintf(&b, "  mix hex.repo add %s %s --public-key %s_public_key.pem\n", name, repoURL, name)
	fmt.Fprintf(&b, "  # and in mix.exs: {:some_package, \"~> 1.0\", repo: \"%s\"}\n", name)
	fmt.Fprintf(&b, "  # a private repository, named like the organization (API key with the\n")
	fmt.Fprintf(&b, "  # repository:ORG scope), used with repo: \"ORG\":\n")
	fmt.Fprintf(&b, "  mix hex.repo add ORG %s/repos/ORG --public-key %s_public_key.pem --auth-key dpk_...\n\n", repoURL, name)
	apiURL := publicURL + "/api"
	fmt.Fprintf(&b, "Publishing (the Hex HTTP API at %s). mix:\n\n", apiURL)
	fmt.Fprintf(&b, "  mix hex.config api_url %s     # or HEX_API_URL=%s\n", apiURL, apiURL)
	fmt.Fprintf(&b, "  export HEX_API_KEY=dpk_...        # an API key with api:write (or package:NAME)\n")
	fmt.Fprintf(&b, "  mix hex.publish                   # --organization ORG publishes into ORG's repository\n")
	fmt.Fprintf(&b, "  mix hex.publish --revert VERSION; mix hex.retire PACKAGE VERSION REASON; mix hex.owner ...\n\n")
	fmt.Fprintf(&b, "rebar3 (rebar3_hex plugin: {plugins, [rebar3_hex]}) — add to the repo map above:\n\n")
	fmt.Fprintf(&b, "    api_url => <<\"%s\">>,\n\n", apiURL)
	fmt.Fprintf(&b, "  HEX_API_KEY=dpk_... rebar3 hex publish --repo %s --yes\n", name)
	return b.String()
}
