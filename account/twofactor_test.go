package account

import (
	"testing"
	"time"
)

// RFC 6238 appendix B's SHA-1 vectors (the seed "12345678901234567890"),
// cut to the 6 digits authenticator apps show, and the skew rule: the
// step either side of now is accepted, two steps away is not.
func TestMatchStepRFC6238(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	tests := []struct {
		at   int64
		code string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
	}
	for _, tc := range tests {
		step, ok := matchStep(secret, tc.code, time.Unix(tc.at, 0))
		if !ok || step != tc.at/30 {
			t.Errorf("at %d: code %s matched %v at step %d, want step %d", tc.at, tc.code, ok, step, tc.at/30)
		}
		for _, d := range []int64{-30, 30} {
			if step, ok := matchStep(secret, tc.code, time.Unix(tc.at+d, 0)); !ok || step != tc.at/30 {
				t.Errorf("at %d%+d s: code %s not accepted for its step", tc.at, d, tc.code)
			}
		}
		for _, d := range []int64{-90, 90} {
			if _, ok := matchStep(secret, tc.code, time.Unix(tc.at+d, 0)); ok {
				t.Errorf("at %d%+d s: code %s accepted three steps away", tc.at, d, tc.code)
			}
		}
	}
	for _, bad := range []string{"", "28708", "2870820", "abcdef"} {
		if _, ok := matchStep(secret, bad, time.Unix(59, 0)); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The sealed secret opens with the same server key only.
func TestSealSecret(t *testing.T) {
	s := &Service{Secret: []byte("k1")}
	enc, err := s.seal("JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.unseal(enc); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("unseal = %q, %v", got, err)
	}
	if _, err := (&Service{Secret: []byte("k2")}).unseal(enc); err == nil {
		t.Fatal("another key opened the secret")
	}
}
