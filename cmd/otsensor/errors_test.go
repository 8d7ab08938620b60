package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplayNotCapture: a text file is reported by name, exit 1, and the
// other files given are still replayed.
func TestReplayNotCapture(t *testing.T) {
	text := writeFile(t, "notes.pcap", []byte("these are notes, not packets\n"))
	dir := filepath.Join(t.TempDir(), "d")
	r := mustRun(t, exitFailed, "--data-dir", dir, "replay", "-o", "json", text, plantPcap)
	if !strings.Contains(r.stderr, text) || !strings.Contains(r.stderr, "not a capture") {
		t.Errorf("stderr does not name %s as not a capture:\n%s", text, r.stderr)
	}
	var s map[string]any
	decode(t, r.stdout, &s)
	fe, ok := s["file_errors"].([]any)
	if !ok || len(fe) != 1 || fe[0].(map[string]any)["file"] != text {
		t.Errorf("file_errors = %v, want one for %s", s["file_errors"], text)
	}
	if num(t, s, "files") != 2 || num(t, s, "packets") != plantPackets {
		t.Errorf("files %v packets %v, want 2 and the plant's %d", s["files"], s["packets"], plantPackets)
	}
	if n := len(devicesJSON(t, dir)); n != 9 {
		t.Errorf("%d devices after the plant and a bad file, want the plant's 9", n)
	}
}

// truncatedCopy copies a classic little-endian pcap into a temp dir, cut
// in the middle of record number cut (0-based), so that cut whole records
// precede the damage. It returns the copy and the byte offset where the
// cut record starts.
func truncatedCopy(t *testing.T, src string, cut int) (string, int64) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// pcap file header: 24 bytes, magic d4 c3 b2 a1 for little-endian µs.
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		t.Fatalf("%s is not a little-endian pcap", src)
	}
	off := 24
	for i := 0; i < cut; i++ {
		// Record header: ts_sec, ts_usec, incl_len, orig_len (4 bytes each).
		if off+16 > len(b) {
			t.Fatalf("%s has fewer than %d records", src, cut+1)
		}
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
	}
	incl := int(binary.LittleEndian.Uint32(b[off+8:]))
	if off+16+incl > len(b) || incl < 2 {
		t.Fatalf("record %d of %s is not whole", cut, src)
	}
	return writeFile(t, "cut.pcap", b[:off+16+incl/2]), int64(off)
}

// TestReplayTruncated: a capture cut in the middle of a record fails with
// exit 1 and the record's offset, and the packets before it are stored.
func TestReplayTruncated(t *testing.T) {
	const cut = 65 // of 131 records
	file, offset := truncatedCopy(t, filepath.Join(pcapsDir, "modbus_functions.pcap"), cut)
	dir := filepath.Join(t.TempDir(), "d")
	r := mustRun(t, exitFailed, "--data-dir", dir, "replay", "-o", "json", file)
	if !strings.Contains(r.stderr, file) || !strings.Contains(r.stderr, fmt.Sprintf("byte offset %d", offset)) {
		t.Errorf("stderr names neither %s nor byte offset %d:\n%s", file, offset, r.stderr)
	}
	var s map[string]any
	decode(t, r.stdout, &s)
	if n := num(t, s, "packets"); n != cut {
		t.Errorf("%d packets replayed, want the %d before the damage", n, cut)
	}
	fe, ok := s["file_errors"].([]any)
	if !ok || len(fe) != 1 || !strings.Contains(fmt.Sprint(fe[0]), fmt.Sprintf("byte offset %d", offset)) {
		t.Errorf("file_errors = %v, want the damage at %d", s["file_errors"], offset)
	}
	// tshark -c 65: the HMI 10.0.0.10 (Dell 00:14:22:0a:00:10) and PLC
	// 10.0.0.21 (00:80:f4:0a:00:21) sent those packets.
	ds := devicesJSON(t, dir)
	if len(ds) != 2 {
		t.Errorf("%d devices, want 2", len(ds))
	}
	if m := strs(t, byIP(t, ds, "10.0.0.10"), "macs"); len(m) != 1 || m[0] != "00:14:22:0a:00:10" {
		t.Errorf("HMI macs %v", m)
	}
	if m := strs(t, byIP(t, ds, "10.0.0.21"), "macs"); len(m) != 1 || m[0] != "00:80:f4:0a:00:21" {
		t.Errorf("PLC macs %v", m)
	}
}

// TestReplayEventsUnwritable: an --events file that cannot be created
// fails the replay before it starts.
func TestReplayEventsUnwritable(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "no-such-dir", "events.json")
	r := mustRun(t, exitFailed, "--data-dir", filepath.Join(t.TempDir(), "d"), "replay", "--events", bad, plantPcap)
	if !strings.Contains(r.stderr, bad) || strings.Contains(r.stderr, "replay summary") {
		t.Errorf("stderr %q, want an error naming %s and no summary", r.stderr, bad)
	}
}

// TestReplayNoInput: missing paths and directories without captures
// exit 3 and touch no data dir.
func TestReplayNoInput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	missing := filepath.Join(t.TempDir(), "no-such.pcap")
	r := mustRun(t, exitNoInput, "--data-dir", dir, "replay", missing)
	if !strings.Contains(r.stderr, missing) {
		t.Errorf("stderr does not name %s: %q", missing, r.stderr)
	}
	mustRun(t, exitNoInput, "--data-dir", dir, "replay", plantPcap, missing)
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "readme.txt"), []byte("no captures here"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, exitNoInput, "--data-dir", dir, "replay", empty)
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("replay without input created %s", dir)
	}
}

// TestUsageErrors: bad flags, flag values and arguments exit 2 and print
// nothing on stdout.
func TestUsageErrors(t *testing.T) {
	dir := replayInto(t, plantPcap)
	for _, args := range [][]string{
		{"replay", "-o", "xml", plantPcap},
		{"replay", "-o", "yaml", plantPcap},
		{"replay", "--bogus", plantPcap},
		{"replay", "--events", "-", "-o", "json", plantPcap}, // both on stdout
		{"replay"},
		{"devices", "-o", "xml"},
		{"devices", "--bogus"},
		{"devices", "extra"},
		{"devices", "show", plantPLC1, "-o", "table"},
		{"links", "-o", "text"},
		{"links", "--bogus"},
		{"version", "-o", "table"},
		{"version", "extra"},
		{"--log-level", "loud", "devices"},
		{"--bogus", "devices"},
		{"nosuchcommand"},
	} {
		r := cli(t, append([]string{"--data-dir", dir}, args...)...)
		if r.code != exitUsage || r.stdout != "" || r.stderr == "" {
			t.Errorf("otsensor %s: exit %d, stdout %q, stderr %q; want exit 2, a message and no output", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	// A usage error stops before the replay: nothing was added.
	before := devicesJSON(t, dir)
	cli(t, "--data-dir", dir, "replay", "-o", "xml", plantPcap)
	after := devicesJSON(t, dir)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Error("replay with a bad -o changed the inventory")
	}
	r := cli(t, "--data-dir", dir, "devices", "-o", "xml")
	if !strings.Contains(r.stderr, `-o "xml"`) || !strings.Contains(r.stderr, "table, wide, json, yaml") {
		t.Errorf("bad -o message %q does not say what is allowed", r.stderr)
	}
}
