package server

import "testing"

// TestSameOrigin: the websocket and cookie POST origin check
// compares parsed scheme, host and port. Before, "http://evil.example@HOST"
// passed because its Host part equals the server's.
func TestSameOrigin(t *testing.T) {
	const public = "http://registry.example:8080"
	cases := []struct {
		origin string
		want   bool
	}{
		{"http://registry.example:8080", true},
		{"HTTP://Registry.Example:8080", true},
		{"http://evil.example@registry.example:8080", false},
		{"http://registry.example:8080@evil.example", false},
		{"https://registry.example:8080", false},
		{"http://registry.example", false},
		{"http://registry.example:8081", false},
		{"http://registry.example.evil:8080", false},
		{"null", false},
		{"mailto:registry.example", false},
		{"::", false},
	}
	for _, c := range cases {
		if got := sameOrigin(c.origin, public); got != c.want {
			t.Errorf("sameOrigin(%q) = %v, want %v", c.origin, got, c.want)
		}
	}
	if !sameOrigin("https://r.example", "https://r.example:443") {
		t.Error("default https port should equal an explicit :443")
	}
}
