package registry

import (
	"strings"

	"github.com/depot-registry/depot/semver"
)

// VersionKey encodes v so that bytes.Compare on two keys agrees with SemVer
// precedence (semver.Compare). It is stored in releases.version_key so that
// SQL can sort releases newest first with ORDER BY version_key DESC, on
// SQLite (BLOB, memcmp) and PostgreSQL (bytea, memcmp) alike.
//
// Encoding:
//
//	key     = num(major) num(minor) num(patch) tail
//	num(n)  = one byte holding the count of significant big-endian bytes of
//	          n (0..8), then those bytes — a longer number is a larger one
//	tail    = 0x02                        for a release
//	        | 0x01 ident* 0x00            for a pre-release
//	ident   = 0x01 len digits             numeric identifier (no leading zeros,
//	                                      so longer means larger; len ≤ 64)
//	        | 0x02 chars 0x00             alphanumeric identifier
//
// Why each byte: 0x01 < 0x02 puts every pre-release before its release. The
// list terminator 0x00 sorts below any identifier tag, so "alpha" < "alpha.1".
// Numeric tags (0x01) sort below alphanumeric ones (0x02), as SemVer wants.
// Alphanumeric identifiers use [0-9A-Za-z-], never 0x00, so their terminator
// makes "a" < "ab" and keeps the encoding prefix-free.
func VersionKey(v semver.Version) []byte {
	k := make([]byte, 0, 16+2*len(v.Pre))
	k = appendNum(k, v.Major)
	k = appendNum(k, v.Minor)
	k = appendNum(k, v.Patch)
	if v.Pre == "" {
		return append(k, 0x02)
	}
	k = append(k, 0x01)
	for id := range strings.SplitSeq(v.Pre, ".") {
		if numeric(id) {
			k = append(k, 0x01, byte(len(id)))
			k = append(k, id...)
			continue
		}
		k = append(k, 0x02)
		k = append(k, id...)
		k = append(k, 0x00)
	}
	return append(k, 0x00)
}

func appendNum(k []byte, n uint64) []byte {
	var buf [8]byte
	size := 0
	for x := n; x > 0; x >>= 8 {
		size++
	}
	for i := size - 1; i >= 0; i-- {
		buf[size-1-i] = byte(n >> (8 * i))
	}
	k = append(k, byte(size))
	return append(k, buf[:size]...)
}

func numeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
