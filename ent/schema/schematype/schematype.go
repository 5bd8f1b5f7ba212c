// Package schematype holds Go types stored in Ent JSON columns. It lives
// apart from the schema package so the generated code can import it without
// an import cycle.
package schematype

// Link is one entry of a release's metadata links.
type Link struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}
