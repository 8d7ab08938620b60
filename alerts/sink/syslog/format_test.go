package syslog

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/inventory"
)

// envelope builds a message body following alerts/message's schema.
func envelope(t testing.TB, id, typ string, tm time.Time, payload any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"schema": "otsensor.message", "v": 1, "id": id, "type": typ,
		"sensor_id": "sensor-1", "time": tm.UTC().Format(time.RFC3339Nano), typ: payload,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// trickyAlert has a delimiter of every format in its strings.
func trickyAlert() alerts.Alert {
	return alerts.Alert{
		V: 1, ID: "3f2a9c0d1e4b5a67", Rule: "modbus.write|coil",
		Title:    `Write to coil 5 \ "pump"`,
		Severity: alerts.High, Engine: alerts.EngineOperational, Category: "Unauthorized=write",
		Source:      alerts.Endpoint{IP: netip.MustParseAddr("10.0.0.5"), Port: 50123, MAC: "00:11:22:33:44:55"},
		Destination: alerts.Endpoint{IP: netip.MustParseAddr("10.0.0.10"), Port: 502, MAC: "66:77:88:99:aa:bb"},
		AppProto:    "modbus", FlowID: 9,
		First:    time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		Last:     time.Date(2024, 5, 1, 10, 0, 2, 500_000_000, time.UTC),
		Count:    3,
		Evidence: json.RawMessage(`{"fc": 5, "note": "x=1 | y\\z"}`),
		MITRE:    &alerts.Technique{ID: "T0836", Name: "Modify Parameter"},
		State:    alerts.StateNew,
	}
}

func testSink(format string) *Sink {
	return &Sink{format: format, version: "1.2.3", hdr: newHeader("sensor-host", 4242)}
}

func TestCEFHeaderEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain title", "plain title"},
		{"a|b", `a\|b`},                    // pipe separates header fields
		{`a\b`, `a\\b`},                    // backslash escapes
		{`a\|b`, `a\\\|b`},                 // both, in order
		{"a=b", "a=b"},                     // '=' needs no escape in the header
		{"line1\nline2\r", "line1 line2 "}, // no newline in a header
		{"tab\there", "tab here"},
		{"caf\xc3\xa9", "café"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
	} {
		if got := string(appendCEFHeader(nil, tc.in)); got != tc.want {
			t.Errorf("header %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCEFValueEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain value with spaces", "plain value with spaces"},
		{"a=b", `a\=b`},      // '=' separates key and value
		{`a\b`, `a\\b`},      // backslash escapes
		{`\=`, `\\\=`},       // both
		{"a|b", "a|b"},       // '|' needs no escape in the extension
		{"l1\nl2", `l1\nl2`}, // newline as \n
		{"l1\r\nl2", `l1\r\nl2`},
		{"nul\x00", "nul "},
	} {
		got := string(appendCEFValue(nil, tc.in))
		if got != tc.want {
			t.Errorf("value %q = %q, want %q", tc.in, got, tc.want)
		}
		back, err := unescapeCEFValue(got)
		if err != nil || (back != tc.in && !strings.ContainsRune(tc.in, 0)) {
			t.Errorf("value %q does not read back: %q, %v", tc.in, back, err)
		}
	}
}

// TestCEFAlertLine checks a whole line written by hand from the CEF
// standard: header escapes in the rule and title, extension escapes in
// the category and the evidence, the severity high = 8, rt = last_seen
// in ms since the epoch (2024-05-01T10:00:02.5Z = 1714557602500).
func TestCEFAlertLine(t *testing.T) {
	a := trickyAlert()
	tm := time.Date(2024, 5, 1, 10, 0, 3, 123456789, time.UTC)
	m := sink.Message{Seq: 7, ID: "m-1", Type: sink.TypeAlert, Time: tm, Body: envelope(t, "m-1", "alert", tm, a)}
	b, ok := parseBody(m.Body)
	if !ok {
		t.Fatal("body does not parse")
	}
	got := string(appendCEF(nil, "1.2.3", &m, &b, ok))
	want := `CEF:0|otsensor|otsensor|1.2.3|modbus.write\|coil|Write to coil 5 \\ "pump"|8|` +
		`rt=1714557602500 start=1714557600000 cnt=3 src=10.0.0.5 spt=50123 smac=00:11:22:33:44:55 ` +
		`dst=10.0.0.10 dpt=502 dmac=66:77:88:99:aa:bb app=modbus cat=Unauthorized\=write ` +
		`externalId=3f2a9c0d1e4b5a67 cs1Label=Engine cs1=operational cs2Label=MITRE ATT&CK Technique cs2=T0836 ` +
		`msg={"fc":5,"note":"x\=1 | y\\\\z"} deviceExternalId=sensor-1`
	if got != want {
		t.Errorf("CEF line\n got %s\nwant %s", got, want)
	}
	e, err := parseCEF(got)
	if err != nil {
		t.Fatal(err)
	}
	if e.Header[4] != a.Rule || e.Header[5] != a.Title || e.Ext["cat"] != a.Category ||
		e.Ext["msg"] != `{"fc":5,"note":"x=1 | y\\z"}` {
		t.Errorf("parsed back: %q", e)
	}

	// The same message as RFC 5424 with the CEF line as MSG: local4 (20)
	// and Error (3) give PRI 163; 6 fractional digits at most.
	s := testSink(FormatCEF)
	line := string(s.appendMessage(nil, &m))
	wantHdr := `<163>1 2024-05-01T10:00:03.123456Z sensor-host otsensor 4242 alert ` +
		`[otsensor@32473 id="m-1" seq="7" sensor="sensor-1" alert="3f2a9c0d1e4b5a67" rule="modbus.write|coil" severity="high"] `
	if line != wantHdr+want {
		t.Errorf("syslog line\n got %s\nwant %s", line, wantHdr+want)
	}
}

// TestSeverities checks the mappings: CEF low 3, medium 5, high 8,
// critical 10; syslog (PRI = 160 + severity) critical 2, high 3, medium
// 4, low 5.
func TestSeverities(t *testing.T) {
	tm := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		sev     alerts.Severity
		cef     string
		syslog  int
		wantPRI string
	}{
		{alerts.Low, "3", 5, "<165>"},
		{alerts.Medium, "5", 4, "<164>"},
		{alerts.High, "8", 3, "<163>"},
		{alerts.Critical, "10", 2, "<162>"},
	} {
		a := trickyAlert()
		a.Severity = tc.sev
		m := sink.Message{ID: "x", Type: sink.TypeAlert, Time: tm, Body: envelope(t, "x", "alert", tm, a)}
		line := string(testSink(FormatCEF).appendMessage(nil, &m))
		if !strings.HasPrefix(line, tc.wantPRI) {
			t.Errorf("%v: line starts %.6q, want %s", tc.sev, line, tc.wantPRI)
		}
		p, err := parse5424(line)
		if err != nil {
			t.Fatal(err)
		}
		if p.Facility != 20 || p.Severity != tc.syslog {
			t.Errorf("%v: facility %d severity %d, want 20 %d", tc.sev, p.Facility, p.Severity, tc.syslog)
		}
		e, err := parseCEF(p.Msg)
		if err != nil {
			t.Fatal(err)
		}
		if e.Header[6] != tc.cef {
			t.Errorf("%v: CEF severity %s, want %s", tc.sev, e.Header[6], tc.cef)
		}
	}
}

func TestRFC5424Message(t *testing.T) {
	tm := time.Date(2024, 5, 1, 10, 0, 3, 0, time.FixedZone("CEST", 2*3600))
	a := trickyAlert()
	a.ID = `a"b]c\d` // every character SD-PARAM escapes
	body := envelope(t, "m-2", "alert", tm, a)
	m := sink.Message{Seq: 12, ID: "m-2", Type: sink.TypeAlert, Time: tm, Body: body}
	got := string(testSink(FormatRFC5424).appendMessage(nil, &m))
	want := `<163>1 2024-05-01T08:00:03.000000Z sensor-host otsensor 4242 alert ` +
		`[otsensor@32473 id="m-2" seq="12" sensor="sensor-1" alert="a\"b\]c\\d" rule="modbus.write|coil" severity="high"] ` +
		string(body)
	if got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	p, err := parse5424(got)
	if err != nil {
		t.Fatal(err)
	}
	if p.SD[sdID]["alert"] != a.ID || p.Msg != string(body) || p.MsgID != "alert" || p.AppName != "otsensor" {
		t.Errorf("parsed back: %+v", p)
	}
}

func TestDeviceAndHeartbeat(t *testing.T) {
	tm := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	mac, _ := inventory.ParseMAC("00:1d:9c:01:02:03")
	dev := inventory.Device{
		ID: "dev-1", IPs: []netip.Addr{netip.MustParseAddr("fe80::1"), netip.MustParseAddr("10.0.0.10")},
		MACs: []inventory.MAC{mac}, Vendor: "Rockwell | Allen-Bradley", Roles: []string{"plc", "modbus_server"},
		Protocols: []string{"modbus"}, LastSeen: tm.Add(-time.Minute),
	}
	hb := map[string]any{"sensor_id": "sensor-1", "version": "1.2.3", "uptime_s": 3600.5, "packets": 1000,
		"drops": 2, "devices": 12, "outbox": map[string]any{"depth": 3, "dropped": 1},
		"sinks": []any{map[string]any{"name": "syslog+tcp://x", "sent": 5, "bytes": 500}}}
	for _, tc := range []struct {
		typ     string
		payload any
		sig     string
		sev     string
		pri     int
		ext     map[string]string
	}{
		{"device", dev, sigDevice, "1", 6, map[string]string{
			"rt": "1714557540000", "externalId": "dev-1", "src": "10.0.0.10", "smac": "00:1d:9c:01:02:03",
			"cs3Label": "Vendor", "cs3": "Rockwell | Allen-Bradley", "cs4": "plc,modbus_server", "cs5": "modbus",
			"deviceExternalId": "sensor-1",
		}},
		{"heartbeat", hb, sigHeartbeat, "0", 6, map[string]string{
			"rt": "1714557600000", "cn1": "3600", "cn2": "1000", "cn3": "2", "cn3Label": "Packet Drops",
			"msg": "devices 12, outbox depth 3, outbox dropped 1", "externalId": "m-3", "deviceExternalId": "sensor-1",
		}},
	} {
		m := sink.Message{ID: "m-3", Type: tc.typ, Time: tm, Body: envelope(t, "m-3", tc.typ, tm, tc.payload)}
		p, err := parse5424(string(testSink(FormatCEF).appendMessage(nil, &m)))
		if err != nil {
			t.Fatal(err)
		}
		if p.Severity != tc.pri || p.MsgID != tc.typ {
			t.Errorf("%s: severity %d msgid %s", tc.typ, p.Severity, p.MsgID)
		}
		e, err := parseCEF(p.Msg)
		if err != nil {
			t.Fatalf("%s: %v in %s", tc.typ, err, p.Msg)
		}
		if e.Header[4] != tc.sig || e.Header[6] != tc.sev {
			t.Errorf("%s: signature %s severity %s", tc.typ, e.Header[4], e.Header[6])
		}
		for k, v := range tc.ext {
			if e.Ext[k] != v {
				t.Errorf("%s: %s=%q, want %q", tc.typ, k, e.Ext[k], v)
			}
		}
	}
}

// TestCEFIPv6 puts IPv6 endpoints in c6a2/c6a3 (src and dst are IPv4).
func TestCEFIPv6(t *testing.T) {
	a := trickyAlert()
	a.Source.IP = netip.MustParseAddr("2001:db8::5")
	a.Destination.IP = netip.MustParseAddr("::ffff:10.0.0.10") // mapped: IPv4
	tm := time.Unix(0, 0)
	m := sink.Message{ID: "x", Type: sink.TypeAlert, Body: envelope(t, "x", "alert", tm, a)}
	b, ok := parseBody(m.Body)
	e, err := parseCEF(string(appendCEF(nil, "v", &m, &b, ok)))
	if err != nil {
		t.Fatal(err)
	}
	if _, has := e.Ext["src"]; has || e.Ext["c6a2"] != "2001:db8::5" || e.Ext["c6a2Label"] != "Source IPv6 Address" ||
		e.Ext["dst"] != "10.0.0.10" {
		t.Errorf("ext %v", e.Ext)
	}
}

// TestUnreadableBody: a body that is not an otsensor message still gives
// a valid line, with the Message's own fields.
func TestUnreadableBody(t *testing.T) {
	tm := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, body := range []string{"", "{", `{"type":"alert","alert":{"severity":5}}`, `[1,2]`} {
		m := sink.Message{Seq: 1, ID: "m|=9", Type: sink.TypeAlert, Time: tm, Body: []byte(body)}
		for _, f := range []string{FormatCEF, FormatRFC5424} {
			line := string(testSink(f).appendMessage(nil, &m))
			p, err := parse5424(line)
			if err != nil {
				t.Fatalf("%s %q: %v", f, body, err)
			}
			if p.Severity != sevNotice || p.SD[sdID]["id"] != m.ID {
				t.Errorf("%s %q: %+v", f, body, p)
			}
			if f == FormatRFC5424 {
				if p.Msg != body {
					t.Errorf("MSG %q, want the body %q", p.Msg, body)
				}
				continue
			}
			e, err := parseCEF(p.Msg)
			if err != nil {
				t.Fatal(err)
			}
			if e.Header[4] != "alert" || e.Ext["externalId"] != m.ID || e.Ext["rt"] != "1714557600000" {
				t.Errorf("%q: %+v", body, e)
			}
		}
	}
}

func TestTimestamp(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, "-"},
		{time.Date(2024, 1, 2, 3, 4, 5, 999999999, time.UTC), "2024-01-02T03:04:05.999999Z"},
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", -5*3600)), "2024-01-02T08:04:05.000000Z"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "-"},
	} {
		if got := string(appendTimestamp(nil, tc.t)); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.t, got, tc.want)
		}
	}
}

func TestHeaderField(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"", 32, "-"},
		{"host.example", 255, "host.example"},
		{"my host\n", 255, "my_host_"},
		{"é", 255, "__"},
		{strings.Repeat("a", 40), 32, strings.Repeat("a", 32)},
	} {
		if got := headerField(tc.in, tc.max); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTruncateMsg(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 20, "short"},
		{"0123456789abcdefghijklmnopqrstuvwxyz", 20, "012345...[truncated]"},
		{"01234é6789abcdefghijklmnopqrstuvwxyz", 20, "01234...[truncated]"},  // é is 2 bytes: not split
		{`0123\\6789abcdefghijklmnopqrstuvwxyz`, 20, `0123\\...[truncated]`}, // escaped backslash kept whole
		{`01234\=789abcdefghijklmnopqrstuvwxyz`, 20, `01234...[truncated]`},  // no dangling escape
		{"0123456789abcdefghijklmnopqrstuvwxyz", 5, ""},
	} {
		if got := string(truncateMsg([]byte(tc.in), tc.max)); got != tc.want || len(got) > tc.max {
			t.Errorf("%q/%d: %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
