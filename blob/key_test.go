package blob

import (
	"errors"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	good := KeyOf([]byte("hello"))
	tests := []struct {
		name string
		key  string
		want bool
	}{
		{"sha256 of hello", good, true},
		{"sha256 of nothing", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true},
		{"empty", "", false},
		{"upper case", strings.ToUpper(good), false},
		{"one short", good[:63], false},
		{"one long", good + "0", false},
		{"non hex", strings.Repeat("g", 64), false},
		{"path traversal", "../" + good[3:], false},
		{"slash", good[:10] + "/" + good[11:], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidKey(tt.key); got != tt.want {
				t.Errorf("ValidKey(%q) = %v, want %v", tt.key, got, tt.want)
			}
			err := CheckKey(tt.key)
			if tt.want && err != nil {
				t.Errorf("CheckKey(%q) = %v, want nil", tt.key, err)
			}
			if !tt.want && !errors.Is(err, ErrInvalidKey) {
				t.Errorf("CheckKey(%q) = %v, want ErrInvalidKey", tt.key, err)
			}
		})
	}
}

func TestKeyOf(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := KeyOf([]byte(tt.in)); got != tt.want {
			t.Errorf("KeyOf(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
