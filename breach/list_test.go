package breach_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/depot-registry/depot/breach"
	"github.com/depot-registry/depot/breach/breachtest"
)

func TestListConformance(t *testing.T) {
	breachtest.Run(t, func(t *testing.T, breached []string) breach.Checker {
		return breach.NewList(breached...)
	})
}

func TestBundled(t *testing.T) {
	l := breach.Bundled()
	tests := []struct {
		password string
		want     bool
	}{
		{"password", true},
		{"123456", true},
		{"qwerty", true},
		{"iloveyou", true},
		{"PASSWORD", true}, // case is folded
		{"QwErTy", true},
		{rand.Text()[:24], false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			got, err := l.Breached(context.Background(), tt.password)
			if err != nil {
				t.Fatalf("Breached: %v", err)
			}
			if got != tt.want {
				t.Errorf("Breached(%q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
}

func TestBundledSize(t *testing.T) {
	n, err := breach.Bundled().Len()
	if err != nil {
		t.Fatalf("Len: %v", err)
	}
	if n < 10_000 {
		t.Fatalf("bundled list has %d passwords, want at least 10000", n)
	}
}

func TestNewListFoldsCase(t *testing.T) {
	l := breach.NewList("Secret", "secret", "MiXeD")
	tests := []struct {
		password string
		want     bool
	}{
		{"secret", true},
		{"SECRET", true},
		{"mixed", true},
		{"secrets", false},
	}
	for _, tt := range tests {
		got, err := l.Breached(context.Background(), tt.password)
		if err != nil || got != tt.want {
			t.Errorf("Breached(%q) = %v, %v, want %v, nil", tt.password, got, err, tt.want)
		}
	}
	if n, _ := l.Len(); n != 2 {
		t.Errorf("Len = %d, want 2 (duplicates folded)", n)
	}
}
