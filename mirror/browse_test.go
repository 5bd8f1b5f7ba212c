package mirror_test

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depot-registry/depot/blob/memory"
	"github.com/depot-registry/depot/ent/mirroredpackage"
	"github.com/depot-registry/depot/hexrepo"
	"github.com/depot-registry/depot/internal/testdb"
	"github.com/depot-registry/depot/mirror"
)

type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("the browse side must not reach an upstream")
}

// browseCache is a mirror of two upstreams whose cache holds rows written
// directly: valid ones, one signed with the wrong key, one missing, one
// without a servable release, and a name both upstreams have.
func browseCache(t *testing.T) (*mirror.Service, *countingTransport) {
	t.Helper()
	hexKey, err := hexrepo.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	corpKey, err := hexrepo.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	tr := &countingTransport{}
	s := &mirror.Service{
		Upstreams: []mirror.Upstream{
			{Name: "hexpm", URL: "https://repo.hex.pm", Key: &hexKey.PublicKey},
			{Name: "corp", URL: "https://user:secret@corp.example/repo", Key: &corpKey.PublicKey},
		},
		DB: testdb.Open(t).Client, Blobs: memory.New(), MaxAge: time.Minute,
		HTTP: &http.Client{Transport: tr},
	}
	sum := sha256.Sum256([]byte("tarball"))
	rel := func(v string) hexrepo.Release {
		return hexrepo.Release{Version: v, InnerChecksum: sum[:], OuterChecksum: sum[:]}
	}
	ctx := context.Background()
	fetched := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	put := func(upstream, name string, key *rsa.PrivateKey, rels ...hexrepo.Release) {
		t.Helper()
		body, err := hexrepo.EncodePackageSigned(hexrepo.Package{Name: name, Repository: upstream, Releases: rels}, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DB.MirroredPackage.Create().SetUpstream(upstream).SetName(name).SetPayload(body).SetFetchedAt(fetched).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	retired := rel("1.2.0")
	retired.Retired = &hexrepo.Retirement{Reason: hexrepo.ReasonDeprecated, Message: "use 1.10"}
	put("hexpm", "json", hexKey, rel("1.0.0"), rel("1.10.0"), retired, rel("2.0.0-rc.1"))
	put("hexpm", "json_a", hexKey, rel("0.1.0"))
	put("hexpm", "json_bad", corpKey, rel("1.0.0")) // signed by the wrong key
	put("hexpm", "json_old", hexKey, rel("1.0"))    // no SemVer version: nothing to order or resolve
	put("corp", "json", corpKey, rel("9.0.0"))      // hexpm comes first
	put("corp", "corp_json", corpKey, rel("3.0.0"))
	if err := s.DB.MirroredPackage.Create().SetUpstream("hexpm").SetName("json_missing").SetMissing(true).SetFetchedAt(fetched).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return s, tr
}

func names(p mirror.SearchPage) []string {
	var out []string
	for _, l := range p.Packages {
		out = append(out, l.Upstream+"/"+l.Name)
	}
	return out
}

func TestSearchCached(t *testing.T) {
	s, tr := browseCache(t)
	ctx := context.Background()
	want := []string{"hexpm/json", "hexpm/json_a", "corp/corp_json"}
	p, err := s.Search(ctx, mirror.SearchQuery{Term: "JSON"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(p), want) || p.Total != 3 || p.HasNext {
		t.Fatalf("Search(json) = %v total %d next %v, want %v", names(p), p.Total, p.HasNext, want)
	}
	// One at a time, each page after the previous cursor.
	var paged []string
	var after *mirror.SearchCursor
	for i := 0; i < 5; i++ {
		p, err := s.Search(ctx, mirror.SearchQuery{Term: "json", First: 1, After: after})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, names(p)...)
		if !p.HasNext {
			break
		}
		after = &p.Cursors[len(p.Cursors)-1]
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged %v, want %v", paged, want)
	}
	// A local package shadows its mirrored namesake.
	local := func(_ context.Context, ns []string) (map[string]bool, error) {
		return map[string]bool{"json_a": slices.Contains(ns, "json_a")}, nil
	}
	p, err = s.Search(ctx, mirror.SearchQuery{Term: "json", Local: local})
	if err != nil || !slices.Equal(names(p), []string{"hexpm/json", "corp/corp_json"}) || p.Total != 2 {
		t.Errorf("shadowed Search = %v total %d (%v)", names(p), p.Total, err)
	}
	// The wildcard characters of LIKE match themselves only.
	for _, term := range []string{"%", "j_on"} {
		if p, err := s.Search(ctx, mirror.SearchQuery{Term: term}); err != nil || len(p.Packages) != 0 {
			t.Errorf("Search(%q) = %v (%v), want nothing", term, names(p), err)
		}
	}
	if n := tr.n.Load(); n != 0 {
		t.Errorf("%d upstream requests, want none", n)
	}
}

func TestFindCached(t *testing.T) {
	s, tr := browseCache(t)
	ctx := context.Background()
	l, err := s.Find(ctx, "json", nil)
	if err != nil || l == nil {
		t.Fatalf("Find(json) = %v, %v", l, err)
	}
	var vs []string
	for _, r := range l.Versions {
		vs = append(vs, r.Version)
	}
	if l.Upstream != "hexpm" || strings.Join(vs, " ") != "2.0.0-rc.1 1.10.0 1.2.0 1.0.0" || l.LatestVersion != "1.10.0" {
		t.Errorf("Find(json) = %s %v latest %s, want hexpm's, newest first, latest 1.10.0", l.Upstream, vs, l.LatestVersion)
	}
	if r := l.Versions[2].Retired; r == nil || r.Reason != hexrepo.ReasonDeprecated || r.Message != "use 1.10" {
		t.Errorf("1.2.0 retirement %+v", r)
	}
	if l.RepositoryURL == nil || *l.RepositoryURL != "https://repo.hex.pm" {
		t.Errorf("hexpm URL %v", l.RepositoryURL)
	}
	c, err := s.Find(ctx, "corp_json", nil)
	if err != nil || c == nil || c.RepositoryURL != nil {
		t.Errorf("Find(corp_json) = %+v, %v; want it, without the URL carrying credentials", c, err)
	}
	for _, n := range []string{"json_bad", "json_missing", "json_old", "nope", "Bad Name"} {
		if l, err := s.Find(ctx, n, nil); err != nil || l != nil {
			t.Errorf("Find(%s) = %+v, %v; want nil", n, l, err)
		}
	}
	// A row changed after it was shown (and remembered) is verified afresh.
	row, err := s.DB.MirroredPackage.Query().Where(mirroredpackage.Upstream("hexpm"), mirroredpackage.Name("json")).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tampered := slices.Clone(row.Payload)
	tampered[len(tampered)/2] ^= 0xff
	if err := row.Update().SetPayload(tampered).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Find(ctx, "json", nil); err != nil || l == nil || l.Upstream != "corp" {
		t.Errorf("Find(json) after hexpm's row was damaged = %+v, %v; want corp's", l, err)
	}
	off := &mirror.Service{DB: s.DB}
	if l, err := off.Find(ctx, "json", nil); err != nil || l != nil {
		t.Errorf("mirroring off: Find = %+v, %v", l, err)
	}
	if p, err := off.Search(ctx, mirror.SearchQuery{}); err != nil || p.Total != 0 || p.Packages == nil {
		t.Errorf("mirroring off: Search = %+v, %v; want an empty page", p, err)
	}
	if n := tr.n.Load(); n != 0 {
		t.Errorf("%d upstream requests, want none", n)
	}
}

// BenchmarkSearchCached is one mirroredPackages search over a cache of
// 1,000 packages, each verified when read.
func BenchmarkSearchCached(b *testing.B) {
	key, err := hexrepo.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	s := &mirror.Service{
		Upstreams: []mirror.Upstream{{Name: "hexpm", URL: "https://repo.hex.pm", Key: &key.PublicKey}},
		DB:        testdb.Open(b).Client, Blobs: memory.New(),
	}
	sum := sha256.Sum256([]byte("tarball"))
	ctx := context.Background()
	for i := range 1000 {
		name := fmt.Sprintf("pkg_%04d", i)
		body, err := hexrepo.EncodePackageSigned(hexrepo.Package{Name: name, Repository: "hexpm", Releases: []hexrepo.Release{
			{Version: "1.0.0", InnerChecksum: sum[:], OuterChecksum: sum[:]},
			{Version: "1.1.0", InnerChecksum: sum[:], OuterChecksum: sum[:]},
		}}, key)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.DB.MirroredPackage.Create().SetUpstream("hexpm").SetName(name).SetPayload(body).SetFetchedAt(time.Now()).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	for _, term := range []string{"pkg_0999", "pkg_09", "pkg"} {
		b.Run(term, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Search(ctx, mirror.SearchQuery{Term: term}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
