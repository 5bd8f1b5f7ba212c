package urls

import "testing"

// The layout the fronts link to and the server mounts.
func TestLayout(t *testing.T) {
	s := Site{Base: "https://depot.example"}
	for _, tt := range []struct{ got, want string }{
		{s.Tarball("", "jason", "1.4.0"), "https://depot.example/repo/tarballs/jason-1.4.0.tar"},
		{s.Tarball("acme", "secret", "1.0.0-rc.1"), "https://depot.example/repo/repos/acme/tarballs/secret-1.0.0-rc.1.tar"},
		{s.DocsSite("", "jason", ""), "https://depot.example/docs/jason/"},
		{s.DocsSite("acme", "secret", "1.0.0"), "https://depot.example/docs/repos/acme/secret/1.0.0/"},
		{s.PackagePage("", "jason"), "https://depot.example/packages/jason"},
		{s.ReleasePage("acme", "secret", "1.0.0"), "https://depot.example/repos/acme/packages/secret/1.0.0"},
		{s.APIPackage("", "jason"), "https://depot.example/api/packages/jason"},
		{s.APIRelease("acme", "secret", "1.0.0"), "https://depot.example/api/repos/acme/packages/secret/releases/1.0.0"},
		{s.APIUser("alice"), "https://depot.example/api/users/alice"},
		{s.APIKey("ci key"), "https://depot.example/api/keys/ci%20key"},
		{s.InvoicePage("acme", "2026-0001"), "https://depot.example/orgs/acme/invoices/2026-0001.html"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}
