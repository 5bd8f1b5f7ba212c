package hexrepo

import (
	"bytes"
	"compress/gzip"
	"crypto/rsa"
	"crypto/sha512"
	"errors"
	"io"
	"math/big"
	"reflect"
	"testing"
	"time"
)

func TestGolden(t *testing.T) {
	tests := []struct {
		file   string
		encode func() ([]byte, error)
	}{
		{"package.golden", func() ([]byte, error) { return EncodePackage(fixturePackage()) }},
		{"names.golden", func() ([]byte, error) { return EncodeNames(fixtureNames()) }},
		{"versions.golden", func() ([]byte, error) { return EncodeVersions(fixtureVersions()) }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := tt.encode()
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			golden(t, tt.file, got)
		})
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   any
		rt   func(any) (any, error)
	}{
		{"package", fixturePackage(), func(v any) (any, error) {
			b, err := EncodePackage(v.(Package))
			if err != nil {
				return nil, err
			}
			return DecodePackage(b)
		}},
		{"package without releases", Package{Name: "p", Repository: "r"}, func(v any) (any, error) {
			b, err := EncodePackage(v.(Package))
			if err != nil {
				return nil, err
			}
			return DecodePackage(b)
		}},
		{"names", fixtureNames(), func(v any) (any, error) {
			b, err := EncodeNames(v.(Names))
			if err != nil {
				return nil, err
			}
			return DecodeNames(b)
		}},
		{"versions", fixtureVersions(), func(v any) (any, error) {
			b, err := EncodeVersions(v.(Versions))
			if err != nil {
				return nil, err
			}
			return DecodeVersions(b)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rt(tt.in)
			if err != nil {
				t.Fatalf("round trip: %v", err)
			}
			if !reflect.DeepEqual(got, tt.in) {
				t.Fatalf("round trip changed the value\n got: %+v\nwant: %+v", got, tt.in)
			}
		})
	}
}

func TestSignedRoundTrip(t *testing.T) {
	k := key(t)
	tests := []struct {
		name string
		rt   func() (got, want any, err error)
	}{
		{"package", func() (any, any, error) {
			b, err := EncodePackageSigned(fixturePackage(), k)
			if err != nil {
				return nil, nil, err
			}
			got, err := DecodePackageSigned(b, &k.PublicKey, "depot", "plug_x")
			return got, fixturePackage(), err
		}},
		{"names", func() (any, any, error) {
			b, err := EncodeNamesSigned(fixtureNames(), k)
			if err != nil {
				return nil, nil, err
			}
			got, err := DecodeNamesSigned(b, &k.PublicKey, "depot")
			return got, fixtureNames(), err
		}},
		{"versions", func() (any, any, error) {
			b, err := EncodeVersionsSigned(fixtureVersions(), k)
			if err != nil {
				return nil, nil, err
			}
			got, err := DecodeVersionsSigned(b, &k.PublicKey, "depot")
			return got, fixtureVersions(), err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, want, err := tt.rt()
			if err != nil {
				t.Fatalf("signed round trip: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestSealedIsDeterministic guards ETag stability: same value and key,
// same bytes.
func TestSealedIsDeterministic(t *testing.T) {
	a, err := EncodePackageSigned(fixturePackage(), key(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodePackageSigned(fixturePackage(), key(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two encodings of the same package differ")
	}
}

func TestSignatureIsPKCS1v15OverSHA512(t *testing.T) {
	payload := []byte("payload")
	signed, err := Sign(payload, key(t))
	if err != nil {
		t.Fatal(err)
	}
	_, sig, err := decodeSigned(signed)
	if err != nil {
		t.Fatal(err)
	}
	// Recover the DigestInfo with the raw public operation and compare it
	// with the fixed SHA-512 prefix from RFC 8017 §9.2 note 1.
	pub := &key(t).PublicKey
	m := new(big.Int).SetBytes(sig)
	m.Exp(m, new(big.Int).SetInt64(int64(pub.E)), pub.N)
	em := m.FillBytes(make([]byte, pub.Size()))
	d := sha512.Sum512(payload)
	prefix := []byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}
	want := append(prefix, d[:]...)
	if !bytes.HasSuffix(em, want) || em[0] != 0 || em[1] != 1 {
		t.Fatalf("signature block %x does not hold EMSA-PKCS1-v1_5(SHA-512)", em)
	}
}

func TestDecodeSignedErrors(t *testing.T) {
	k := key(t)
	other, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	good, err := EncodePackageSigned(fixturePackage(), k)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := gz(t, appendBytes(nil, signedPayload, mustEncode(t)))
	tampered := gz(t, tamper(t, gunzip(t, good)))
	tests := []struct {
		name      string
		body      []byte
		pub       *rsa.PublicKey
		repo, pkg string
		want      error
	}{
		{"other key", good, &other.PublicKey, "depot", "plug_x", ErrBadSignature},
		{"no signature", unsigned, &k.PublicKey, "depot", "plug_x", ErrBadSignature},
		{"payload changed", tampered, &k.PublicKey, "depot", "plug_x", ErrBadSignature},
		{"other repository", good, &k.PublicKey, "hexpm", "plug_x", ErrWrongOrigin},
		{"other package", good, &k.PublicKey, "depot", "plug", ErrWrongOrigin},
		{"not gzip", []byte("hello"), &k.PublicKey, "depot", "plug_x", ErrMalformed},
		{"truncated gzip", good[:len(good)/2], &k.PublicKey, "depot", "plug_x", ErrMalformed},
		{"garbage inside gzip", gz(t, []byte{0xff, 0xff}), &k.PublicKey, "depot", "plug_x", ErrMalformed},
		{"nil key", good, nil, "depot", "plug_x", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePackageSigned(tt.body, tt.pub, tt.repo, tt.pkg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestGzipBombRefused(t *testing.T) {
	defer func(old int64) { payloadLimit = old }(payloadLimit)
	payloadLimit = 1 << 10
	tests := []struct {
		name string
		size int
		want error
	}{
		{"at the limit", 1 << 10, ErrMalformed}, // zeros are no Signed message
		{"one byte over", 1<<10 + 1, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeNamesSigned(gz(t, make([]byte, tt.size)), &key(t).PublicKey, "depot")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	withRelease := func(f func(r *Release)) Package {
		p := fixturePackage()
		f(&p.Releases[1])
		return p
	}
	tests := []struct {
		name   string
		encode func() ([]byte, error)
	}{
		{"package without name", func() ([]byte, error) { return EncodePackage(Package{Repository: "r"}) }},
		{"package without repository", func() ([]byte, error) { return EncodePackage(Package{Name: "p"}) }},
		{"release without version", func() ([]byte, error) { return EncodePackage(withRelease(func(r *Release) { r.Version = "" })) }},
		{"short inner checksum", func() ([]byte, error) {
			return EncodePackage(withRelease(func(r *Release) { r.InnerChecksum = r.InnerChecksum[:31] }))
		}},
		{"missing outer checksum", func() ([]byte, error) { return EncodePackage(withRelease(func(r *Release) { r.OuterChecksum = nil })) }},
		{"duplicate version", func() ([]byte, error) { return EncodePackage(withRelease(func(r *Release) { r.Version = "1.0.0" })) }},
		{"dependency without requirement", func() ([]byte, error) {
			return EncodePackage(withRelease(func(r *Release) { r.Dependencies[0].Requirement = "" }))
		}},
		{"unknown retirement reason", func() ([]byte, error) {
			return EncodePackage(withRelease(func(r *Release) { r.Retired = &Retirement{Reason: 9} }))
		}},
		{"names without repository", func() ([]byte, error) { return EncodeNames(Names{}) }},
		{"names entry without name", func() ([]byte, error) {
			return EncodeNames(Names{Repository: "r", Packages: []NameEntry{{}}})
		}},
		{"versions without repository", func() ([]byte, error) { return EncodeVersions(Versions{}) }},
		{"retired index past versions", func() ([]byte, error) {
			return EncodeVersions(Versions{Repository: "r", Packages: []VersionsEntry{{Name: "p", Versions: []string{"1.0.0"}, Retired: []int32{1}}}})
		}},
		{"negative retired index", func() ([]byte, error) {
			return EncodeVersions(Versions{Repository: "r", Packages: []VersionsEntry{{Name: "p", Versions: []string{"1.0.0"}, Retired: []int32{-1}}}})
		}},
		{"sign without key", func() ([]byte, error) { return Sign([]byte("x"), nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.encode()
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %x, %v; want ErrInvalid", b, err)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	valid := mustEncode(t)
	tests := []struct {
		name   string
		decode func() error
	}{
		{"truncated package", func() error { _, err := DecodePackage(valid[:len(valid)-1]); return err }},
		{"package without name", func() error { _, err := DecodePackage(appendString(nil, pkgRepository, "r")); return err }},
		{"name with varint type", func() error {
			_, err := DecodePackage(appendVarint(appendString(nil, pkgRepository, "r"), pkgName, 1))
			return err
		}},
		{"release without checksum", func() error {
			rel := appendString(nil, relVersion, "1.0.0")
			_, err := DecodePackage(appendBytes(appendString(appendString(nil, pkgName, "p"), pkgRepository, "r"), pkgReleases, rel))
			return err
		}},
		{"retirement without reason", func() error {
			rel := appendBytes(appendBytes(appendString(nil, relVersion, "1"), relInnerChecksum, nil), relRetired, nil)
			_, err := DecodePackage(appendBytes(appendString(appendString(nil, pkgName, "p"), pkgRepository, "r"), pkgReleases, rel))
			return err
		}},
		{"names without repository", func() error { _, err := DecodeNames(nil); return err }},
		{"timestamp nanos out of range", func() error {
			ts := appendInt32(appendVarint(nil, tsSeconds, 1), tsNanos, 1e9)
			entry := appendBytes(appendString(nil, nameName, "p"), nameUpdatedAt, ts)
			_, err := DecodeNames(appendString(appendBytes(nil, namesPackages, entry), namesRepository, "r"))
			return err
		}},
		{"versions without repository", func() error { _, err := DecodeVersions(nil); return err }},
		{"retired packed truncated", func() error {
			entry := appendBytes(appendString(nil, verName, "p"), verRetired, []byte{0x80})
			_, err := DecodeVersions(appendString(appendBytes(nil, versionsPackages, entry), versionsRepository, "r"))
			return err
		}},
		{"signed without payload", func() error {
			_, err := Verify(appendBytes(nil, signedSignature, []byte("s")), &key(t).PublicKey)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.decode(); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

// TestDecodeLenient covers inputs other encoders legally produce: unknown
// fields from newer protos, unpacked repeated scalars, explicit defaults.
func TestDecodeLenient(t *testing.T) {
	tests := []struct {
		name string
		run  func() (got, want any, err error)
	}{
		{"unknown fields are skipped", func() (any, any, error) {
			b := appendString(appendString(nil, pkgName, "p"), pkgRepository, "r")
			b = appendVarint(b, 99, 7)
			b = appendBytes(b, 100, []byte("future"))
			got, err := DecodePackage(b)
			return got, Package{Name: "p", Repository: "r"}, err
		}},
		{"unpacked retired indexes", func() (any, any, error) {
			entry := appendString(nil, verName, "p")
			entry = appendString(appendString(entry, verVersions, "1"), verVersions, "2")
			entry = appendVarint(appendVarint(entry, verRetired, 1), verRetired, 0)
			got, err := DecodeVersions(appendString(appendBytes(nil, versionsPackages, entry), versionsRepository, "r"))
			return got, Versions{Repository: "r", Packages: []VersionsEntry{{Name: "p", Versions: []string{"1", "2"}, Retired: []int32{1, 0}}}}, err
		}},
		{"legacy names repository field 2", func() (any, any, error) {
			entry := appendString(appendString(nil, nameName, "p"), 2, "hexpm")
			got, err := DecodeNames(appendString(appendBytes(nil, namesPackages, entry), namesRepository, "r"))
			return got, Names{Repository: "r", Packages: []NameEntry{{Name: "p"}}}, err
		}},
		{"unknown retirement reason kept", func() (any, any, error) {
			rel := appendBytes(appendString(nil, relVersion, "1"), relInnerChecksum, []byte{1})
			rel = appendBytes(rel, relRetired, appendInt32(nil, retReason, 7))
			got, err := DecodePackage(appendBytes(appendString(appendString(nil, pkgName, "p"), pkgRepository, "r"), pkgReleases, rel))
			want := Package{Name: "p", Repository: "r", Releases: []Release{{Version: "1", InnerChecksum: []byte{1}, Retired: &Retirement{Reason: 7}}}}
			return got, want, err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, want, err := tt.run()
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestDecodedValuesDoNotAliasInput(t *testing.T) {
	b := mustEncode(t)
	p, err := DecodePackage(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0
	}
	if !reflect.DeepEqual(p, fixturePackage()) {
		t.Fatal("decoded package changed when the input buffer was overwritten")
	}
}

func TestRetirementReasonNames(t *testing.T) {
	tests := []struct {
		r    RetirementReason
		name string
	}{
		{ReasonOther, "other"}, {ReasonInvalid, "invalid"}, {ReasonSecurity, "security"},
		{ReasonDeprecated, "deprecated"}, {ReasonRenamed, "renamed"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.name {
			t.Errorf("%d.String() = %q, want %q", tt.r, got, tt.name)
		}
		if got, err := ParseRetirementReason(tt.name); err != nil || got != tt.r {
			t.Errorf("ParseRetirementReason(%q) = %v, %v", tt.name, got, err)
		}
	}
	if _, err := ParseRetirementReason("bored"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseRetirementReason(bored) err = %v, want ErrInvalid", err)
	}
	if got := RetirementReason(9).String(); got != "RetirementReason(9)" {
		t.Errorf("unknown reason String() = %q", got)
	}
}

func TestUpdatedAtIsUTC(t *testing.T) {
	at := time.Date(2024, 5, 1, 14, 0, 0, 7, time.FixedZone("CEST", 2*3600))
	b, err := EncodeNames(Names{Repository: "r", Packages: []NameEntry{{Name: "p", UpdatedAt: at}}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := DecodeNames(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Packages[0].UpdatedAt; !got.Equal(at) || got.Location() != time.UTC {
		t.Fatalf("UpdatedAt = %v, want %v in UTC", got, at)
	}
}

func mustEncode(t testing.TB) []byte {
	t.Helper()
	b, err := EncodePackage(fixturePackage())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tamper re-wraps a Signed envelope with one payload byte flipped and the
// original signature.
func tamper(t testing.TB, signed []byte) []byte {
	t.Helper()
	payload, sig, err := decodeSigned(signed)
	if err != nil {
		t.Fatal(err)
	}
	payload[len(payload)-1] ^= 1
	return appendBytes(appendBytes(nil, signedPayload, payload), signedSignature, sig)
}
