package cli_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/depot-registry/depot/cli"
	"github.com/depot-registry/depot/server/servertest"
)

// The client changes a real server only through GraphQL, and reports
// refusals with the server's message and code.
func TestCommandsAgainstServer(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	bob := env.SignUp("bob")
	asAlice := map[string]string{"DEPOT_URL": env.URL, "DEPOT_API_KEY": alice.WithKey("api:write").Key, "HOME": t.TempDir()}
	asBob := map[string]string{"DEPOT_URL": env.URL, "DEPOT_API_KEY": bob.WithKey("api:write").Key, "HOME": t.TempDir()}
	readOnly := map[string]string{"DEPOT_URL": env.URL, "DEPOT_API_KEY": alice.WithKey("api:read").Key, "HOME": t.TempDir()}
	badKey := map[string]string{"DEPOT_URL": env.URL, "DEPOT_API_KEY": "dpk_nonsense", "HOME": t.TempDir()}
	dir := packageDir(t, "alpha_lib", "1.0.0")
	tarball := filepath.Join(t.TempDir(), "alpha_lib-1.1.0.tar")
	if _, _, err := run(t, nil, "build", packageDir(t, "alpha_lib", "1.1.0"), "-o", tarball); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name     string
		env      map[string]string
		args     []string
		wantOut  string // substring of stdout on success
		wantCode string // extensions.code of a refusal
	}{
		{"publish a folder", asAlice, []string{"publish", dir}, "published alpha_lib 1.0.0", ""},
		{"publish a tarball", asAlice, []string{"publish", tarball}, "published alpha_lib 1.1.0", ""},
		{"same version again", asAlice, []string{"publish", dir}, "", "CONFLICT"},
		{"replace, flag after the folder", asAlice, []string{"publish", dir, "--replace"}, "replaced alpha_lib 1.0.0", ""},
		{"not an owner", asBob, []string{"publish", dir, "--replace"}, "", "FORBIDDEN"},
		{"read-only key", readOnly, []string{"retire", "alpha_lib", "1.0.0", "security"}, "", "FORBIDDEN"},
		{"unknown key", badKey, []string{"revert", "alpha_lib", "1.0.0"}, "", "UNAUTHENTICATED"},
		{"retire", asAlice, []string{"retire", "alpha_lib", "1.0.0", "security", "--message", "use 1.1.0"}, "retired alpha_lib 1.0.0 (security)", ""},
		{"bad reason", asAlice, []string{"retire", "alpha_lib", "1.0.0", "boredom"}, "", "BAD_USER_INPUT"},
		{"unretire", asAlice, []string{"unretire", "alpha_lib", "1.0.0"}, "unretired alpha_lib 1.0.0", ""},
		{"unretire again", asAlice, []string{"unretire", "alpha_lib", "1.0.0"}, "", "CONFLICT"},
		{"add owner", asAlice, []string{"owner", "add", "alpha_lib", "bob", "--level", "full"}, "bob is now a full owner of alpha_lib", ""},
		{"list owners", asAlice, []string{"owner", "list", "alpha_lib"}, "bob\tuser\tfull", ""},
		{"remove owner", asAlice, []string{"owner", "remove", "alpha_lib", "bob"}, "bob is no longer an owner", ""},
		{"removed owner cannot revert", asBob, []string{"revert", "alpha_lib", "1.1.0"}, "", "FORBIDDEN"},
		{"revert", asAlice, []string{"revert", "alpha_lib", "1.1.0"}, "reverted alpha_lib 1.1.0", ""},
		{"revert missing version", asAlice, []string{"revert", "alpha_lib", "1.1.0"}, "", "NOT_FOUND"},
		{"transfer", asAlice, []string{"owner", "transfer", "alpha_lib", "bob"}, "alpha_lib now belongs to bob", ""},
		{"new owner reverts the last release", asBob, []string{"revert", "alpha_lib", "1.0.0"}, "package alpha_lib is deleted", ""},
	}
	for _, s := range steps {
		out, _, err := run(t, s.env, s.args...)
		if s.wantCode == "" {
			if err != nil || !strings.Contains(out, s.wantOut) {
				t.Fatalf("%s: err %v, output %q, want %q", s.name, err, out, s.wantOut)
			}
			continue
		}
		var ce *cli.Error
		if !errors.As(err, &ce) || ce.Code != s.wantCode || ce.Message == "" {
			t.Fatalf("%s: err %v, want a refusal with code %s", s.name, err, s.wantCode)
		}
		if !strings.Contains(err.Error(), s.wantCode) || !strings.Contains(err.Error(), ce.Message) {
			t.Errorf("%s: error text %q lacks the message or code", s.name, err)
		}
	}
}

func TestConfig(t *testing.T) {
	env := servertest.New(t)
	alice := env.SignUp("alice")
	key := alice.WithKey("api:write").Key
	home := t.TempDir()
	cfgPath := filepath.Join(home, ".config", "depot", "config.json")
	if err := os.MkdirAll(filepath.Dir(cfgPath), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		if err := os.WriteFile(cfgPath, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir := packageDir(t, "alpha_lib", "1.0.0")

	write(`{"url": "` + env.URL + `/", "key": "` + key + `"}`)
	if out, _, err := run(t, map[string]string{"HOME": home}, "publish", dir); err != nil || !strings.Contains(out, "published") {
		t.Fatalf("publish with the config file: %v %s", err, out)
	}
	// The environment wins over the file.
	_, _, err := run(t, map[string]string{"HOME": home, "DEPOT_API_KEY": "dpk_wrong"}, "revert", "alpha_lib", "1.0.0")
	var ce *cli.Error
	if !errors.As(err, &ce) || ce.Code != "UNAUTHENTICATED" {
		t.Errorf("DEPOT_API_KEY did not override the file: %v", err)
	}
	cases := []struct{ name, file, want string }{
		{"no server", `{}`, "DEPOT_URL"},
		{"broken file", `{"url": `, "parse"},
		{"not http", `{"url": "ftp://x"}`, "http"},
	}
	for _, c := range cases {
		write(c.file)
		if _, _, err := run(t, map[string]string{"HOME": home}, "revert", "alpha_lib", "1.0.0"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
}

func TestRepoKey(t *testing.T) {
	data := t.TempDir()
	out, _, err := run(t, nil, "repo-key", "--data-dir", data, "--public-url", "https://depot.example.com", "--repository-name", "corp")
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(filepath.Join(data, "repo_key.pem"))
	if err != nil {
		t.Fatalf("key not created in the data folder: %v", err)
	}
	for _, want := range []string{
		"-----BEGIN PUBLIC KEY-----",
		`repo_url => <<"https://depot.example.com/repo">>`,
		`#{name => <<"corp">>`,
		"repo_verify_origin => true",
		"mix hex.repo add corp https://depot.example.com/repo --public-key corp_public_key.pem",
		"mix hex.repo add ORG https://depot.example.com/repo/repos/ORG",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "PRIVATE") || strings.Contains(out, strings.TrimSpace(string(pem))) {
		t.Errorf("repo-key printed the private key")
	}

	// Outside the server's folder: an error, and no new key.
	missing := filepath.Join(t.TempDir(), "data")
	if _, _, err := run(t, nil, "repo-key", "--data-dir", missing); err == nil || !strings.Contains(err.Error(), "--from") {
		t.Errorf("repo-key with no data folder: %v, want an error pointing at --from", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("repo-key created %s: %v", missing, err)
	}

	env := servertest.New(t)
	for _, c := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"repo-key", "--from", env.URL}},
		{map[string]string{"DEPOT_URL": env.URL}, []string{"repo-key"}},
	} {
		out, _, err = run(t, c.env, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, strings.TrimSpace(string(env.Server.RepoKeys.PublicPEM))) {
			t.Errorf("%v %v did not print the server's key:\n%s", c.env, c.args, out)
		}
	}
}
