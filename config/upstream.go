package config

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// HexpmPublicKey is hex.pm's repository public key, as hex_core's
// default_config() ships it (repo_public_key). It is public; an upstream
// configured with key=hexpm uses it. Nothing is mirrored unless an
// upstream is configured.
const HexpmPublicKey = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApqREcFDt5vV21JVe2QNB
Edvzk6w36aNFhVGWN5toNJRjRJ6m4hIuG4KaXtDWVLjnvct6MYMfqhC79HAGwyF+
IqR6Q6a5bbFSsImgBJwz1oadoVKD6ZNetAuCIK84cjMrEFRkELtEIPNHblCzUkkM
3rS9+DPlnfG8hBvGi6tvQIuZmXGCxF/73hU0/MyGhbmEjIKRtG6b0sJYKelRLTPW
XgK7s5pESgiwf2YC/2MGDXjAJfpfCd0RpLdvd4eRiXtVlE9qO9bND94E7PgQ/xqZ
J1i2xWFndWa6nfFnRxZmCStCOZWYYPlaxr+FZceFbpMwzTNs4g3d4tLNUcbKAIH4
0wIDAQAB
-----END PUBLIC KEY-----
`

// Upstream is one mirrored Hex repository.
type Upstream struct {
	// Name is the upstream's repository name: what its signed payloads
	// carry in their repository field ("hexpm" for hex.pm).
	Name string
	// URL is the repository root (https://repo.hex.pm).
	URL string
	// PublicKey is the PEM its payloads are signed with.
	PublicKey []byte
	// Allow, when not empty, is the only package names mirrored from it.
	Allow []string
}

// ParseUpstream reads NAME=URL,key=PEMFILE[,allow=a,b,...]. key=hexpm
// selects HexpmPublicKey; tokens after allow= without "=" extend the
// allow-list.
func ParseUpstream(spec string) (Upstream, error) {
	spec = strings.TrimSpace(spec)
	head, rest, _ := strings.Cut(spec, ",")
	name, rawURL, ok := strings.Cut(head, "=")
	if !ok || name == "" || rawURL == "" {
		return Upstream{}, fmt.Errorf("upstream %q: want NAME=URL,key=PEMFILE[,allow=a,b]", spec)
	}
	u := Upstream{Name: name, URL: strings.TrimRight(rawURL, "/")}
	if pu, err := url.Parse(u.URL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return Upstream{}, fmt.Errorf("upstream %s: URL %q must be an absolute http(s) URL", name, rawURL)
	}
	last := ""
	for tok := range strings.SplitSeq(rest, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		k, v, hasEq := strings.Cut(tok, "=")
		if !hasEq {
			if last != "allow" {
				return Upstream{}, fmt.Errorf("upstream %s: %q is not KEY=VALUE", name, tok)
			}
			u.Allow = append(u.Allow, tok)
			continue
		}
		last = k
		switch k {
		case "key":
			if v == "hexpm" {
				u.PublicKey = []byte(HexpmPublicKey)
				continue
			}
			b, err := os.ReadFile(v)
			if err != nil {
				return Upstream{}, fmt.Errorf("upstream %s: public key: %w", name, err)
			}
			u.PublicKey = b
		case "allow":
			if v != "" {
				u.Allow = append(u.Allow, v)
			}
		default:
			return Upstream{}, fmt.Errorf("upstream %s: unknown setting %q (want key or allow)", name, k)
		}
	}
	if len(u.PublicKey) == 0 {
		return Upstream{}, fmt.Errorf("upstream %s: needs key=PEMFILE (or key=hexpm for hex.pm's shipped key)", name)
	}
	return u, nil
}
