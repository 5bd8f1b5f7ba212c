package registry

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/pkg"
	"github.com/depot-registry/depot/ent/release"
)

// The latest release of each package of a search page, read by the page's
// own statement on PostgreSQL (SearchInput.Latest): a list of search
// results nearly always shows it, and a second statement for it cost as
// much again as the search (a round trip, a plan, a scan per package).
//
// It is a scalar subquery in the select list: PostgreSQL evaluates such
// an expression after the sort and the limit, so it runs for the page's
// rows only, however many matches were ranked. It applies the latest rule
// (latestOrder, the index releases_latest) and the viewer's privacy, like
// LatestReleases, and returns the release's summary columns as a JSON
// array. SQLite evaluates select-list subqueries before its sort (for
// every match), so there the loaders read the latest releases as before.

// LatestSummaryColumns are the release columns a folded latest release
// carries; a search reads the latest releases only when the columns asked
// for are among them.
var LatestSummaryColumns = []string{
	release.FieldID, release.FieldPackageID, release.FieldVersion, release.FieldVersionKey,
	release.FieldPrerelease, release.FieldPrivateOrgID, release.FieldFirstPublishedAt,
	release.FieldPublisherID, release.FieldDocsBlobKey,
}

// latestSelectAs is the page query's column holding the JSON array.
const latestSelectAs = "search_latest"

// latestFoldable reports whether cols can be read by the search statement.
func latestFoldable(cols []string) bool {
	for _, c := range cols {
		if !slices.Contains(LatestSummaryColumns, c) {
			return false
		}
	}
	return true
}

// selectLatest adds the latest release of each row to a PostgreSQL page
// query (private filters the releases the viewer may not read, nil for
// the system); folded reports that it did.
func selectLatest(private func(*sql.Selector), folded *bool) func(*sql.Selector) {
	return func(s *sql.Selector) {
		if s.Dialect() != dialect.Postgres {
			return
		}
		*folded = true
		t := sql.Table(release.Table).As(latestSelectAs)
		sub := sql.Dialect(dialect.Postgres).Select().From(t)
		sub.Where(sql.ColumnsEQ(sub.C(release.FieldPackageID), s.C(pkg.FieldID)))
		if private != nil {
			private(sub)
		}
		for _, o := range latestOrder {
			if o.desc {
				sub.OrderBy(sql.Desc(sub.C(o.col)))
			} else {
				sub.OrderBy(sub.C(o.col))
			}
		}
		sub.Limit(1)
		sub.AppendSelectExpr(sql.ExprFunc(func(b *sql.Builder) {
			b.WriteString("json_build_array(")
			for i, c := range LatestSummaryColumns {
				if i > 0 {
					b.WriteString(", ")
				}
				if c == release.FieldVersionKey {
					b.WriteString("encode(").WriteString(sub.C(c)).WriteString(", 'hex')")
					continue
				}
				b.WriteString(sub.C(c))
			}
			b.WriteString(")")
		}))
		s.AppendSelectExprAs(sql.ExprFunc(func(b *sql.Builder) {
			b.WriteString("(").Join(sub).WriteString(")")
		}), latestSelectAs)
	}
}

// latestOf decodes the latest releases selectLatest read for ps: by
// package id, nil for a package without a release the viewer may read.
// Every package of ps has an entry.
func latestOf(ps []*ent.Pkg) (map[int]*ent.Release, error) {
	out := make(map[int]*ent.Release, len(ps))
	for _, p := range ps {
		v, err := p.Value(latestSelectAs)
		if err != nil {
			return nil, err
		}
		var raw []byte
		switch v := v.(type) {
		case nil:
			out[p.ID] = nil
			continue
		case []byte:
			raw = v
		case string:
			raw = []byte(v)
		default:
			return nil, fmt.Errorf("latest release of %s: unexpected %T", p.Name, v)
		}
		rel, err := decodeLatest(raw)
		if err != nil {
			return nil, fmt.Errorf("latest release of %s: %w", p.Name, err)
		}
		out[p.ID] = rel
	}
	return out, nil
}

// decodeLatest reads one JSON array of LatestSummaryColumns.
func decodeLatest(raw []byte) (*ent.Release, error) {
	var (
		rel     ent.Release
		key, at string
	)
	vals := [9]any{&rel.ID, &rel.PackageID, &rel.Version, &key, &rel.Prerelease, &rel.PrivateOrgID, &at, &rel.PublisherID, &rel.DocsBlobKey}
	if len(vals) != len(LatestSummaryColumns) {
		panic("decodeLatest: columns and values differ")
	}
	if err := json.Unmarshal(raw, &vals); err != nil {
		return nil, err
	}
	var err error
	if rel.VersionKey, err = hex.DecodeString(key); err != nil {
		return nil, fmt.Errorf("version key: %w", err)
	}
	if rel.FirstPublishedAt, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return nil, fmt.Errorf("first published: %w", err)
	}
	return &rel, nil
}
