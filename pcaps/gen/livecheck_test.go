package main

import (
	"os"
	"path/filepath"
	"testing"
)

// liveFrames reads the committed live recording file, checks that its
// TCP is consistent (no gaps, retransmissions or other oddities: real
// kernel TCP on lo has none) with at least minSegments segments, and
// returns its frames. how says how to record the file again.
func liveFrames(t *testing.T, file, how string, minSegments int) []frame {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(committedDir, file))
	if err != nil {
		t.Fatalf("%v: run %s", err, how)
	}
	fs, err := readCapture(file, b)
	if err != nil {
		t.Fatal(err)
	}
	r, err := checkTCP(fs)
	if err != nil {
		t.Fatal(err)
	}
	if r.segments < minSegments || r != (tcpReport{segments: r.segments}) {
		t.Errorf("live capture: %+v", r)
	}
	return fs
}
