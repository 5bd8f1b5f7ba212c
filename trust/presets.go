// Package trust is trusted publishing: a CI job exchanges the OIDC identity
// token its platform gives it (GitHub Actions, GitLab CI, or any OIDC issuer
// such as a Gitea or Forgejo runner) for an API key valid 15 minutes that
// only publishes the packages whose trusted publishers match the token's
// claims. This file holds the publisher kinds and their claim rules; the
// token verification is in verify.go and the exchange in exchange.go. The
// publishers themselves belong to packages (registry/trusted.go).
package trust

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/depot-registry/depot/apperr"
)

// Kind is a publisher preset.
type Kind string

// The presets. OIDC is any issuer with claims matched as configured.
const (
	GitHub Kind = "GITHUB"
	GitLab Kind = "GITLAB"
	OIDC   Kind = "OIDC"
)

// Issuers of the presets.
const (
	GitHubIssuer = "https://token.actions.githubusercontent.com"
	GitLabIssuer = "https://gitlab.com"
)

// ClaimSpec is one claim a kind of publisher is configured with.
type ClaimSpec struct {
	Name     string
	Required bool
}

// KindSpec is what a kind of publisher is configured with, as Validate
// checks it: its claims in form order and whether the issuer URL must be
// given. An OIDC publisher takes any claims, at least one; Claims suggests
// the usual ones.
type KindSpec struct {
	Kind        Kind
	Claims      []ClaimSpec
	AnyClaims   bool
	NeedsIssuer bool
}

// Kinds lists the publisher kinds with their claims, for fronts that build
// a form from them.
func Kinds() []KindSpec {
	out := []KindSpec{}
	for _, k := range []Kind{GitHub, GitLab} {
		p := presetClaims[k]
		spec := KindSpec{Kind: k}
		for _, n := range p.required {
			spec.Claims = append(spec.Claims, ClaimSpec{Name: n, Required: true})
		}
		for _, n := range p.optional {
			spec.Claims = append(spec.Claims, ClaimSpec{Name: n})
		}
		out = append(out, spec)
	}
	return append(out, KindSpec{Kind: OIDC, AnyClaims: true, NeedsIssuer: true,
		Claims: []ClaimSpec{{Name: "sub"}, {Name: "repository"}}})
}

// Claim names a preset configures (Depot's names; matched against the
// token as described in Match).
var presetClaims = map[Kind]struct{ required, optional []string }{
	GitHub: {required: []string{"repository_owner", "repository", "workflow"}, optional: []string{"environment"}},
	GitLab: {required: []string{"project_path"}, optional: []string{"ref", "environment"}},
}

var (
	claimNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$`)
	workflowRE   = regexp.MustCompile(`^[A-Za-z0-9_.-]+\.ya?ml$`)
	reservedJWT  = []string{"iss", "aud", "exp", "nbf", "iat", "jti"}
	maxClaimSize = 255
)

// Config is a publisher's issuer and claims, validated.
type Config struct {
	Kind   Kind
	Issuer string
	Claims map[string]string
}

// Validate checks and normalizes a publisher configuration: a preset's
// required claims present and no unknown ones, an https issuer URL for OIDC
// (http only when allowHTTP, for tests and explicit configuration).
func Validate(kind Kind, issuer string, claims map[string]string, allowHTTP bool) (Config, error) {
	c := Config{Kind: kind, Claims: map[string]string{}}
	for k, v := range claims {
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if len(v) > maxClaimSize {
			return Config{}, apperr.Invalid("claims", "claim %s is longer than %d characters", k, maxClaimSize)
		}
		c.Claims[k] = v
	}
	switch kind {
	case GitHub, GitLab:
		p := presetClaims[kind]
		// Another issuer is GitHub Enterprise Server or a self-managed
		// GitLab, which issue the same claims.
		c.Issuer = presetIssuer(kind)
		if strings.TrimSpace(issuer) != "" {
			iss, err := issuerURL(issuer, allowHTTP)
			if err != nil {
				return Config{}, err
			}
			c.Issuer = iss
		}
		for _, name := range p.required {
			if c.Claims[name] == "" {
				return Config{}, apperr.Invalid("claims", "the %s preset needs claim %s", kind, name)
			}
		}
		for name := range c.Claims {
			if !slices.Contains(p.required, name) && !slices.Contains(p.optional, name) {
				return Config{}, apperr.Invalid("claims", "the %s preset has no claim %s (it takes %s)", kind, name,
					strings.Join(append(append([]string{}, p.required...), p.optional...), ", "))
			}
		}
		if kind == GitHub {
			if w := c.Claims["workflow"]; !workflowRE.MatchString(w) {
				return Config{}, apperr.Invalid("claims", "workflow is the file name under .github/workflows, such as release.yml")
			}
			owner, repo, ok := strings.Cut(c.Claims["repository"], "/")
			if !ok {
				// "name" alone: the repository of repository_owner.
				c.Claims["repository"] = c.Claims["repository_owner"] + "/" + owner
			} else if !strings.EqualFold(owner, c.Claims["repository_owner"]) || repo == "" || strings.Contains(repo, "/") {
				return Config{}, apperr.Invalid("claims", "repository must be OWNER/NAME with OWNER the repository_owner")
			}
		}
	case OIDC:
		iss, err := issuerURL(issuer, allowHTTP)
		if err != nil {
			return Config{}, err
		}
		c.Issuer = iss
		if len(c.Claims) == 0 {
			return Config{}, apperr.Invalid("claims", "give at least one claim to match (sub, or your CI's repository claim)")
		}
		for name := range c.Claims {
			if !claimNameRE.MatchString(name) || slices.Contains(reservedJWT, name) {
				return Config{}, apperr.Invalid("claims", "%q cannot be matched (a claim name, not one of %s)", name, strings.Join(reservedJWT, ", "))
			}
		}
	default:
		return Config{}, apperr.Invalid("kind", "unknown publisher kind %q (GITHUB, GITLAB or OIDC)", kind)
	}
	return c, nil
}

// issuerURL validates an issuer: https (http only when allowed), no
// query, fragment or credentials; without a trailing slash, as iss is.
func issuerURL(raw string, allowHTTP bool) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil ||
		(u.Scheme != "https" && !(allowHTTP && u.Scheme == "http")) {
		return "", apperr.Invalid("issuer", "the issuer must be an https:// URL (the token's iss claim)")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func presetIssuer(k Kind) string {
	if k == GitLab {
		return GitLabIssuer
	}
	return GitHubIssuer
}

// Claims are a verified token's claims.
type Claims map[string]any

// Str returns a string claim, "" when absent or not a string.
func (c Claims) Str(name string) string {
	s, _ := c[name].(string)
	return s
}

// Match reports whether a verified token's claims satisfy c.
//
// GitHub: repository_owner and repository (case-insensitively, as GitHub
// names are), the workflow file from workflow_ref (the top-level workflow of
// the run, which lives in the repository: OWNER/NAME/.github/workflows/FILE@REF),
// and environment when configured. GitLab: project_path, ref and
// environment when configured, exactly. OIDC: every configured claim exactly.
func (c Config) Match(tok Claims) bool {
	switch c.Kind {
	case GitHub:
		repo := tok.Str("repository")
		if !strings.EqualFold(tok.Str("repository_owner"), c.Claims["repository_owner"]) ||
			!strings.EqualFold(repo, c.Claims["repository"]) {
			return false
		}
		file, ok := workflowFile(tok.Str("workflow_ref"), repo)
		if !ok || file != c.Claims["workflow"] {
			return false
		}
		if env := c.Claims["environment"]; env != "" && !strings.EqualFold(tok.Str("environment"), env) {
			return false
		}
		return true
	default:
		for name, want := range c.Claims {
			if tok.Str(name) != want {
				return false
			}
		}
		return len(c.Claims) > 0
	}
}

// workflowFile extracts FILE from OWNER/NAME/.github/workflows/FILE@REF,
// requiring the workflow to live in repository repo.
func workflowFile(ref, repo string) (string, bool) {
	p, _, ok := strings.Cut(ref, "@")
	if !ok {
		return "", false
	}
	dir, file := path.Split(p)
	if !strings.EqualFold(dir, repo+"/.github/workflows/") || file == "" {
		return "", false
	}
	return file, true
}

// Describe is a one-line description of the publisher, for people.
func (c Config) Describe() string {
	keys := make([]string, 0, len(c.Claims))
	for k := range c.Claims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	switch c.Kind {
	case GitHub:
		s := fmt.Sprintf("GitHub Actions: %s, workflow %s", c.Claims["repository"], c.Claims["workflow"])
		if env := c.Claims["environment"]; env != "" {
			s += ", environment " + env
		}
		return s
	case GitLab:
		s := "GitLab CI: " + c.Claims["project_path"]
		if ref := c.Claims["ref"]; ref != "" {
			s += ", ref " + ref
		}
		if env := c.Claims["environment"]; env != "" {
			s += ", environment " + env
		}
		return s
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + c.Claims[k]
	}
	return c.Issuer + ": " + strings.Join(parts, ", ")
}

// Run is the CI run a token belongs to, as recorded in the audit log and
// on the releases it publishes: run id, commit and workflow, and a link to
// the run for the presets.
func Run(c Config, tok Claims) map[string]string {
	kind := c.Kind
	run := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			run[k] = v
		}
	}
	switch kind {
	case GitHub:
		set("run_id", tok.Str("run_id"))
		set("workflow_ref", tok.Str("workflow_ref"))
		set("repository", tok.Str("repository"))
		if id, repo := tok.Str("run_id"), tok.Str("repository"); id != "" && repo != "" && c.Issuer == GitHubIssuer {
			set("run_url", "https://github.com/"+repo+"/actions/runs/"+url.PathEscape(id))
		}
	case GitLab:
		set("run_id", tok.Str("pipeline_id"))
		set("workflow_ref", tok.Str("ref"))
		set("repository", tok.Str("project_path"))
		if id, p := tok.Str("pipeline_id"), tok.Str("project_path"); id != "" && p != "" {
			set("run_url", c.Issuer+"/"+p+"/-/pipelines/"+url.PathEscape(id))
		}
	default:
		set("run_id", tok.Str("run_id"))
		set("workflow_ref", tok.Str("workflow_ref"))
		set("repository", tok.Str("repository"))
	}
	set("sha", tok.Str("sha"))
	set("subject", tok.Str("sub"))
	return run
}
