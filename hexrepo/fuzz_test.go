package hexrepo

import (
	"reflect"
	"testing"
)

// FuzzDecodePackage feeds arbitrary bytes to the decoder, which reads
// payloads fetched from other repositories (mirrors) and must never panic.
// Whatever decodes and also passes EncodePackage's checks must survive a
// round trip unchanged. Seeds live in testdata/fuzz/FuzzDecodePackage
// (the golden payload, truncations, wrong wire types, unknown enum values).
func FuzzDecodePackage(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePackage(b)
		if err != nil {
			return
		}
		again, err := EncodePackage(p)
		if err != nil {
			return
		}
		q, err := DecodePackage(again)
		if err != nil {
			t.Fatalf("re-encoded package does not decode: %v", err)
		}
		if !reflect.DeepEqual(norm(p), norm(q)) {
			t.Fatalf("round trip changed the package\n got: %+v\nwant: %+v", q, p)
		}
	})
}

// norm drops distinctions the wire cannot carry: an empty message and a
// missing one decode alike.
func norm(p Package) Package {
	for i := range p.Releases {
		r := &p.Releases[i]
		if len(r.OuterChecksum) == 0 {
			r.OuterChecksum = nil
		}
	}
	return p
}
