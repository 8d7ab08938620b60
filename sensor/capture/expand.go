package capture

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// captureExts are the names a directory walk picks up, each also with .gz.
var captureExts = []string{".pcap", ".pcapng", ".cap", ".dmp"}

// IsCaptureName reports whether a file name has a capture extension
// (.pcap, .pcapng, .cap, .dmp, optionally followed by .gz; any case).
func IsCaptureName(name string) bool {
	n := strings.ToLower(name)
	n = strings.TrimSuffix(n, ".gz")
	return slices.Contains(captureExts, filepath.Ext(n))
}

// Expand turns command-line arguments into the sorted, de-duplicated list
// of capture files to read. A directory is walked recursively for files
// whose names pass IsCaptureName (symbolic links to files are followed,
// to directories not); a file argument is taken as is, whatever its name.
// A missing path is an error; a directory without captures adds nothing.
func Expand(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		if !st.IsDir() {
			out = append(out, filepath.Clean(arg))
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !IsCaptureName(d.Name()) {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				st, err := os.Stat(path)
				if err != nil || !st.Mode().IsRegular() {
					return nil // dangling, or a link to a directory
				}
			} else if !d.Type().IsRegular() {
				return nil
			}
			out = append(out, path)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
