package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/depot-registry/depot/hexrepo"
)

func TestParseUpstreams(t *testing.T) {
	dir := t.TempDir()
	pem := filepath.Join(dir, "up.pem")
	if err := os.WriteFile(pem, []byte("PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]string{"-upstream", "hexpm=https://repo.hex.pm/,key=hexpm,allow=jason,plug", "-upstream", "corp=http://10.0.0.1/repo,key=" + pem, "-mirror-allow-local", "mine, ours"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Upstreams) != 2 {
		t.Fatalf("upstreams %+v", c.Upstreams)
	}
	h := c.Upstreams[0]
	if h.Name != "hexpm" || h.URL != "https://repo.hex.pm" || string(h.PublicKey) != HexpmPublicKey || strings.Join(h.Allow, ",") != "jason,plug" {
		t.Errorf("hexpm upstream %+v", h)
	}
	if c.Upstreams[1].Name != "corp" || string(c.Upstreams[1].PublicKey) != "PEM" || len(c.Upstreams[1].Allow) != 0 {
		t.Errorf("corp upstream %+v", c.Upstreams[1])
	}
	if strings.Join(c.MirrorAllowLocal, ",") != "mine,ours" {
		t.Errorf("allow local %q", c.MirrorAllowLocal)
	}

	t.Setenv("DEPOT_UPSTREAMS", "hexpm=https://repo.hex.pm,key=hexpm;corp=http://h/repo,key="+pem)
	if c, err := Parse(nil); err != nil || len(c.Upstreams) != 2 {
		t.Errorf("from the environment: %+v %v", c.Upstreams, err)
	}
	t.Setenv("DEPOT_UPSTREAMS", "")
	if c, err := Parse(nil); err != nil || len(c.Upstreams) != 0 {
		t.Errorf("mirroring must be off unless configured: %+v %v", c.Upstreams, err)
	}

	for _, bad := range []string{
		"hexpm",                     // no URL
		"hexpm=ftp://x,key=hexpm",   // not http
		"hexpm=https://repo.hex.pm", // no key
		"hexpm=https://repo.hex.pm,key=/nope/missing.pem",
		"hexpm=https://repo.hex.pm,key=hexpm,colour=blue",
		"hexpm=https://repo.hex.pm,stray,key=hexpm",
	} {
		if _, err := Parse([]string{"-upstream", bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := Parse([]string{"-upstream", "a=http://x,key=hexpm", "-upstream", "a=http://y,key=hexpm"}); err == nil {
		t.Errorf("a duplicate upstream name was accepted")
	}
}

// The shipped hex.pm key is a valid RSA public key.
func TestHexpmPublicKeyDecodes(t *testing.T) {
	if _, err := hexrepo.DecodePublicKeyPEM([]byte(HexpmPublicKey)); err != nil {
		t.Fatal(err)
	}
}
