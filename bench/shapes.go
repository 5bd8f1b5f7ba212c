package bench

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

//go:embed shapes/*.graphql
var shapeFiles embed.FS

// Shape is one benchmarked GraphQL request: a committed document
// (shapes/NAME.graphql) and how each request's variables are chosen.
type Shape struct {
	Name  string // A..E, or A-key..D-key
	Title string
	Query string
	// Field is the top-level field that must not be null in the answer.
	Field string
	// Auth: the request needs an API key.
	Auth bool
	// Vars returns the variables of request number i (deterministic).
	Vars func(p *Plan, i uint64) map[string]any
}

// Shapes returns the benchmark shapes in order.
func Shapes() []Shape {
	read := func(name string) string {
		b, err := shapeFiles.ReadFile("shapes/" + name + ".graphql")
		if err != nil {
			panic(err) // embedded at build time
		}
		return string(b)
	}
	shapes := []Shape{
		{Name: "A", Title: "package by name, owners, 10 latest releases", Query: read("A"), Field: "package",
			Vars: func(p *Plan, i uint64) map[string]any {
				return map[string]any{"name": p.Packages[pick(i, len(p.Packages))].Name}
			}},
		{Name: "B", Title: "first 50 packages by name, 10 latest releases each", Query: read("B"), Field: "packages",
			Vars: func(*Plan, uint64) map[string]any { return nil }},
		{Name: "C", Title: "prefix search, first 20 with latest version", Query: read("C"), Field: "packages",
			Vars: func(p *Plan, i uint64) map[string]any {
				return map[string]any{"term": Prefixes[pick(i, len(Prefixes))]}
			}},
		{Name: "D", Title: "release by package and version, requirements, retirement", Query: read("D"), Field: "release",
			Vars: func(p *Plan, i uint64) map[string]any {
				h := mix(i)
				pk := p.Packages[h%uint64(len(p.Packages))]
				rel := pk.Releases[(h>>32)%uint64(len(pk.Releases))]
				return map[string]any{"package": pk.Name, "version": rel.Version}
			}},
		{Name: "E", Title: "signed-in dashboard (API key): packages, organizations, keys", Query: read("E"), Field: "viewer", Auth: true,
			Vars: func(*Plan, uint64) map[string]any { return nil }},
	}
	// The public reads again as an integration sends them: with an
	// api:read key (the seeded keys in turn), answered like A–D.
	for _, s := range shapes[:4] {
		s.Name += KeyedSuffix
		s.Title += ", with an API key"
		s.Auth = true
		shapes = append(shapes, s)
	}
	return shapes
}

// KeyedSuffix names a shape's keyed variant ("A-key": shape A with an
// API key). Its floor is the plain shape's.
const KeyedSuffix = "-key"

// FloorShape is the shape whose hand-written SQL is name's floor.
func FloorShape(name string) string { return strings.TrimSuffix(name, KeyedSuffix) }

// ShapeByName finds a shape.
func ShapeByName(name string) (Shape, bool) {
	for _, s := range Shapes() {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return Shape{}, false
}

// mix is SplitMix64's finaliser: request numbers become well-spread indexes,
// the same on every run.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func pick(i uint64, n int) int { return int(mix(i) % uint64(n)) }

// CheckResponse reports a GraphQL error in body, or a null answer for the
// shape's top-level field (a package the plan has but the database has not
// means seed and load disagree).
func CheckResponse(body []byte, field string) error {
	var env struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("not JSON: %.200s", body)
	}
	if len(env.Errors) > 0 {
		return errors.New(env.Errors[0].Message)
	}
	if v, ok := env.Data[field]; !ok || string(v) == "null" {
		return fmt.Errorf("%s is null (was the database seeded with the same -seed and size?)", field)
	}
	return nil
}
