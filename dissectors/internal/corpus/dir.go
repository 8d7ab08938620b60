package corpus

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Dir returns the shared capture corpus, ../shared/pcaps beside the module
// root, relative to the test's working directory. It fails tb when the
// corpus is missing: the tests must not pass without it.
func Dir(tb testing.TB) string {
	tb.Helper()
	root := "."
	for range 16 {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		root = filepath.Join(root, "..")
	}
	dir := filepath.Join(root, "..", "shared", "pcaps")
	if _, err := os.Stat(dir); err != nil {
		tb.Fatalf("shared captures missing (%v): tests need ../shared/pcaps next to the repository", err)
	}
	return dir
}

// Name is the path of a capture relative to the corpus, with slashes.
func Name(dir, path string) string {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

// Truths decodes every *.truth.json of the corpus into a T and returns
// those keep accepts, by capture path (the truth path without
// ".truth.json"). It fails tb on an unreadable truth file and when keep
// accepts none.
func Truths[T any](tb testing.TB, keep func(*T) bool) map[string]*T {
	tb.Helper()
	dir := Dir(tb)
	out := map[string]*T{}
	err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, ".truth.json") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		tr := new(T)
		if err := json.Unmarshal(b, tr); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if keep(tr) {
			out[strings.TrimSuffix(path, ".truth.json")] = tr
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("no truth file under %s has the section this test checks", dir)
	}
	return out
}

// Captures returns the pcap and pcapng files of the corpus whose path keep
// accepts, in lexical order, leaving out the source projects' expected
// outputs (*.peer directories). It fails tb when keep accepts none.
func Captures(tb testing.TB, keep func(path string) bool) []string {
	tb.Helper()
	dir := Dir(tb)
	var out []string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case e.IsDir() && strings.HasSuffix(path, ".peer"):
			return filepath.SkipDir
		case e.IsDir():
			return nil
		}
		low := strings.ToLower(path)
		if (strings.HasSuffix(low, ".pcap") || strings.HasSuffix(low, ".pcapng")) && keep(path) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil || len(out) == 0 {
		tb.Fatalf("no capture under %s for this test: %v", dir, err)
	}
	return out
}
