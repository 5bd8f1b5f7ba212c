// Package names holds the naming rules of SPEC §3: usernames, organization
// names and package names, and the list of reserved package names.
package names

import (
	"bufio"
	_ "embed"
	"regexp"
	"strings"
	"sync"

	"github.com/depot-registry/depot/apperr"
)

var (
	usernameRE = regexp.MustCompile(`^[a-z0-9_\-.]+$`)
	orgRE      = regexp.MustCompile(`^[a-z0-9_]+$`)
	packageRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Username checks a username: lower case a-z, 0-9, "_", "-" and ".", at
// least 3 characters (and at most 40, so it fits in URLs and logs). Upper
// case is refused rather than folded, so nobody is surprised by the name they
// get; usernames can never change.
func Username(s string) error {
	switch {
	case len(s) < 3:
		return apperr.Invalid("username", "username must be at least 3 characters")
	case len(s) > 40:
		return apperr.Invalid("username", "username must be at most 40 characters")
	case strings.ToLower(s) != s:
		return apperr.Invalid("username", "username must be lower case")
	case !usernameRE.MatchString(s):
		return apperr.Invalid("username", "username may only contain a-z, 0-9, _, - and .")
	}
	return nil
}

// Organization checks an organization name: a-z, 0-9 and "_", 3..40 characters.
func Organization(s string) error {
	switch {
	case len(s) < 3:
		return apperr.Invalid("name", "organization name must be at least 3 characters")
	case len(s) > 40:
		return apperr.Invalid("name", "organization name must be at most 40 characters")
	case !orgRE.MatchString(s):
		return apperr.Invalid("name", "organization name may only contain a-z, 0-9 and _")
	}
	if Reserved(s) {
		return apperr.Invalid("name", "%q is reserved", s)
	}
	return nil
}

// Package checks a package name: starts with a letter, then a-z, 0-9 and
// "_", 2..64 characters, and not reserved.
func Package(s string) error {
	switch {
	case len(s) < 2 || len(s) > 64:
		return apperr.Invalid("name", "package name must be 2 to 64 characters")
	case !packageRE.MatchString(s):
		return apperr.Invalid("name", "package name must start with a-z and contain only a-z, 0-9 and _")
	case Reserved(s):
		return apperr.Invalid("name", "package name %q is reserved", s)
	}
	return nil
}

//go:embed reserved.txt
var reservedText string

var reserved = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(reservedText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = true
	}
	return m
})

// Reserved reports whether name is on the reserved list (reserved.txt).
func Reserved(name string) bool { return reserved()[strings.ToLower(name)] }
