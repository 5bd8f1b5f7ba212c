// Command gen builds breach/data/common-passwords.txt.gz, the offline list of
// the most common breached passwords behind breach.Bundled. Run it by hand:
// `go run ./breach/internal/gen -out breach/data` (not part of `go generate`: it needs the
// network).
//
// Source: the frequency data shipped in github.com/trustelem/zxcvbn v1.0.1
// (data/passwords.txt), a Go port of Dropbox's zxcvbn. Both are MIT licensed;
// the port's license is copied next to the output as LICENSE-zxcvbn.txt.
// The list itself ranks passwords by how often they appear in leaked password
// dumps (the Xato 10M corpus used by zxcvbn) and is already lower-case.
//
// The module is fetched with `go mod download` from a scratch folder, so the
// Depot module does not depend on it and go.mod/go.sum stay untouched, while
// the go command still verifies it against the checksum database. The sum is
// pinned below as well, so regenerating can only ever read the same bytes.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

const (
	module  = "github.com/trustelem/zxcvbn"
	version = "v1.0.1"
	sum     = "h1:mp4JFtzdDYGj9WYSD3KQSkwwUumWNFzXaAjckaTYpsc="
	source  = "data/passwords.txt"
	license = "LICENSE.txt"
)

func main() {
	out := flag.String("out", "data", "output folder")
	// 30,000 is zxcvbn's own cut-off for this list: past it, entries are too
	// rare in the source corpus to rank reliably.
	top := flag.Int("top", 30_000, "how many of the most common passwords to keep")
	flag.Parse()
	if err := run(*out, *top); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string, top int) error {
	dir, err := download()
	if err != nil {
		return err
	}
	words, err := readTop(filepath.Join(dir, source), top)
	if err != nil {
		return err
	}
	gz, err := compress(words)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "common-passwords.txt.gz"), gz); err != nil {
		return err
	}
	lic, err := os.ReadFile(filepath.Join(dir, license))
	if err != nil {
		return fmt.Errorf("read license: %w", err)
	}
	if err := writeFile(filepath.Join(out, "LICENSE-zxcvbn.txt"), lic); err != nil {
		return err
	}
	fmt.Printf("gen: wrote %d passwords (%d bytes gzipped)\n", len(words), len(gz))
	return nil
}

// download puts the module in the module cache (a no-op when it is there)
// and returns its folder.
func download() (string, error) {
	scratch, err := os.MkdirTemp("", "breach-gen-")
	if err != nil {
		return "", fmt.Errorf("scratch folder: %w", err)
	}
	defer os.RemoveAll(scratch)
	cmd := exec.Command("go", "mod", "download", "-json", module+"@"+version)
	cmd.Dir = scratch // outside any module: go.mod and go.sum are left alone
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", module, version, err)
	}
	var info struct{ Dir, Sum, Error string }
	if err := json.Unmarshal(raw, &info); err != nil {
		return "", fmt.Errorf("parse go mod download output: %w", err)
	}
	switch {
	case info.Error != "":
		return "", fmt.Errorf("go mod download %s@%s: %s", module, version, info.Error)
	case info.Sum != sum:
		return "", fmt.Errorf("%s@%s has sum %s, want %s", module, version, info.Sum, sum)
	}
	return info.Dir, nil
}

// readTop returns the first top passwords of a "password count" file ranked
// by frequency, sorted byte-wise for binary search.
func readTop(path string, top int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open source list: %w", err)
	}
	defer f.Close()
	var words []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan() && len(words) < top; line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"password count\", got %q", path, line, sc.Text())
		}
		words = append(words, fields[0])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read source list: %w", err)
	}
	if len(words) < top {
		return nil, fmt.Errorf("%s has %d passwords, want at least %d", path, len(words), top)
	}
	slices.Sort(words)
	if n := len(slices.Compact(slices.Clone(words))); n != len(words) {
		return nil, errors.New("source list has duplicate passwords")
	}
	return words, nil
}

// compress gzips one password per line. The gzip header carries no name and
// no time, so the same input always gives the same bytes.
func compress(words []string) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	for _, w := range words {
		// gzip.Writer keeps its first error and returns it from Close.
		zw.Write([]byte(w))
		zw.Write([]byte{'\n'})
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return buf.Bytes(), nil
}

func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
