package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/otsensor/otsensor/sensor/capture"
)

// plantPackets is the plant capture's packet count (pcaps/README.md).
const plantPackets = 154

// countBundled counts the bundled captures and their packets with pcapgo
// alone (not the sensor's reader), so that the test follows the captures
// as pcaps/gen rewrites them.
func countBundled(t *testing.T) (files, packets int64) {
	t.Helper()
	var names []string
	err := filepath.WalkDir(pcapsDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && capture.IsCaptureName(d.Name()) {
			names = append(names, path) // not the truth files, labels, sources
		}
		return err
	})
	if err != nil || len(names) < 10 {
		t.Fatalf("bundled captures: %v %v", names, err)
	}
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if strings.HasSuffix(name, ".gz") {
			if r, err = gzip.NewReader(f); err != nil {
				t.Fatal(err)
			}
		}
		var next func() ([]byte, gopacket.CaptureInfo, error)
		if strings.Contains(name, ".pcapng") {
			ng, err := pcapgo.NewNgReader(r, pcapgo.NgReaderOptions{WantMixedLinkType: true})
			if err != nil {
				t.Fatal(name, err)
			}
			next = ng.ReadPacketData
		} else {
			pr, err := pcapgo.NewReader(r)
			if err != nil {
				t.Fatal(name, err)
			}
			next = pr.ReadPacketData
		}
		for {
			if _, _, err := next(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(name, err)
			}
			packets++
		}
		f.Close()
		files++
	}
	return files, packets
}

// TestReplayAllSummary replays every bundled capture and checks the JSON
// summary's fields against the captures and the other commands' output.
func TestReplayAllSummary(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	events := filepath.Join(t.TempDir(), "events.json")
	r := mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", "-o", "json", "--events", events, pcapsDir)
	if r.stderr != "" {
		t.Errorf("stderr not empty with -o json: %q", r.stderr)
	}
	var s map[string]any
	decode(t, r.stdout, &s)
	for _, k := range []string{"files", "packets", "flows", "devices", "events", "anomalies", "decode_errors"} {
		num(t, s, k)
	}
	if fe, ok := s["file_errors"].([]any); !ok || len(fe) != 0 {
		t.Errorf("file_errors = %#v, want []", s["file_errors"])
	}
	files, packets := countBundled(t)
	if n := num(t, s, "files"); n != files {
		t.Errorf("files = %d, want %d", n, files)
	}
	if n := num(t, s, "packets"); n != packets {
		t.Errorf("packets = %d, want %d", n, packets)
	}
	// The test clock advances one second per reading: the replay took 1 s.
	if pps, ok := s["packets_per_second"].(json.Number); !ok || pps.String() != strconv.FormatInt(packets, 10) {
		t.Errorf("packets_per_second = %v, want %d (all packets in 1 s of test clock)", s["packets_per_second"], packets)
	}
	if n := num(t, s, "decode_errors"); n != 0 {
		t.Errorf("decode_errors = %d", n)
	}
	if n := num(t, s, "devices"); n != int64(len(devicesJSON(t, dir))) {
		t.Errorf("devices = %d, devices -o json lists %d", n, len(devicesJSON(t, dir)))
	}
	// Every protocol event and every anomaly is one line of --events.
	types := eventTypes(t, readFile(t, events))
	records := 0
	for _, p := range []string{"modbus", "dnp3", "mqtt", "tls"} {
		if types[p] == 0 {
			t.Errorf("event types %v: no %s", types, p)
		}
		records += types[p]
	}
	if num(t, s, "events") != int64(records) || num(t, s, "anomalies") != int64(types["anomaly"]) {
		t.Errorf("summary events %v anomalies %v, events file has %v", s["events"], s["anomalies"], types)
	}
	// The *_malformed.pcap captures are made of defects.
	if types["anomaly"] == 0 {
		t.Error("no anomaly from modbus_malformed.pcap")
	}
	if n := num(t, s, "flows"); n == 0 {
		t.Error("no flows")
	}
}

// TestReplayPlantSummary checks the summary of the plant capture against
// tshark: 154 frames, 7 TCP conversations, 49 Modbus requests and 49
// responses, 14 ARP frames.
func TestReplayPlantSummary(t *testing.T) {
	r := mustRun(t, exitOK, "--data-dir", filepath.Join(t.TempDir(), "d"), "replay", "-o", "json", plantPcap)
	var s map[string]any
	decode(t, r.stdout, &s)
	want := map[string]int64{"files": 1, "packets": plantPackets, "flows": 7, "flows_tcp": 7, "devices": 9, "events": 98, "anomalies": 0, "decode_errors": 0, "non_ip_packets": 14}
	for k, v := range want {
		if got := num(t, s, k); got != v {
			t.Errorf("%s = %d, want %d", k, got, v)
		}
	}
	if s["first_packet"] != "2024-03-01T08:00:00Z" || s["last_packet"] != "2024-03-01T08:00:04.9765Z" {
		t.Errorf("capture time %v .. %v, want capinfos' 08:00:00 .. 08:00:04.9765", s["first_packet"], s["last_packet"])
	}
}

// TestReplayTextSummary: the default summary is text on stderr, stdout
// stays empty.
func TestReplayTextSummary(t *testing.T) {
	r := mustRun(t, exitOK, "--data-dir", filepath.Join(t.TempDir(), "d"), "replay", plantPcap)
	if r.stdout != "" {
		t.Errorf("stdout %q, want nothing", r.stdout)
	}
	for _, s := range []string{"replay summary:", "packets          154", "devices          9"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("text summary lacks %q:\n%s", s, r.stderr)
		}
	}
}

// TestReplayEvents checks --events - and --events FILE write the same
// JSON lines, each a valid event.
func TestReplayEvents(t *testing.T) {
	r := mustRun(t, exitOK, "--data-dir", filepath.Join(t.TempDir(), "d"), "replay", "--events", "-", plantPcap)
	if !strings.Contains(r.stderr, "replay summary:") {
		t.Errorf("summary not on stderr with --events -: %q", r.stderr)
	}
	types := eventTypes(t, r.stdout)
	if types["modbus"] != 98 || len(types) != 1 {
		t.Errorf("event types %v, want 98 modbus (tshark: 49 requests, 49 responses)", types)
	}
	file := filepath.Join(t.TempDir(), "ev.json")
	mustRun(t, exitOK, "--data-dir", filepath.Join(t.TempDir(), "d"), "replay", "--events", file, plantPcap)
	if got := readFile(t, file); got != r.stdout {
		t.Errorf("--events FILE differs from --events -")
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var ev map[string]any
		decode(t, line, &ev)
		ts, err := time.Parse(time.RFC3339Nano, str(t, ev, "timestamp"))
		if err != nil || ts.Year() != 2024 {
			t.Errorf("event time %v (%v), want the packet time", ev["timestamp"], err)
		}
		// Every Modbus exchange of the plant goes to a server on port 502.
		if num(t, ev, "dest_port") != 502 || str(t, ev, "app_proto") != "modbus" || str(t, ev, "src_ip") == "" {
			t.Errorf("event %s: want a modbus event on dest_port 502", line)
		}
	}
}

// eventTypes checks every line of s is a JSON object with an event_type
// and counts them per type.
func eventTypes(t *testing.T, s string) map[string]int {
	t.Helper()
	types := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("event line %d is not JSON (%v): %s", n, err, sc.Text())
		}
		et, ok := ev["event_type"].(string)
		if !ok || et == "" {
			t.Fatalf("event line %d has no event_type: %s", n, sc.Text())
		}
		if _, ok := ev[et]; !ok {
			t.Errorf("event line %d: no %q record: %s", n, et, sc.Text())
		}
		types[et]++
	}
	if len(types) == 0 {
		t.Fatal("no events")
	}
	return types
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReplayFakeTerminal runs the terminal path (progress bar, console
// logger) against buffers: it must not need a real terminal nor change
// the outcome.
func TestReplayFakeTerminal(t *testing.T) {
	for _, extra := range [][]string{nil, {"--no-progress"}} {
		var out, errOut bytes.Buffer
		a := newApp(&out, &errOut)
		a.getenv = func(string) string { return "" }
		a.isTerminal = func(io.Writer) bool { return true }
		dir := filepath.Join(t.TempDir(), "d")
		code := a.run(append([]string{"--data-dir", dir, "replay", plantPcap}, extra...))
		if code != exitOK || out.Len() != 0 || !strings.Contains(errOut.String(), "devices          9") {
			t.Errorf("replay %v on a fake terminal: exit %d, stdout %q, stderr %q", extra, code, out.String(), errOut.String())
		}
		if n := len(devicesJSON(t, dir)); n != 9 {
			t.Errorf("%d devices, want 9", n)
		}
	}
}
