package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/inventory"
)

// plantStart is the plant capture's first packet (capinfos).
var plantStart = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

// Hand-made alerts between the plant's stations; a2a2 twice shares a
// prefix on purpose.
const (
	idProgramming = "a1a1000000000001" // critical, EWS programs PLC 1
	idViolation   = "a2a2000000000002" // high, SCADA → PLC 2
	idWeak        = "a2a2000000000003" // medium, HMI → PLC 1, acknowledged
	idLayer2      = "b4b4000000000004" // low, PLC 1 by MAC only, muted
	idOther       = "c5c5000000000005" // high, HMI → PLC 3, same last seen as idViolation
)

func ep(ip string, port uint16) alerts.Endpoint {
	return alerts.Endpoint{IP: netip.MustParseAddr(ip), Port: port}
}

func plantAlerts() []*alerts.Alert {
	at := func(s int) time.Time { return plantStart.Add(time.Duration(s) * time.Second) }
	return []*alerts.Alert{
		{ID: idProgramming, Rule: "modbus.programming", Title: "PLC programming", Severity: alerts.Critical,
			Engine: alerts.EngineOperational, Category: "programming", Source: ep("192.168.10.50", 0),
			Destination: ep(plantPLC1, 502), AppProto: "modbus", FlowID: 11, First: at(1), Last: at(30), Count: 3,
			Evidence: json.RawMessage(`{"function_code":90}`), MITRE: &alerts.Technique{ID: "T0843", Name: "Program Download"}},
		{ID: idViolation, Rule: "protocol.violation", Title: "Modbus protocol violation", Severity: alerts.High,
			Engine: alerts.EngineProtocol, Source: ep(plantSCADA, 0), Destination: ep("192.168.10.22", 502),
			AppProto: "modbus", First: at(2), Last: at(40), Count: 1},
		{ID: idWeak, Rule: "modbus.exceptions", Title: "Excessive exception responses", Severity: alerts.Medium,
			Engine: alerts.EngineAnomaly, Source: ep("192.168.10.10", 0), Destination: ep(plantPLC1, 502),
			First: at(3), Last: at(50), Count: 7, State: alerts.StateAcknowledged},
		{ID: idLayer2, Rule: "l2.test", Title: "Layer 2 only", Severity: alerts.Low, Engine: alerts.EngineAnomaly,
			Source: alerts.Endpoint{MAC: plantPLC1MAC}, First: at(4), Last: at(4), Count: 1, State: alerts.StateMuted},
		{ID: idOther, Rule: "protocol.violation", Title: "Modbus protocol violation", Severity: alerts.High,
			Engine: alerts.EngineProtocol, Source: ep("192.168.10.10", 0), Destination: ep("192.168.10.23", 502),
			First: at(5), Last: at(40), Count: 2},
	}
}

// storeAlerts merges alerts into dir's store, as a replay does.
func storeAlerts(t *testing.T, dir string, list []*alerts.Alert) {
	t.Helper()
	db, err := inventory.OpenDB(dir, false, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := alerts.NewStore(db).Merge(list); err != nil {
		t.Fatal(err)
	}
}

// plantWithAlerts is a data dir with the plant's inventory and the
// hand-made alerts.
func plantWithAlerts(t *testing.T) string {
	t.Helper()
	dir := replayInto(t, plantPcap)
	storeAlerts(t, dir, plantAlerts())
	return dir
}

// alertsJSON runs `alerts -o json` with args on dir.
func alertsJSON(t *testing.T, dir string, args ...string) []map[string]any {
	t.Helper()
	r := mustRun(t, exitOK, append([]string{"--data-dir", dir, "alerts", "-o", "json"}, args...)...)
	var as []map[string]any
	decode(t, r.stdout, &as)
	return as
}

func alertIDs(t *testing.T, as []map[string]any) []string {
	t.Helper()
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = str(t, a, "id")
	}
	return ids
}

// TestAlertsList checks the order (severity, then last seen, then id) and
// each filter against the hand-made alerts.
func TestAlertsList(t *testing.T) {
	dir := plantWithAlerts(t)
	plc1 := str(t, byIP(t, devicesJSON(t, dir), plantPLC1), "id")
	all := []string{idProgramming, idViolation, idOther, idWeak, idLayer2}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, all},
		{[]string{"--severity", "low"}, all},
		{[]string{"--severity", "high"}, []string{idProgramming, idViolation, idOther}},
		{[]string{"--severity", "critical"}, []string{idProgramming}},
		{[]string{"--engine", "anomaly"}, []string{idWeak, idLayer2}},
		{[]string{"--engine", "policy"}, []string{}},
		{[]string{"--state", "new"}, []string{idProgramming, idViolation, idOther}},
		{[]string{"--state", "acknowledged"}, []string{idWeak}},
		{[]string{"--state", "muted"}, []string{idLayer2}},
		// PLC 1 is the destination of two alerts and, by its MAC, the
		// source of the layer-2 one.
		{[]string{"--device", plantPLC1}, []string{idProgramming, idWeak, idLayer2}},
		{[]string{"--device", plantPLC1MAC}, []string{idProgramming, idWeak, idLayer2}},
		{[]string{"--device", strings.ToUpper(plantPLC1MAC)}, []string{idProgramming, idWeak, idLayer2}},
		{[]string{"--device", plc1}, []string{idProgramming, idWeak, idLayer2}},
		{[]string{"--device", plc1[:6]}, []string{idProgramming, idWeak, idLayer2}},
		{[]string{"--device", plantSCADA}, []string{idViolation}},
		{[]string{"--device", "192.168.99.99"}, []string{}}, // no such device: nothing
		{[]string{"--device", plantPLC1, "--severity", "medium", "--state", "new"}, []string{idProgramming}},
	} {
		got := alertIDs(t, alertsJSON(t, dir, tc.args...))
		if !slices.Equal(got, tc.want) {
			t.Errorf("alerts %v = %v, want %v", tc.args, got, tc.want)
		}
		// "alerts list" is the same command.
		r := mustRun(t, exitOK, append([]string{"--data-dir", dir, "alerts", "list", "-o", "json"}, tc.args...)...)
		var as []map[string]any
		decode(t, r.stdout, &as)
		if l := alertIDs(t, as); !slices.Equal(l, tc.want) {
			t.Errorf("alerts list %v = %v, want %v", tc.args, l, tc.want)
		}
	}
}

// TestAlertsJSON checks one alert's JSON field by field, the device ids
// resolved from the inventory included.
func TestAlertsJSON(t *testing.T) {
	dir := plantWithAlerts(t)
	ds := devicesJSON(t, dir)
	as := alertsJSON(t, dir, "--severity", "critical")
	if len(as) != 1 {
		t.Fatalf("%d critical alerts, want 1", len(as))
	}
	a := as[0]
	for k, v := range map[string]string{"id": idProgramming, "rule": "modbus.programming", "title": "PLC programming",
		"severity": "critical", "engine": "operational", "category": "programming", "app_proto": "modbus",
		"state": "new", "first_seen": "2024-03-01T08:00:01Z", "last_seen": "2024-03-01T08:00:30Z"} {
		if got := str(t, a, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if num(t, a, "count") != 3 || num(t, a, "flow_id") != 11 || num(t, a, "v") != alerts.SchemaVersion {
		t.Errorf("count %v flow_id %v v %v", a["count"], a["flow_id"], a["v"])
	}
	src, dst := obj(t, a, "source"), obj(t, a, "destination")
	if str(t, src, "ip") != "192.168.10.50" || src["port"] != nil || str(t, src, "device_id") != str(t, byIP(t, ds, "192.168.10.50"), "id") {
		t.Errorf("source %v", src)
	}
	if str(t, dst, "ip") != plantPLC1 || num(t, dst, "port") != 502 || str(t, dst, "device_id") != str(t, byIP(t, ds, plantPLC1), "id") {
		t.Errorf("destination %v", dst)
	}
	if m := obj(t, a, "mitre"); m["id"] != "T0843" || m["name"] != "Program Download" {
		t.Errorf("mitre %v", m)
	}
	if e := obj(t, a, "evidence"); num(t, e, "function_code") != 90 {
		t.Errorf("evidence %v", e)
	}
	// The layer-2 alert has no destination IP and names PLC 1 by its MAC.
	l2 := alertsJSON(t, dir, "--severity", "low", "--engine", "anomaly", "--state", "muted")[0]
	if s := obj(t, l2, "source"); str(t, s, "mac") != plantPLC1MAC || str(t, s, "device_id") != str(t, byIP(t, ds, plantPLC1), "id") {
		t.Errorf("layer-2 source %v", s)
	}
	if d := obj(t, l2, "destination"); d["device_id"] != nil {
		t.Errorf("layer-2 destination %v, want no device", d)
	}
}

func TestAlertsTableAndYAML(t *testing.T) {
	dir := plantWithAlerts(t)
	out := mustRun(t, exitOK, "--data-dir", dir, "alerts").stdout
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("table has %d lines, want a header and 5 rows:\n%s", len(lines), out)
	}
	if h := strings.Fields(lines[0]); strings.Join(h, " ") != "ID SEVERITY ENGINE TITLE SOURCE DESTINATION COUNT LAST SEEN STATE" {
		t.Errorf("header %q", lines[0])
	}
	first := strings.Fields(lines[1])
	want := []string{idProgramming, "critical", "operational", "PLC", "programming", "192.168.10.50", plantPLC1 + ":502", "3", "2024-03-01", "08:00:30", "new"}
	if !slices.Equal(first, want) {
		t.Errorf("first row %q, want %q", first, want)
	}
	for i, id := range []string{idProgramming, idViolation, idOther, idWeak, idLayer2} {
		if !strings.HasPrefix(lines[i+1], id+" ") {
			t.Errorf("row %d is %q, want alert %s", i+1, lines[i+1], id)
		}
	}
	// The layer-2 alert shows its MAC and "-" for the missing destination.
	if f := strings.Fields(lines[5]); f[6] != plantPLC1MAC || f[7] != "-" { // title "Layer 2 only" is 3 fields
		t.Errorf("layer-2 row %q", lines[5])
	}

	wide := mustRun(t, exitOK, "--data-dir", dir, "alerts", "-o", "wide").stdout
	wl := strings.Split(wide, "\n")
	if h := strings.Join(strings.Fields(wl[0]), " "); !strings.HasSuffix(h, "LAST SEEN STATE FIRST SEEN RULE MITRE") {
		t.Errorf("wide header %q", wl[0])
	}
	if f := strings.Fields(wl[1]); !slices.Equal(f[len(f)-4:], []string{"2024-03-01", "08:00:01", "modbus.programming", "T0843"}) {
		t.Errorf("wide first row %q", wl[1])
	}
	// The layer-2 alert has no technique: "-".
	if f := strings.Fields(wl[5]); f[len(f)-1] != "-" || f[len(f)-2] != "l2.test" {
		t.Errorf("wide last row %q", wl[5])
	}

	yml := mustRun(t, exitOK, "--data-dir", dir, "alerts", "-o", "yaml").stdout
	for _, s := range []string{"id: " + idProgramming, "severity: critical", "device_id: ", "state: muted", "id: T0843"} {
		if !strings.Contains(yml, s) {
			t.Errorf("yaml lacks %q:\n%s", s, yml)
		}
	}
}

func TestAlertShow(t *testing.T) {
	dir := plantWithAlerts(t)
	for _, q := range []string{idProgramming, "a1a1", "A1A1"} {
		r := mustRun(t, exitOK, "--data-dir", dir, "alerts", "show", q, "-o", "json")
		var a map[string]any
		decode(t, r.stdout, &a)
		if a["id"] != idProgramming || obj(t, a, "destination")["device_id"] == nil {
			t.Errorf("show %s: %v", q, a)
		}
	}
	plc1 := str(t, byIP(t, devicesJSON(t, dir), plantPLC1), "id")
	text := mustRun(t, exitOK, "--data-dir", dir, "alerts", "show", "a1a1").stdout
	for _, s := range []string{"id:          " + idProgramming, "title:       PLC programming", "severity:    critical",
		"destination: " + plantPLC1 + ":502 (device " + plc1 + ")", "mitre:       T0843 Program Download",
		"count:       3", `evidence:    {"function_code":90}`, "first seen:  2024-03-01 08:00:01", "state:       new"} {
		if !strings.Contains(text, s) {
			t.Errorf("show text lacks %q:\n%s", s, text)
		}
	}
	yml := mustRun(t, exitOK, "--data-dir", dir, "alerts", "show", idLayer2, "-o", "yaml").stdout
	if !strings.Contains(yml, "id: "+idLayer2) || !strings.Contains(yml, "mac: "+plantPLC1MAC) {
		t.Errorf("show yaml:\n%s", yml)
	}

	r := mustRun(t, exitNoInput, "--data-dir", dir, "alerts", "show", "a2a2")
	if !strings.Contains(r.stderr, "matches 2 alerts") || r.stdout != "" {
		t.Errorf("ambiguous prefix: stdout %q stderr %q", r.stdout, r.stderr)
	}
	for _, q := range []string{"ffff", "a1a1000000000001x", "zz"} {
		r := mustRun(t, exitNoInput, "--data-dir", dir, "alerts", "show", q)
		if !strings.Contains(r.stderr, "no alert matches") {
			t.Errorf("show %s: stderr %q", q, r.stderr)
		}
	}
	mustRun(t, exitUsage, "--data-dir", dir, "alerts", "show")
	mustRun(t, exitUsage, "--data-dir", dir, "alerts", "show", "a", "b")
	mustRun(t, exitUsage, "--data-dir", dir, "alerts", "show", "a1a1", "-o", "table")
}

// TestAlertAckMute: the state changes are stored, and kept when the same
// alerts come again from a replay (counts add).
func TestAlertAckMute(t *testing.T) {
	dir := plantWithAlerts(t)
	r := mustRun(t, exitOK, "--data-dir", dir, "alerts", "ack", "a1a1")
	if strings.TrimSpace(r.stdout) != "alert "+idProgramming+" acknowledged: PLC programming" {
		t.Errorf("ack output %q", r.stdout)
	}
	mustRun(t, exitOK, "--data-dir", dir, "alerts", "mute", idViolation)
	if got := alertIDs(t, alertsJSON(t, dir, "--state", "acknowledged")); !slices.Equal(got, []string{idProgramming, idWeak}) {
		t.Errorf("acknowledged after ack: %v", got)
	}
	if got := alertIDs(t, alertsJSON(t, dir, "--state", "muted")); !slices.Equal(got, []string{idViolation, idLayer2}) {
		t.Errorf("muted after mute: %v", got)
	}
	// Acknowledging again is harmless; a muted alert can be acknowledged.
	mustRun(t, exitOK, "--data-dir", dir, "alerts", "ack", idProgramming)
	mustRun(t, exitOK, "--data-dir", dir, "alerts", "ack", idLayer2)

	// The same causes again, as a replay would raise them (state "new").
	storeAlerts(t, dir, plantAlerts())
	a := alertsJSON(t, dir, "--severity", "critical")[0]
	if str(t, a, "state") != "acknowledged" || num(t, a, "count") != 6 {
		t.Errorf("after a second merge: state %v count %v, want acknowledged 6", a["state"], a["count"])
	}
	// A replay of a capture keeps the stored alerts.
	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", plantPcap)
	if got := alertIDs(t, alertsJSON(t, dir, "--state", "muted")); !slices.Equal(got, []string{idViolation}) {
		t.Errorf("muted after a replay: %v", got)
	}

	for _, q := range []string{"ffff", "a2a2"} {
		r := mustRun(t, exitNoInput, "--data-dir", dir, "alerts", "mute", q)
		if r.stdout != "" {
			t.Errorf("mute %s wrote %q", q, r.stdout)
		}
	}
	mustRun(t, exitUsage, "--data-dir", dir, "alerts", "ack")

	missing := filepath.Join(t.TempDir(), "missing")
	r = mustRun(t, exitNoInput, "--data-dir", missing, "alerts", "ack", idProgramming)
	if !strings.Contains(r.stderr, "otsensor replay") {
		t.Errorf("ack on a missing data dir: %q", r.stderr)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ack created the data dir (stat: %v)", err)
	}
}

// TestAlertsReadOnly: listing works beside another reader; ack, a writer,
// is refused while the data dir is open elsewhere.
func TestAlertsReadOnly(t *testing.T) {
	dir := plantWithAlerts(t)
	db, err := inventory.OpenDB(dir, true, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := alertIDs(t, alertsJSON(t, dir)); len(got) != 5 {
		t.Errorf("%d alerts beside a reader, want 5", len(got))
	}
	mustRun(t, exitOK, "--data-dir", dir, "alerts", "show", idProgramming)
	r := mustRun(t, exitFailed, "--data-dir", dir, "alerts", "ack", idProgramming)
	if !strings.Contains(r.stderr, "in use") {
		t.Errorf("ack on a data dir open elsewhere: %q", r.stderr)
	}
}

func TestAlertsUsageAndEmpty(t *testing.T) {
	dir := plantWithAlerts(t)
	for _, args := range [][]string{
		{"--severity", "urgent"}, {"--engine", "rules"}, {"--state", "closed"}, {"-o", "csv"}, {"extra"}, {"list", "extra"},
	} {
		r := mustRun(t, exitUsage, append([]string{"--data-dir", dir, "alerts"}, args...)...)
		if r.stdout != "" {
			t.Errorf("alerts %v wrote %q", args, r.stdout)
		}
	}
	r := mustRun(t, exitNoInput, "--data-dir", dir, "alerts", "--device", "not-a-device")
	if !strings.Contains(r.stderr, "no device matches") {
		t.Errorf("--device unknown: %q", r.stderr)
	}

	missing := filepath.Join(t.TempDir(), "missing")
	r = mustRun(t, exitOK, "--data-dir", missing, "alerts", "-o", "json")
	if strings.TrimSpace(r.stdout) != "[]" || !strings.Contains(r.stderr, "otsensor replay") {
		t.Errorf("missing data dir: stdout %q stderr %q", r.stdout, r.stderr)
	}
	r = mustRun(t, exitOK, "--data-dir", missing, "alerts")
	if strings.Join(strings.Fields(r.stdout), " ") != "ID SEVERITY ENGINE TITLE SOURCE DESTINATION COUNT LAST SEEN STATE" {
		t.Errorf("empty table %q", r.stdout)
	}
	mustRun(t, exitNoInput, "--data-dir", missing, "alerts", "show", "a1")
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("alerts created the data dir (stat: %v)", err)
	}
}

// TestReplaySummaryAlerts: the replay summary counts the alerts it
// raised: in a fresh data dir, exactly those `alerts` lists.
func TestReplaySummaryAlerts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	r := mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", "-o", "json", pcapsDir)
	var s map[string]any
	decode(t, r.stdout, &s)
	n := num(t, s, "alerts")
	if listed := len(alertsJSON(t, dir)); int64(listed) != n {
		t.Errorf("summary alerts %d, alerts lists %d", n, listed)
	}
	num(t, s, "packets") // the sensor's summary is still there
	text := mustRun(t, exitOK, "--data-dir", filepath.Join(t.TempDir(), "d"), "replay", plantPcap).stderr
	if !strings.Contains(text, "\n  alerts ") {
		t.Errorf("text summary lacks alerts:\n%s", text)
	}
}

// tlsLivePcap is real TLS traffic (pcaps/README.md): plc1 on 127.0.0.1:443
// also negotiates TLS 1.1 and 1.0, the panel on 127.0.0.4 is self-signed,
// the RTU on 127.0.0.5 has an expired certificate and is contacted twice
// (once by a client that aborts on it); the Go clients are 127.0.0.10.
var tlsLivePcap = filepath.Join(pcapsDir, "tls_live.pcap")

// alertLines returns the event_type "alert" lines of an events file.
func alertLines(t *testing.T, events string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(readFile(t, events)) {
		var ev map[string]any
		decode(t, line, &ev)
		if ev["event_type"] == "alert" {
			out = append(out, ev)
		}
	}
	return out
}

// TestAlertsTLSLive replays a real capture end to end: the TLS alerts are
// stored and listed, written once each to the events, and keep their
// state while a second replay adds to their counts.
func TestAlertsTLSLive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	events := filepath.Join(t.TempDir(), "events.json")
	r := mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", "-o", "json", "--events", events, tlsLivePcap)
	var s map[string]any
	decode(t, r.stdout, &s)
	if n := num(t, s, "alerts"); n != 4 {
		t.Errorf("summary alerts = %d, want 4 (TLS 1.1, TLS 1.0, self-signed, expired)", n)
	}

	as := alertsJSON(t, dir)
	byDest := map[string][]map[string]any{}
	for _, a := range as {
		if !strings.HasPrefix(str(t, a, "rule"), "tls.") || str(t, a, "app_proto") != "tls" || str(t, a, "engine") != "anomaly" {
			t.Errorf("alert %v: want a tls.* rule of the anomaly engine", a)
		}
		if src := obj(t, a, "source"); str(t, src, "ip") != "127.0.0.10" || str(t, src, "device_id") == "" {
			t.Errorf("alert %s source %v, want the Go clients' 127.0.0.10 with its device", a["id"], src)
		}
		d := obj(t, a, "destination")
		if num(t, d, "port") != 443 || str(t, d, "device_id") == "" {
			t.Errorf("alert %s destination %v", a["id"], d)
		}
		byDest[str(t, d, "ip")] = append(byDest[str(t, d, "ip")], a)
	}
	if len(as) != 4 || len(byDest["127.0.0.1"]) != 2 || len(byDest["127.0.0.4"]) != 1 || len(byDest["127.0.0.5"]) != 1 {
		t.Fatalf("alerts by destination %v, want 2 on plc1, 1 on the panel, 1 on the RTU", byDest)
	}
	expired := byDest["127.0.0.5"][0]
	if num(t, expired, "count") != 2 {
		t.Errorf("RTU alert count %v, want 2 (two connections got its certificate)", expired["count"])
	}
	if str(t, byDest["127.0.0.1"][0], "severity") != "medium" {
		t.Errorf("weak version severity %v", byDest["127.0.0.1"][0]["severity"])
	}

	// One alert line per alert, at its first packet, after the event that
	// raised it.
	lines := alertLines(t, events)
	first := map[string]string{}
	for _, a := range as {
		first[str(t, a, "id")] = str(t, a, "first_seen")
	}
	seen := map[string]bool{}
	for _, l := range lines {
		al := obj(t, l, "alert")
		id := str(t, al, "id")
		if seen[id] {
			t.Errorf("alert %s written twice", id)
		}
		seen[id] = true
		fs, ok := first[id]
		if !ok {
			t.Errorf("alert line %s not in alerts -o json", id)
			continue
		}
		want, _ := time.Parse(time.RFC3339Nano, fs)
		got, err := time.Parse(time.RFC3339Nano, str(t, l, "timestamp"))
		if err != nil || !got.Equal(want.Truncate(time.Microsecond)) {
			t.Errorf("alert %s timestamp %v, want first_seen %s", id, l["timestamp"], fs)
		}
		if str(t, l, "app_proto") != "tls" || str(t, l, "src_ip") != "127.0.0.10" || num(t, l, "dest_port") != 443 || num(t, l, "flow_id") == 0 {
			t.Errorf("alert line %v", l)
		}
		if num(t, al, "count") != 1 || str(t, al, "severity") == "" || str(t, al, "title") == "" {
			t.Errorf("alert object %v", al)
		}
	}
	if len(seen) != 4 {
		t.Errorf("%d alert lines, want 4", len(seen))
	}
	prev := ""
	for line := range strings.Lines(readFile(t, events)) {
		var ev map[string]any
		decode(t, line, &ev)
		if ev["event_type"] == "alert" && !strings.Contains(prev, fmt.Sprintf(`"flow_id":%v,`, ev["flow_id"])) {
			t.Errorf("alert line %s does not follow an event of its flow (previous: %s)", line, prev)
		}
		prev = line
	}

	// Triage, then the same capture again.
	expiredID, panelID := str(t, expired, "id"), str(t, byDest["127.0.0.4"][0], "id")
	mustRun(t, exitOK, "--data-dir", dir, "alerts", "ack", expiredID[:8])
	mustRun(t, exitOK, "--data-dir", dir, "alerts", "mute", panelID)
	events2 := filepath.Join(t.TempDir(), "events2.json")
	r = mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", "-o", "json", "--events", events2, tlsLivePcap)
	decode(t, r.stdout, &s)
	if n := num(t, s, "alerts"); n != 4 {
		t.Errorf("second summary alerts = %d, want 4", n)
	}
	if n := len(alertLines(t, events2)); n != 4 {
		t.Errorf("second replay wrote %d alert lines, want 4 (once per alert per replay)", n)
	}
	again := alertsJSON(t, dir)
	if len(again) != 4 {
		t.Fatalf("%d alerts after a second replay, want the same 4", len(again))
	}
	before := map[string]map[string]any{}
	for _, a := range as {
		before[str(t, a, "id")] = a
	}
	wantState := map[string]string{expiredID: "acknowledged", panelID: "muted"}
	for _, a := range again {
		id := str(t, a, "id")
		b := before[id]
		if b == nil {
			t.Errorf("new alert %s after the same capture again", id)
			continue
		}
		if num(t, a, "count") != 2*num(t, b, "count") || a["first_seen"] != b["first_seen"] || a["last_seen"] != b["last_seen"] {
			t.Errorf("alert %s after two replays: count %v first %v last %v; after one: %v %v %v",
				id, a["count"], a["first_seen"], a["last_seen"], b["count"], b["first_seen"], b["last_seen"])
		}
		ws := wantState[id]
		if ws == "" {
			ws = "new"
		}
		if str(t, a, "state") != ws {
			t.Errorf("alert %s state %v, want %s", id, a["state"], ws)
		}
	}
	if got := alertIDs(t, alertsJSON(t, dir, "--state", "new", "--device", "127.0.0.1")); len(got) != 2 {
		t.Errorf("new alerts on plc1: %v, want the two weak versions", got)
	}
}
