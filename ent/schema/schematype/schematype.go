// Package schematype holds Go types stored in Ent JSON columns. It lives
// apart from the schema package so the generated code can import it without
// an import cycle.
package schematype

// Link is one entry of a release's metadata links.
type Link struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// TrustedPublish records the trusted publisher and CI run that published a
// release (trust/), kept on the release even after the publisher is removed.
type TrustedPublish struct {
	PublisherID int    `json:"publisher_id"`
	Publisher   string `json:"publisher"`
	Issuer      string `json:"issuer"`
	RunID       string `json:"run_id,omitempty"`
	RunURL      string `json:"run_url,omitempty"`
	SHA         string `json:"sha,omitempty"`
	WorkflowRef string `json:"workflow_ref,omitempty"`
	// ConfiguredBy is the user who configured the publisher, recorded as
	// the release's publisher (not stored in the column).
	ConfiguredBy int `json:"-"`
}
