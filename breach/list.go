package breach

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// commonGz holds the 30,000 most common passwords of the zxcvbn frequency
// list (MIT, see data/LICENSE-zxcvbn.txt), lower-case, one per line, sorted.
// Regenerate with `go generate ./breach`.
//
//go:embed data/common-passwords.txt.gz
var commonGz []byte

// List is an offline checker over a fixed set of passwords. Matching ignores
// case: the bundled list is lower-case (zxcvbn folds case), and "Password1"
// is as much a first guess for an attacker as "password1".
type List struct {
	load func() ([]string, error) // sorted, lower-case; runs once
}

var _ Checker = (*List)(nil)

var bundled = &List{load: sync.OnceValues(func() ([]string, error) {
	return parseGz(commonGz)
})}

// Bundled returns the list embedded in the binary. It is decompressed on
// first use, not at start-up, so programs that import the package but never
// check a password pay nothing.
func Bundled() *List { return bundled }

// NewList returns a list of the given passwords.
func NewList(passwords ...string) *List {
	words := make([]string, len(passwords))
	for i, p := range passwords {
		words[i] = strings.ToLower(p)
	}
	slices.Sort(words)
	words = slices.Compact(words)
	return &List{load: func() ([]string, error) { return words, nil }}
}

// Breached reports whether password, compared without case, is on the list.
func (l *List) Breached(ctx context.Context, password string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("breach list: %w", err)
	}
	words, err := l.load()
	if err != nil {
		return false, err
	}
	_, found := slices.BinarySearch(words, strings.ToLower(password))
	return found, nil
}

// Len returns the number of passwords on the list.
func (l *List) Len() (int, error) {
	words, err := l.load()
	return len(words), err
}

// parseGz decompresses the list into one string and slices it into lines,
// so 30,000 entries cost one allocation for the text plus the slice.
func parseGz(gz []byte) ([]string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("breach list: open bundled data: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("breach list: read bundled data: %w", err)
	}
	words := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	// The generator sorts, but binary search silently misses entries if the
	// file was ever edited by hand, so make sure.
	if !slices.IsSorted(words) {
		slices.Sort(words)
	}
	return words, nil
}
