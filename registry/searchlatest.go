package registry

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
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

// decodeLatest reads one JSON array of LatestSummaryColumns, as
// json_build_array writes it: numbers, strings, booleans and nulls, no
// nesting. It is read by hand (encoding/json with a value per column
// allocated a quarter of what a search page's statement does).
func decodeLatest(raw []byte) (*ent.Release, error) {
	vals, err := flatArray(raw, len(LatestSummaryColumns))
	if err != nil {
		return nil, err
	}
	var rel ent.Release
	for i, c := range LatestSummaryColumns {
		v := vals[i]
		switch c {
		case release.FieldID:
			rel.ID, err = jsonInt(v)
		case release.FieldPackageID:
			rel.PackageID, err = jsonInt(v)
		case release.FieldVersion:
			rel.Version, err = jsonString(v)
		case release.FieldVersionKey:
			var key string
			if key, err = jsonString(v); err == nil {
				rel.VersionKey, err = hex.DecodeString(key)
			}
		case release.FieldPrerelease:
			rel.Prerelease, err = v.kind == 't', nil
			if v.kind != 't' && v.kind != 'f' {
				err = fmt.Errorf("not a boolean: %s", v.text)
			}
		case release.FieldPrivateOrgID:
			rel.PrivateOrgID, err = jsonIntPtr(v)
		case release.FieldFirstPublishedAt:
			var at string
			if at, err = jsonString(v); err == nil {
				rel.FirstPublishedAt, err = time.Parse(time.RFC3339Nano, at)
			}
		case release.FieldPublisherID:
			rel.PublisherID, err = jsonIntPtr(v)
		case release.FieldDocsBlobKey:
			if v.kind != 'n' {
				var k string
				if k, err = jsonString(v); err == nil {
					rel.DocsBlobKey = &k
				}
			}
		default:
			panic("decodeLatest: no decoder for column " + c)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
	}
	return &rel, nil
}

// jsonValue is one element of a flat JSON array: kind is '"' (string,
// text with its quotes), 'n' (null), 't'/'f' (booleans) or '0' (number).
type jsonValue struct {
	kind byte
	text []byte
}

// literals are the JSON words by their first letter.
var literals = [256]string{'n': "null", 't': "true", 'f': "false"}

// flatArray splits a JSON array of n scalars.
func flatArray(raw []byte, n int) ([]jsonValue, error) {
	out := make([]jsonValue, 0, n)
	i := 0
	space := func() {
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
			i++
		}
	}
	space()
	if i >= len(raw) || raw[i] != '[' {
		return nil, fmt.Errorf("not a JSON array: %.40q", raw)
	}
	i++
	for {
		space()
		if i >= len(raw) {
			return nil, fmt.Errorf("unterminated JSON array: %.40q", raw)
		}
		if raw[i] == ']' && len(out) == 0 {
			i++
			break
		}
		start := i
		var kind byte
		switch c := raw[i]; {
		case c == '"':
			kind = '"'
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
			if i >= len(raw) {
				return nil, fmt.Errorf("unterminated JSON string: %.40q", raw)
			}
			i++
		case c == 'n' || c == 't' || c == 'f':
			kind = c
			for i < len(raw) && raw[i] >= 'a' && raw[i] <= 'z' {
				i++
			}
		default:
			kind = '0'
			for i < len(raw) && raw[i] != ',' && raw[i] != ']' && raw[i] != ' ' {
				i++
			}
		}
		v := jsonValue{kind: kind, text: raw[start:i]}
		if lit := literals[kind]; lit != "" && string(v.text) != lit {
			return nil, fmt.Errorf("bad JSON literal %q", v.text)
		}
		out = append(out, v)
		space()
		if i < len(raw) && raw[i] == ',' {
			i++
			continue
		}
		if i < len(raw) && raw[i] == ']' {
			i++
			break
		}
		return nil, fmt.Errorf("bad JSON array: %.40q", raw)
	}
	if len(out) != n {
		return nil, fmt.Errorf("JSON array of %d values, want %d", len(out), n)
	}
	return out, nil
}

func jsonString(v jsonValue) (string, error) {
	if v.kind != '"' {
		return "", fmt.Errorf("not a string: %s", v.text)
	}
	body := v.text[1 : len(v.text)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body), nil
	}
	var s string
	err := json.Unmarshal(v.text, &s)
	return s, err
}

func jsonInt(v jsonValue) (int, error) {
	if v.kind != '0' {
		return 0, fmt.Errorf("not a number: %s", v.text)
	}
	return strconv.Atoi(string(v.text))
}

func jsonIntPtr(v jsonValue) (*int, error) {
	if v.kind == 'n' {
		return nil, nil
	}
	n, err := jsonInt(v)
	if err != nil {
		return nil, err
	}
	return &n, nil
}
