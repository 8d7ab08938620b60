package main

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/alerts/message"
)

// readJSONL reads a file sink's messages.
func readJSONL(t *testing.T, path string) []*message.Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []*message.Document
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		d, err := message.Decode(sc.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, d)
	}
	return docs
}

func countTypes(docs []*message.Document) map[string]int {
	n := map[string]int{}
	for _, d := range docs {
		n[d.Type]++
	}
	return n
}

// TestReplayForwards replays with a file sink: every new alert, every
// device and a heartbeat arrive; a second replay of the same capture sends
// a heartbeat only (nothing new, no device changed).
func TestReplayForwards(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	out := filepath.Join(t.TempDir(), "out.jsonl")
	attack := filepath.Join(pcapsDir, "scenarios", "suspect.pcap")
	r := mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", "--sensor-id", "plant-a", "--sink", "file://"+out, "-o", "json", attack)
	var sum struct {
		Alerts  int `json:"alerts"`
		Devices int `json:"devices"`
	}
	decode(t, r.stdout, &sum)
	docs := readJSONL(t, out)
	n := countTypes(docs)
	if n["alert"] != sum.Alerts || n["device"] != sum.Devices || n["heartbeat"] != 1 || sum.Alerts == 0 {
		t.Fatalf("forwarded %v, replay raised %d alerts on %d devices", n, sum.Alerts, sum.Devices)
	}
	ids := map[string]bool{}
	for _, d := range docs {
		if d.SensorID != "plant-a" || ids[d.ID] {
			t.Errorf("message %s of sensor %q (duplicate: %v)", d.ID, d.SensorID, ids[d.ID])
		}
		ids[d.ID] = true
	}
	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", "--sensor-id", "plant-a", "--sink", "file://"+out, attack)
	again := countTypes(readJSONL(t, out)[len(docs):])
	if again["alert"] != 0 || again["device"] != 0 || again["heartbeat"] != 1 {
		t.Errorf("second replay forwarded %v, want one heartbeat", again)
	}

	r = mustRun(t, exitOK, "--data-dir", dir, "outbox", "status", "-o", "json")
	var st outboxStatus
	decode(t, r.stdout, &st)
	if st.Depth != 0 || len(st.Sinks) != 1 || st.Sinks[0].Sent != uint64(len(docs)+1) || st.Sinks[0].Name != "file://"+out {
		t.Errorf("outbox status %+v", st)
	}
}

// TestOutboxFlushLater replays with no sink: everything waits in the
// outbox, and outbox flush --sink delivers it; a sink that cannot take it
// makes flush exit non-zero with what is pending.
func TestOutboxFlushLater(t *testing.T) {
	dir := replayInto(t, plantPcap)
	r := mustRun(t, exitOK, "--data-dir", dir, "outbox", "status", "-o", "json")
	var st outboxStatus
	decode(t, r.stdout, &st)
	if st.Depth == 0 || len(st.Sinks) != 0 || st.Oldest.IsZero() {
		t.Fatalf("after a replay without sinks: %+v", st)
	}
	missing := filepath.Join(t.TempDir(), "not-mounted", "out.jsonl")
	r = cli(t, "--data-dir", dir, "outbox", "flush", "--sink", "file://"+missing, "--timeout", "2s")
	if r.code != exitFailed || !strings.Contains(r.stderr, "pending") {
		t.Errorf("flush to a missing directory: exit %d\n%s", r.code, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "out.jsonl")
	mustRun(t, exitOK, "--data-dir", dir, "outbox", "flush", "--sink", "file://"+out)
	if got := len(readJSONL(t, out)); int64(got) != st.Depth {
		t.Errorf("flush delivered %d messages, %d were pending", got, st.Depth)
	}
	r = mustRun(t, exitOK, "--data-dir", dir, "status", "-o", "json")
	var ss sensorStatus
	decode(t, r.stdout, &ss)
	var names []string
	for _, s := range ss.Outbox.Sinks {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	// The missing-directory sink still waits for everything.
	if ss.Devices == 0 || ss.Outbox.Depth != st.Depth || len(names) != 2 {
		t.Errorf("status %+v", ss)
	}
	r = cli(t, "--data-dir", dir, "outbox", "flush")
	if r.code != exitUsage || !strings.Contains(r.stderr, "no sink") {
		t.Errorf("flush without sinks: exit %d\n%s", r.code, r.stderr)
	}
	// Forgetting the missing-directory sink releases what it held.
	mustRun(t, exitOK, "--data-dir", dir, "outbox", "forget", "file://"+missing)
	r = mustRun(t, exitOK, "--data-dir", dir, "outbox", "status", "-o", "json")
	decode(t, r.stdout, &st)
	if st.Depth != 0 || len(st.Sinks) != 1 {
		t.Errorf("after forget: %+v", st)
	}
	if r := cli(t, "--data-dir", dir, "outbox", "forget", "file:///nowhere"); r.code != exitUsage {
		t.Errorf("forget of an unknown sink: exit %d", r.code)
	}
}

func TestConfigFile(t *testing.T) {
	cfgDir := t.TempDir()
	out := filepath.Join(cfgDir, "out.jsonl")
	good := filepath.Join(cfgDir, "good.yaml")
	os.WriteFile(good, []byte("sensor_id: plant-b\noutbox:\n  max_bytes: 8MiB\n  sync_interval: 2s\nsinks:\n  - url: file://"+out+"\n    envelope: defender\n"), 0o600)
	dir := filepath.Join(t.TempDir(), "data")
	mustRun(t, exitOK, "--config", good, "--data-dir", dir, "replay", "--no-progress", plantPcap)
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), `"AgentVersion"`) || !strings.Contains(string(b), `"sensor_id":"plant-b"`) {
		t.Errorf("config sink got:\n%.400s", b)
	}
	r := mustRun(t, exitOK, "--config", good, "--data-dir", dir, "status", "-o", "json")
	var ss sensorStatus
	decode(t, r.stdout, &ss)
	if ss.SensorID != "plant-b" || ss.Outbox.MaxBytes != 8<<20 {
		t.Errorf("status %+v", ss)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"sensor_id: x\nsinkz: []\n", "line 2: field sinkz not found"},
		{"sinks:\n  - url: file:///tmp/x\n    pasword: {env: X}\n", "line 3: field pasword not found"},
		{"outbox:\n  max_bytes: lots\n", "lots"},
		{"sinks:\n  - url: gopher://x\n", "unknown scheme"},
	} {
		p := filepath.Join(cfgDir, "bad.yaml")
		os.WriteFile(p, []byte(tc.yaml), 0o600)
		r := cli(t, "--config", p, "--data-dir", filepath.Join(t.TempDir(), "d"), "replay", "--no-progress", plantPcap)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %s; want %q", tc.yaml, r.code, r.stderr, tc.want)
		}
	}
}

func TestSinkFlagErrors(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"mqtt://user:secret@broker/t", "password in the URL"},
		{"kafka://b:9092/t?colour=red", "unknown parameter"},
		{"noscheme", "no scheme"},
	} {
		r := cli(t, "replay", "--no-progress", "--sink", tc.url, plantPcap)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "secret") {
			t.Errorf("--sink %s: exit %d, stderr %s", tc.url, r.code, r.stderr)
		}
	}
}

// TestExampleConfig keeps deploy/otsensor.example.yaml true: every key in it
// is one the sensor reads, every sink URL has a known scheme.
func TestExampleConfig(t *testing.T) {
	c, err := loadConfig(filepath.Join("..", "..", "deploy", "otsensor.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.SensorID == "" || c.Outbox.MaxBytes != 64<<20 || len(c.Sinks) != 7 || len(c.Capture.Interfaces) != 1 ||
		c.Capture.RingBytes != 32<<20 || c.API.Mode != "0660" || c.Daemon.SaveInterval == 0 || len(c.Rules) != 1 {
		t.Errorf("example config read as %+v", c)
	}
	schemes := map[string]bool{}
	for _, s := range c.Sinks {
		schemes[s.Scheme()] = true
	}
	for _, want := range []string{"eventhubs", "kafka+tls", "mqtts", "syslog+tls", "https", "file"} {
		if !schemes[want] {
			t.Errorf("the example has no %s sink", want)
		}
	}
}
