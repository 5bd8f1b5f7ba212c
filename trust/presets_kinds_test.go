package trust

import (
	"strings"
	"testing"
)

// Kinds says what Validate checks: a preset refuses each required claim
// missing, and no claim that Kinds does not list.
func TestKindsAgreeWithValidate(t *testing.T) {
	sample := map[string]string{"repository_owner": "acme", "repository": "acme/lib", "workflow": "release.yml",
		"environment": "release", "project_path": "acme/lib", "ref": "refs/tags/v1.0.0"}
	for _, k := range Kinds() {
		if k.AnyClaims {
			if _, err := Validate(k.Kind, "https://ci.example", map[string]string{}, false); err == nil {
				t.Errorf("%s accepted no claim at all", k.Kind)
			}
			continue
		}
		all := map[string]string{}
		for _, c := range k.Claims {
			all[c.Name] = sample[c.Name]
		}
		if _, err := Validate(k.Kind, "", all, false); err != nil {
			t.Errorf("%s refused every claim Kinds lists: %v", k.Kind, err)
		}
		for _, c := range k.Claims {
			without := map[string]string{}
			for n, v := range all {
				if n != c.Name {
					without[n] = v
				}
			}
			_, err := Validate(k.Kind, "", without, false)
			if c.Required != (err != nil) {
				t.Errorf("%s without %s: err %v, but Kinds says required=%v", k.Kind, c.Name, err, c.Required)
			}
		}
		extra := map[string]string{"unlisted": "x"}
		for n, v := range all {
			extra[n] = v
		}
		if _, err := Validate(k.Kind, "", extra, false); err == nil || !strings.Contains(err.Error(), "unlisted") {
			t.Errorf("%s accepted a claim Kinds does not list: %v", k.Kind, err)
		}
	}
}
