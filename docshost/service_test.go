package docshost_test

import (
	"archive/tar"
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/docshost"
	"github.com/depot-registry/depot/ent/auditlog"
	"github.com/depot-registry/depot/ent/release"
	"github.com/depot-registry/depot/ent/releaseevent"
	"github.com/depot-registry/depot/viewer"
)

func TestPublishRefusesUnsafeTarballs(t *testing.T) {
	e := newDocsEnv(t)
	alice := e.User("alice")
	ctx := as(alice)
	e.Publish(ctx, "", "alpha", "1.0.0")
	index := entry{Name: "index.html", Body: "ok"}
	big := strings.Repeat("x", 3000)
	cases := []struct {
		name   string
		tar    []byte
		limits docshost.Limits
		want   string
	}{
		{"dot-dot path", docsTar(t, index, entry{Name: "../evil.html", Body: "x"}), docshost.Limits{}, "leaves its folder"},
		{"dot-dot inside", docsTar(t, index, entry{Name: "a/../../evil.html", Body: "x"}), docshost.Limits{}, "leaves its folder"},
		{"absolute path", docsTar(t, index, entry{Name: "/etc/passwd", Body: "x"}), docshost.Limits{}, "absolute"},
		{"symlink", docsTar(t, index, entry{Name: "link", Typ: tar.TypeSymlink, Link: "/etc/passwd"}), docshost.Limits{}, "link"},
		{"hard link", docsTar(t, index, entry{Name: "hard", Typ: tar.TypeLink, Link: "index.html"}), docshost.Limits{}, "link"},
		{"character device", docsTar(t, index, entry{Name: "tty", Typ: tar.TypeChar}), docshost.Limits{}, "not a regular file"},
		{"fifo", docsTar(t, index, entry{Name: "pipe", Typ: tar.TypeFifo}), docshost.Limits{}, "not a regular file"},
		{"version folder at the root", docsTar(t, index, entry{Name: "1.0.0/index.html", Body: "shadow"}), docshost.Limits{}, "named like a version"},
		{"pre-release file at the root", docsTar(t, index, entry{Name: "2.0.0-rc.1", Body: "shadow"}), docshost.Limits{}, "named like a version"},
		{"backslash", docsTar(t, index, entry{Name: `a\b.html`, Body: "x"}), docshost.Limits{}, "backslash"},
		{"unclean path", docsTar(t, index, entry{Name: "a//b.html", Body: "x"}), docshost.Limits{}, "clean"},
		{"duplicate", docsTar(t, index, entry{Name: "a.html", Body: "1"}, entry{Name: "a.html", Body: "2"}), docshost.Limits{}, "twice"},
		{"file and folder", docsTar(t, index, entry{Name: "a", Body: "1"}, entry{Name: "a/b.html", Body: "2"}), docshost.Limits{}, "both a file and a folder"},
		{"no index.html", docsTar(t, entry{Name: "other.html", Body: "x"}), docshost.Limits{}, "index.html"},
		{"not gzip", []byte("plain text"), docshost.Limits{}, "gzip"},
		{"truncated", docsTar(t, index, entry{Name: "a.html", Body: big})[:60], docshost.Limits{}, ""},
		{"too large compressed", docsTar(t, index, entry{Name: "a.bin", Body: randomish(4000)}), docshost.Limits{MaxCompressed: 1000}, "compressed"},
		{"too large uncompressed", docsTar(t, index, entry{Name: "a.html", Body: big}), docshost.Limits{MaxUncompressed: 2048}, "uncompressed"},
		{"too many files", docsTar(t, index, entry{Name: "a.html"}, entry{Name: "b.html"}), docshost.Limits{MaxFiles: 2}, "entries"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.Docs.Limits = c.limits
			defer func() { e.Docs.Limits = docshost.Limits{} }()
			blobs := e.BlobCount()
			err := e.Docs.Publish(ctx, "", "alpha", "1.0.0", bytes.NewReader(c.tar))
			if apperr.CodeOf(err) != apperr.BadInput {
				t.Fatalf("Publish = %v, want BAD_USER_INPUT", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if n := e.BlobCount(); n != blobs {
				t.Errorf("refused upload left a blob (%d → %d)", blobs, n)
			}
			rel := e.DB.Release.Query().Where(release.Version("1.0.0")).OnlyX(sys())
			if rel.DocsBlobKey != nil {
				t.Errorf("refused upload set docs")
			}
		})
	}
	if n := e.DB.ReleaseEvent.Query().Where(releaseevent.KindEQ(releaseevent.KindDOCS_PUBLISHED)).CountX(sys()); n != 0 {
		t.Errorf("refused uploads wrote %d events", n)
	}
}

// randomish is incompressible-enough text for size limits.
func randomish(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return string(b)
}

func TestPublishPermissions(t *testing.T) {
	e := newDocsEnv(t)
	alice, bob := e.User("alice"), e.User("bob")
	acme := e.Org("acme", alice)
	e.Publish(as(alice), "", "alpha", "1.0.0")
	e.Publish(as(alice, acme), "acme", "secret", "1.0.0")
	readOnly := viewer.NewContext(context.Background(), &viewer.Viewer{UserID: alice.ID, Username: "alice", KeyID: 1, Scopes: viewer.Scopes{"api:read"}})
	pkgKey := viewer.NewContext(context.Background(), &viewer.Viewer{UserID: alice.ID, Username: "alice", KeyID: 2, Scopes: viewer.Scopes{"package:alpha"}})
	docs := simpleDocs(t, "x")
	cases := []struct {
		name          string
		ctx           context.Context
		repo, pkg, vs string
		want          apperr.Code
	}{
		{"anonymous", context.Background(), "", "alpha", "1.0.0", apperr.Unauthenticated},
		{"not an owner", as(bob), "", "alpha", "1.0.0", apperr.Forbidden},
		{"read-only key", readOnly, "", "alpha", "1.0.0", apperr.Forbidden},
		{"private package, outsider", as(bob), "acme", "secret", "1.0.0", apperr.NotFound},
		{"missing version", as(alice), "", "alpha", "9.9.9", apperr.NotFound},
		{"missing package", as(alice), "", "nothing", "1.0.0", apperr.NotFound},
		{"owner", as(alice), "", "alpha", "1.0.0", ""},
		{"package-scoped key", pkgKey, "", "alpha", "1.0.0", ""},
		{"private package, member", as(alice, acme), "acme", "secret", "1.0.0", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := e.Docs.Publish(c.ctx, c.repo, c.pkg, c.vs, bytes.NewReader(docs))
			if got := codeOrEmpty(err); got != c.want {
				t.Fatalf("Publish = %v (%s), want %q", err, got, c.want)
			}
		})
	}
	evs := e.DB.ReleaseEvent.Query().Where(releaseevent.KindEQ(releaseevent.KindDOCS_PUBLISHED)).Order(releaseevent.ByID()).AllX(sys())
	if len(evs) != 3 {
		t.Fatalf("%d DOCS_PUBLISHED events, want 3", len(evs))
	}
	last := evs[2]
	if last.PackageName != "secret" || last.Repository != "acme" || last.PrivateOrgID == nil || *last.PrivateOrgID != acme.ID {
		t.Errorf("private docs event = %+v, want repository acme and private_org_id %d", last, acme.ID)
	}
	if evs[0].PrivateOrgID != nil || evs[0].ActorID == nil || *evs[0].ActorID != alice.ID {
		t.Errorf("public docs event = %+v", evs[0])
	}
	if n := e.DB.AuditLog.Query().Where(auditlog.Action("docs.publish")).CountX(sys()); n != 3 {
		t.Errorf("%d docs.publish audit rows, want 3", n)
	}
	if e.Commits != 3 {
		t.Errorf("AfterCommit called %d times, want 3", e.Commits)
	}
}

func codeOrEmpty(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

func TestRepublishAndRevert(t *testing.T) {
	e := newDocsEnv(t)
	alice := e.User("alice")
	ctx := as(alice)
	e.Publish(ctx, "", "alpha", "1.0.0")
	e.Publish(ctx, "", "alpha", "1.1.0")
	base := e.BlobCount() // the two package tarballs

	first, second := simpleDocs(t, "first"), simpleDocs(t, "second")
	for _, step := range []struct {
		name    string
		run     func() error
		blobs   int
		wantDoc string // what /docs/alpha/1.0.0/ shows; "" for 404
	}{
		{"publish", func() error { return e.Docs.Publish(ctx, "", "alpha", "1.0.0", bytes.NewReader(first)) }, base + 1, "<h1>first</h1>"},
		{"same bytes on another release share the blob", func() error { return e.Docs.Publish(ctx, "", "alpha", "1.1.0", bytes.NewReader(first)) }, base + 1, "<h1>first</h1>"},
		{"republish keeps the blob the other release uses", func() error { return e.Docs.Publish(ctx, "", "alpha", "1.0.0", bytes.NewReader(second)) }, base + 2, "<h1>second</h1>"},
		{"revert drops the unshared blob", func() error { return e.Docs.Revert(ctx, "", "alpha", "1.0.0") }, base + 1, ""},
	} {
		if err := step.run(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if n := e.BlobCount(); n != step.blobs {
			t.Errorf("%s: %d blobs, want %d", step.name, n, step.blobs)
		}
		got, err := read(context.Background(), e, "", "alpha", "1.0.0", "index.html")
		if step.wantDoc == "" && apperr.CodeOf(err) != apperr.NotFound || step.wantDoc != "" && (err != nil || got != step.wantDoc) {
			t.Errorf("%s: docs of 1.0.0 = %q, %v; want %q", step.name, got, err, step.wantDoc)
		}
	}
	if err := e.Docs.Revert(ctx, "", "alpha", "1.0.0"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("reverting absent docs = %v, want NOT_FOUND", err)
	}
	if n := e.DB.ReleaseEvent.Query().Where(releaseevent.KindEQ(releaseevent.KindDOCS_REVERTED)).CountX(sys()); n != 1 {
		t.Errorf("%d DOCS_REVERTED events, want 1", n)
	}
}
