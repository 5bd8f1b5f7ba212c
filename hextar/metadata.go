package hextar

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/depot-registry/depot/hextar/term"
	"github.com/depot-registry/depot/semver"
	"github.com/depot-registry/depot/text"
)

// Metadata is the content of metadata.config. Known keys are typed; any
// other key is kept in Other as written, so that Read followed by Create
// keeps it.
type Metadata struct {
	Name        string // package name (required)
	Version     string // SemVer without build metadata (required)
	App         string // OTP application name
	Description string
	Elixir      string // Elixir version requirement, for Mix packages
	Licenses    []string
	Links       []Link
	// Requirements are the dependencies. Hex writes them either as a
	// proplist keyed by package name (hex_core) or as a list of proplists
	// with a "name" key (older Mix); Read accepts both, and maps in place
	// of proplists, and Create writes the hex_core form.
	Requirements []Requirement
	// BuildTools lists tools that can build the package. When the key is
	// absent Read guesses it from Files as hex_core does (mix.exs → mix,
	// rebar.config → rebar, Makefile → make).
	BuildTools []string
	// Files lists the package's files and directories as the publisher
	// wrote them; Package.Files lists what contents.tar.gz really holds.
	Files []string
	// Extra is the free-form "extra" value (a proplist or a map), or nil.
	Extra term.Term
	// Other holds every other key in file order.
	Other []Field
}

// Link is one entry of the links proplist, e.g. {"GitHub", "https://..."}.
type Link struct {
	Name, URL string
}

// Requirement is one dependency of the package.
type Requirement struct {
	Name        string // package name in its repository
	App         string // OTP application name; defaults to Name
	Requirement string // version requirement, e.g. "~> 1.0"
	Optional    bool
	Repository  string // repository name; empty for the package's own
}

// Field is a metadata key that Metadata has no field for.
type Field struct {
	Key   string
	Value term.Term
}

var knownKeys = map[string]bool{
	"name": true, "version": true, "app": true, "description": true, "elixir": true,
	"licenses": true, "links": true, "requirements": true, "build_tools": true,
	"files": true, "extra": true,
}

// buildToolFiles maps top-level file names to build tools, as hex_core's
// guess_build_tools does.
var buildToolFiles = []struct{ file, tool string }{
	{"mix.exs", "mix"},
	{"rebar.config", "rebar"},
	{"rebar", "rebar"},
	{"Makefile", "make"},
	{"Makefile.win", "make"},
}

func metaErr(format string, args ...any) *Error {
	return newErr(ErrMetadata, "metadata.config: "+format, args...)
}

// ParseMetadata reads metadata.config text. It accepts only the dialect
// Hex clients read the same way (no comments, floats or atoms other than
// true, false and nil) and checks every known key. Text that is not UTF-8
// is read as Latin-1, as hex_core does.
func ParseMetadata(data []byte, limits Limits) (Metadata, error) {
	limits = limits.withDefaults()
	if int64(len(data)) > limits.MaxMetadata {
		return Metadata{}, newErr(ErrTooLarge, "metadata.config exceeds %s", formatSize(limits.MaxMetadata))
	}
	if !utf8.Valid(data) {
		var b bytes.Buffer
		for _, c := range data {
			b.WriteRune(rune(c))
		}
		data = b.Bytes()
	}
	terms, err := term.ParseWith(data, term.Options{Hex: true, Limits: term.Limits{MaxSize: len(data) + 1}})
	if err != nil {
		return Metadata{}, wrapErr(ErrMetadata, err, "metadata.config: %v", err)
	}
	return decodeMetadata(terms)
}

func decodeMetadata(terms []term.Term) (Metadata, error) {
	var m Metadata
	seen := map[string]bool{}
	hasBuildTools := false
	for i, t := range terms {
		tup, ok := t.(term.Tuple)
		if !ok || len(tup) != 2 {
			return m, metaErr("entry %d is not a {Key, Value} tuple", i+1)
		}
		kb, ok := tup[0].(term.Binary)
		if !ok {
			return m, metaErr("entry %d: key must be a binary such as <<\"name\">>", i+1)
		}
		key, v := string(kb), tup[1]
		if seen[key] {
			return m, metaErr("key %q appears twice", key)
		}
		seen[key] = true
		var err error
		switch key {
		case "name":
			m.Name, err = requiredString(key, v)
		case "version":
			m.Version, err = requiredString(key, v)
		case "app":
			m.App, err = optionalString(key, v)
		case "description":
			m.Description, err = optionalString(key, v)
		case "elixir":
			m.Elixir, err = optionalString(key, v)
		case "licenses":
			m.Licenses, err = stringList(key, v)
		case "build_tools":
			m.BuildTools, err = stringList(key, v)
			hasBuildTools = true
		case "files":
			m.Files, err = stringList(key, v)
		case "links":
			m.Links, err = decodeLinks(v)
		case "requirements":
			m.Requirements, err = decodeRequirements(v)
		case "extra":
			m.Extra = v
		default:
			m.Other = append(m.Other, Field{Key: key, Value: v})
		}
		if err != nil {
			return m, err
		}
	}
	if !seen["name"] {
		return m, metaErr("the package name (key \"name\") is missing")
	}
	if !seen["version"] {
		return m, metaErr("the version (key \"version\") is missing")
	}
	if _, err := semver.Parse(m.Version); err != nil {
		return m, wrapErr(ErrMetadata, err, "metadata.config: %v", err)
	}
	if !hasBuildTools && seen["files"] {
		m.BuildTools = guessBuildTools(m.Files)
	}
	return m, checkText(m)
}

// checkText applies Depot's text rule to every value the registry keeps:
// the same NUL or control character must not be stored on one database and
// an internal error on the other. Only the description is multi-line.
func checkText(m Metadata) error {
	check := func(key, s string, k text.Kind) error {
		if err := text.Check(s, k); err != nil {
			return metaErr("%s %v", key, err)
		}
		return nil
	}
	if err := check("description", m.Description, text.Multiline); err != nil {
		return err
	}
	for key, s := range map[string]string{"name": m.Name, "version": m.Version, "app": m.App, "elixir": m.Elixir} {
		if err := check(key, s, text.Line); err != nil {
			return err
		}
	}
	for key, l := range map[string][]string{"licenses": m.Licenses, "build_tools": m.BuildTools, "files": m.Files} {
		for _, s := range l {
			if err := check(key, s, text.Line); err != nil {
				return err
			}
		}
	}
	for _, l := range m.Links {
		if err := check("links", l.Name, text.Line); err != nil {
			return err
		}
		if err := check("links", l.URL, text.Line); err != nil {
			return err
		}
	}
	for _, r := range m.Requirements {
		for _, s := range []string{r.Name, r.App, r.Requirement, r.Repository} {
			if err := check("requirements", s, text.Line); err != nil {
				return err
			}
		}
	}
	return nil
}

func guessBuildTools(files []string) []string {
	var tools []string
	for _, bf := range buildToolFiles {
		for _, f := range files {
			if path.Dir(f) == "." && f == bf.file && !slices.Contains(tools, bf.tool) {
				tools = append(tools, bf.tool)
			}
		}
	}
	slices.Sort(tools)
	return tools
}

// asString accepts a binary holding UTF-8 text, or a char list.
func asString(v term.Term) (string, bool) {
	switch v := v.(type) {
	case term.Binary:
		return string(v), utf8.ValidString(string(v))
	case term.Charlist:
		return string(v), true
	}
	return "", false
}

func requiredString(key string, v term.Term) (string, error) {
	s, ok := asString(v)
	if !ok {
		return "", metaErr("%s must be a UTF-8 string", key)
	}
	if strings.TrimSpace(s) == "" {
		return "", metaErr("%s must not be empty", key)
	}
	return s, nil
}

// optionalString also accepts nil, which Elixir writes for a missing value.
func optionalString(key string, v term.Term) (string, error) {
	if v == term.Atom("nil") {
		return "", nil
	}
	s, ok := asString(v)
	if !ok {
		return "", metaErr("%s must be a UTF-8 string", key)
	}
	return s, nil
}

func stringList(key string, v term.Term) ([]string, error) {
	if c, ok := v.(term.Charlist); ok && c == "" {
		return []string{}, nil // "" is the empty list
	}
	l, ok := v.(term.List)
	if !ok {
		return nil, metaErr("%s must be a list of strings", key)
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, ok := asString(e)
		if !ok {
			return nil, metaErr("%s must be a list of strings", key)
		}
		out = append(out, s)
	}
	return out, nil
}

// pairs reads a proplist [{K, V}, ...] or a map #{K => V} with string keys.
func pairs(what string, v term.Term) ([]string, []term.Term, error) {
	var keys []string
	var vals []term.Term
	add := func(k, val term.Term) error {
		ks, ok := asString(k)
		if !ok {
			return metaErr("%s keys must be strings", what)
		}
		keys = append(keys, ks)
		vals = append(vals, val)
		return nil
	}
	switch v := v.(type) {
	case term.Map:
		for _, e := range v {
			if err := add(e.Key, e.Value); err != nil {
				return nil, nil, err
			}
		}
	case term.List:
		for _, e := range v {
			tup, ok := e.(term.Tuple)
			if !ok || len(tup) != 2 {
				return nil, nil, metaErr("%s must be a list of {Key, Value} tuples or a map", what)
			}
			if err := add(tup[0], tup[1]); err != nil {
				return nil, nil, err
			}
		}
	case term.Charlist:
		if v != "" {
			return nil, nil, metaErr("%s must be a list of {Key, Value} tuples or a map", what)
		}
	default:
		return nil, nil, metaErr("%s must be a list of {Key, Value} tuples or a map", what)
	}
	return keys, vals, nil
}

func decodeLinks(v term.Term) ([]Link, error) {
	keys, vals, err := pairs("links", v)
	if err != nil {
		return nil, err
	}
	links := make([]Link, 0, len(keys))
	for i, k := range keys {
		u, ok := asString(vals[i])
		if !ok {
			return nil, metaErr("link %q must be a URL string", k)
		}
		links = append(links, Link{Name: k, URL: u})
	}
	return links, nil
}

func decodeRequirements(v term.Term) ([]Requirement, error) {
	reqs := []Requirement{}
	// Legacy form: a list whose elements are proplists (or maps) that carry
	// their own "name".
	if l, ok := v.(term.List); ok && len(l) > 0 {
		switch l[0].(type) {
		case term.List, term.Map:
			for _, e := range l {
				r, err := decodeRequirement("", e)
				if err != nil {
					return nil, err
				}
				reqs = append(reqs, r)
			}
			return reqs, checkDuplicateRequirements(reqs)
		}
	}
	names, vals, err := pairs("requirements", v)
	if err != nil {
		return nil, err
	}
	for i, name := range names {
		r, err := decodeRequirement(name, vals[i])
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
	}
	return reqs, checkDuplicateRequirements(reqs)
}

func checkDuplicateRequirements(reqs []Requirement) error {
	seen := map[string]bool{}
	for _, r := range reqs {
		if seen[r.Name] {
			return metaErr("requirement %q appears twice", r.Name)
		}
		seen[r.Name] = true
	}
	return nil
}

// decodeRequirement reads one requirement's properties; name is "" for the
// legacy form, where it is one of the properties.
func decodeRequirement(name string, v term.Term) (Requirement, error) {
	what := "requirement"
	if name != "" {
		what = fmt.Sprintf("requirement %q", name)
	}
	keys, vals, err := pairs(what, v)
	if err != nil {
		return Requirement{}, err
	}
	r := Requirement{Name: name}
	hasReq := false
	for i, k := range keys {
		val := vals[i]
		switch k {
		case "name":
			if name != "" {
				continue // the proplist key wins, as in hex_core
			}
			if r.Name, err = requiredString(what+" name", val); err != nil {
				return r, err
			}
		case "app":
			if r.App, err = optionalString(what+" app", val); err != nil {
				return r, err
			}
		case "requirement":
			if r.Requirement, err = requiredString(what+" requirement", val); err != nil {
				return r, err
			}
			hasReq = true
		case "repository":
			if r.Repository, err = optionalString(what+" repository", val); err != nil {
				return r, err
			}
		case "optional":
			switch val {
			case term.Atom("true"):
				r.Optional = true
			case term.Atom("false"), term.Atom("nil"):
				r.Optional = false
			default:
				return r, metaErr("%s optional must be true or false", what)
			}
		}
	}
	if r.Name == "" {
		return r, metaErr("a requirement has no name")
	}
	what = fmt.Sprintf("requirement %q", r.Name)
	if !hasReq {
		return r, metaErr("%s has no version requirement", what)
	}
	if _, err := semver.ParseRequirement(r.Requirement); err != nil {
		return r, wrapErr(ErrMetadata, err, "metadata.config: %s: %v", what, err)
	}
	if r.App == "" {
		r.App = r.Name
	}
	return r, nil
}

// encode returns the metadata terms in the order hex_core writes them:
// sorted by key.
func (m Metadata) encode() ([]term.Term, error) {
	bin := func(s string) term.Term { return term.Binary(s) }
	list := func(ss []string) term.Term {
		l := term.List{}
		for _, s := range ss {
			l = append(l, bin(s))
		}
		return l
	}
	fields := map[string]term.Term{
		"name":        bin(m.Name),
		"version":     bin(m.Version),
		"description": bin(m.Description),
		"licenses":    list(m.Licenses),
		"build_tools": list(m.BuildTools),
		"files":       list(m.Files),
	}
	if m.App != "" {
		fields["app"] = bin(m.App)
	}
	if m.Elixir != "" {
		fields["elixir"] = bin(m.Elixir)
	}
	if m.Extra != nil {
		fields["extra"] = m.Extra
	}
	links := term.List{}
	for _, l := range m.Links {
		links = append(links, term.Tuple{bin(l.Name), bin(l.URL)})
	}
	fields["links"] = links
	reqs := term.List{}
	for _, r := range m.Requirements {
		app := r.App
		if app == "" {
			app = r.Name
		}
		props := term.List{
			term.Tuple{bin("app"), bin(app)},
			term.Tuple{bin("optional"), term.Atom(fmt.Sprint(r.Optional))},
		}
		if r.Repository != "" {
			props = append(props, term.Tuple{bin("repository"), bin(r.Repository)})
		}
		props = append(props, term.Tuple{bin("requirement"), bin(r.Requirement)})
		reqs = append(reqs, term.Tuple{bin(r.Name), props})
	}
	fields["requirements"] = reqs
	for _, f := range m.Other {
		if knownKeys[f.Key] {
			return nil, metaErr("Other holds the known key %q; use the Metadata field", f.Key)
		}
		if _, dup := fields[f.Key]; dup {
			return nil, metaErr("key %q appears twice in Other", f.Key)
		}
		fields[f.Key] = f.Value
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	terms := make([]term.Term, 0, len(keys))
	for _, k := range keys {
		if err := term.ValidateHex(fields[k]); err != nil {
			return nil, metaErr("%s: %v", k, err)
		}
		terms = append(terms, term.Tuple{bin(k), fields[k]})
	}
	return terms, nil
}
