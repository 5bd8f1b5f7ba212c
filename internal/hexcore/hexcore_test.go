package hexcore

import (
	"strings"
	"testing"
)

func TestEval(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"registry module loads", `io:format("~p", [code:which(r3_hex_registry) =/= non_existing])`, "true"},
		{"trailing dot tolerated", `io:format("~s", [<<"ok">>]).`, "ok"},
		{"binary helper round-trips", `io:format("~s", [` + Binary([]byte("hé\x00")) + ` =:= <<"hé"/utf8, 0>>])`, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.TrimSpace(Eval(t, tt.expr)); got != tt.want {
				t.Fatalf("Eval(%s) = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestDirIsStable(t *testing.T) {
	if a, b := Dir(t), Dir(t); a != b || !strings.HasSuffix(a, "/*/ebin") {
		t.Fatalf("Dir = %q then %q, want one stable DIR/*/ebin glob", a, b)
	}
}
