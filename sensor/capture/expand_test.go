package capture

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	files := []string{
		"b.pcap", "a.pcapng", "sub/c.CAP", "sub/deep/d.dmp", "sub/e.pcap.gz", "sub/f.PCAPNG.GZ",
		"notes.txt", "g.pcap.txt", "sub/h.json", "sub/deep/x.gz", "pcap",
	}
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A directory with a capture name is walked, not taken.
	if err := os.MkdirAll(filepath.Join(dir, "dir.pcap", "z.pcap"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dir.pcap", "in.pcap"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A symbolic link to a file is taken; a dangling one is skipped.
	if err := os.Symlink(filepath.Join(dir, "b.pcap"), filepath.Join(dir, "sub", "link.pcap")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "sub", "dangling.pcap")); err != nil {
		t.Fatal(err)
	}
	j := func(p string) string { return filepath.Join(dir, p) }

	got, err := Expand([]string{dir, j("notes.txt"), j("b.pcap")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		j("a.pcapng"), j("b.pcap"), j("dir.pcap/in.pcap"), j("notes.txt"),
		j("sub/c.CAP"), j("sub/deep/d.dmp"), j("sub/e.pcap.gz"), j("sub/f.PCAPNG.GZ"), j("sub/link.pcap"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("Expand:\n got %q\nwant %q", got, want)
	}

	if _, err := Expand([]string{j("b.pcap"), j("missing.pcap")}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path: %v", err)
	}
	if got, err := Expand([]string{j("sub/deep/x.gz")}); err != nil || !slices.Equal(got, []string{j("sub/deep/x.gz")}) {
		t.Errorf("file argument: %q, %v", got, err)
	}
	empty := t.TempDir()
	if got, err := Expand([]string{empty}); err != nil || len(got) != 0 {
		t.Errorf("empty directory: %q, %v", got, err)
	}
}

func TestIsCaptureName(t *testing.T) {
	for name, want := range map[string]bool{
		"a.pcap": true, "a.pcapng": true, "a.cap": true, "a.dmp": true, "A.PCAP.GZ": true, "a.pcapng.gz": true,
		"a.gz": false, "a.txt": false, "pcap": false, "a.pcap.txt": false, "a.truth.json": false, "a.pcap.gz.bak": false,
	} {
		if IsCaptureName(name) != want {
			t.Errorf("IsCaptureName(%q) = %v", name, !want)
		}
	}
}
