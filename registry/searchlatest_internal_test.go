package registry

import (
	"bytes"
	"testing"
	"time"
)

// decodeLatest reads what json_build_array writes: escapes in strings,
// nulls, and refuses anything else.
func TestDecodeLatest(t *testing.T) {
	rel, err := decodeLatest([]byte(`[42, 7, "1.0.0-rc.1+build", "0a0b", true, null, "2026-11-26T07:12:00.123456+01:00", 9, "docs/a\"b\\c\u00e9.tar.gz"]`))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 6, 12, 0, 123456000, time.UTC)
	if rel.ID != 42 || rel.PackageID != 7 || rel.Version != "1.0.0-rc.1+build" || !bytes.Equal(rel.VersionKey, []byte{10, 11}) ||
		!rel.Prerelease || rel.PrivateOrgID != nil || !rel.FirstPublishedAt.Equal(at) ||
		rel.PublisherID == nil || *rel.PublisherID != 9 || rel.DocsBlobKey == nil || *rel.DocsBlobKey != "docs/a\"b\\cé.tar.gz" {
		t.Errorf("decoded %+v", rel)
	}
	rel, err = decodeLatest([]byte(`[1,2,"0.1.0","00",false,3,"2026-01-02T03:04:05+00:00",null,null]`))
	if err != nil {
		t.Fatal(err)
	}
	if rel.Prerelease || rel.PrivateOrgID == nil || *rel.PrivateOrgID != 3 || rel.PublisherID != nil || rel.DocsBlobKey != nil ||
		rel.FirstPublishedAt.Format(time.RFC3339Nano) != "2026-01-02T03:04:05Z" {
		t.Errorf("decoded %+v", rel)
	}
	for _, bad := range []string{
		``, `{}`, `[]`, `[1,2]`,
		`[1,2,"0.1.0","00",false,3,"2026-01-02T03:04:05+00:00",null,null,4]`,
		`[1,2,"0.1.0","00",nope,3,"2026-01-02T03:04:05+00:00",null,null]`,
		`["1",2,"0.1.0","00",false,3,"2026-01-02T03:04:05+00:00",null,null]`,
		`[1,2,"0.1.0","zz",false,3,"2026-01-02T03:04:05+00:00",null,null]`,
		`[1,2,"0.1.0","00",false,3,"yesterday",null,null]`,
		`[1,2,"0.1.0","00",false,3,"2026-01-02T03:04:05+00:00",null,"unterminated]`,
	} {
		if rel, err := decodeLatest([]byte(bad)); err == nil {
			t.Errorf("%q: decoded %+v, want an error", bad, rel)
		}
	}
}
