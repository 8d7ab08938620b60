package eve_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/eve"
	"github.com/otsensor/otsensor/sensor/flow"
)

var _ flow.Observer = (*eve.Writer)(nil)

// testRecord is a tiny dissectors.Record.
type testRecord struct {
	FunctionCode uint8  `json:"function_code"`
	UnitID       uint8  `json:"unit_id"`
	Note         string `json:"note,omitempty"`
}

func (*testRecord) AppProto() string { return "testproto" }

// badRecord can't be marshalled.
type badRecord struct{}

func (badRecord) AppProto() string             { return "bad" }
func (badRecord) MarshalJSON() ([]byte, error) { return nil, errors.New("no JSON for you") }

// t0 is 2024-05-01 12:00:00.123456789 UTC.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)

func modbusFlow() *dissectors.Flow {
	return &dissectors.Flow{
		ID:        12345,
		Transport: dissectors.TCP,
		Client:    netip.MustParseAddrPort("10.0.0.10:50000"),
		Server:    netip.MustParseAddrPort("10.0.0.21:502"),
		AppProto:  "modbus",
		Start:     t0,
	}
}

func appendLine(t *testing.T, ev *dissectors.Event) string {
	t.Helper()
	b, err := eve.Append(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	return string(b)
}

// TestAppendExact checks whole lines, written from the schema by hand.
func TestAppendExact(t *testing.T) {
	f6 := &dissectors.Flow{
		ID:        1<<53 - 1,
		Transport: dissectors.UDP,
		Client:    netip.MustParseAddrPort("[2001:db8::1]:50001"),
		Server:    netip.MustParseAddrPort("[fe80::2]:20000"),
		VLAN:      [2]uint16{200, 100},
		NVLAN:     2,
	}
	f1 := modbusFlow()
	f1.VLAN, f1.NVLAN = [2]uint16{100, 0}, 1
	tests := []struct {
		name string
		ev   dissectors.Event
		want string
	}{
		{"record", dissectors.Event{Time: t0, Dir: dissectors.ToServer, Flow: modbusFlow(),
			Record: &testRecord{FunctionCode: 3, UnitID: 1}},
			`{"timestamp":"2024-05-01T12:00:00.123456Z","flow_id":12345,"event_type":"testproto",` +
				`"src_ip":"10.0.0.10","src_port":50000,"dest_ip":"10.0.0.21","dest_port":502,"proto":"TCP",` +
				`"app_proto":"modbus","direction":"to_server","testproto":{"function_code":3,"unit_id":1}}`},
		{"one vlan, to client", dissectors.Event{Time: t0, Dir: dissectors.ToClient, Flow: f1,
			Record: &testRecord{FunctionCode: 131, UnitID: 255, Note: `a "quoted" note`}},
			`{"timestamp":"2024-05-01T12:00:00.123456Z","flow_id":12345,"event_type":"testproto",` +
				`"src_ip":"10.0.0.10","src_port":50000,"dest_ip":"10.0.0.21","dest_port":502,"proto":"TCP",` +
				`"app_proto":"modbus","vlan":[100],"direction":"to_client",` +
				`"testproto":{"function_code":131,"unit_id":255,"note":"a \"quoted\" note"}}`},
		{"ipv6, QinQ, no app_proto", dissectors.Event{Time: t0, Flow: f6, Record: &testRecord{}},
			`{"timestamp":"2024-05-01T12:00:00.123456Z","flow_id":9007199254740991,"event_type":"testproto",` +
				`"src_ip":"2001:db8::1","src_port":50001,"dest_ip":"fe80::2","dest_port":20000,"proto":"UDP",` +
				`"vlan":[200,100],"direction":"to_server","testproto":{"function_code":0,"unit_id":0}}`},
		{"anomaly", dissectors.Event{Time: t0, Dir: dissectors.ToClient, Flow: modbusFlow(),
			Anomaly: &dissectors.Anomaly{AppProto: "modbus", Name: "modbus.invalid_length", Detail: "length 1"}},
			`{"timestamp":"2024-05-01T12:00:00.123456Z","flow_id":12345,"event_type":"anomaly",` +
				`"src_ip":"10.0.0.10","src_port":50000,"dest_ip":"10.0.0.21","dest_port":502,"proto":"TCP",` +
				`"app_proto":"modbus","direction":"to_client",` +
				`"anomaly":{"app_proto":"modbus","event":"modbus.invalid_length","type":"applayer","detail":"length 1"}}`},
		{"anomaly without flow or detail", dissectors.Event{Time: t0,
			Anomaly: &dissectors.Anomaly{AppProto: "stream", Name: "stream.gap"}},
			`{"timestamp":"2024-05-01T12:00:00.123456Z","event_type":"anomaly","direction":"to_server",` +
				`"anomaly":{"app_proto":"stream","event":"stream.gap","type":"stream"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := appendLine(t, &tc.ev); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestAppendKeepsPrefix: Append appends.
func TestAppendKeepsPrefix(t *testing.T) {
	ev := &dissectors.Event{Time: t0, Flow: modbusFlow(), Record: &testRecord{}}
	b, err := eve.Append([]byte("prefix\n"), ev)
	if err != nil {
		t.Fatal(err)
	}
	line, ok := strings.CutPrefix(string(b), "prefix\n")
	if !ok || !json.Valid([]byte(line)) {
		t.Errorf("%q", b)
	}
}

func TestAnomalyType(t *testing.T) {
	for _, tc := range []struct{ name, typ string }{
		{"stream.gap", "stream"},
		{"stream.buffer_overflow", "stream"},
		{"modbus.invalid_length", "applayer"},
		{"modbus.too_many_transactions", "applayer"},
		{"app.parser_panic", "app"},
		{"streaming.x", "applayer"}, // the layer is the whole prefix
		{"stream", "applayer"},      // no prefix at all
		{"", "applayer"},
	} {
		line := appendLine(t, &dissectors.Event{Time: t0, Anomaly: &dissectors.Anomaly{AppProto: "x", Name: tc.name}})
		var ev struct {
			EventType string `json:"event_type"`
			Anomaly   struct {
				Event string `json:"event"`
				Type  string `json:"type"`
			} `json:"anomaly"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.EventType != "anomaly" || ev.Anomaly.Event != tc.name || ev.Anomaly.Type != tc.typ {
			t.Errorf("%q: %s, want type %q", tc.name, line, tc.typ)
		}
	}
}

var timestampRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$`)

func TestTimestamp(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	ist := time.FixedZone("IST", 5*3600+1800)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{t0, "2024-05-01T12:00:00.123456Z"},
		// 23:30 at UTC-5 is 04:30 the next day in UTC.
		{time.Date(2024, 3, 5, 23, 30, 1, 987654321, est), "2024-03-06T04:30:01.987654Z"},
		// 01:00 at UTC+5:30 is 19:30 the day before, across a year.
		{time.Date(2024, 1, 1, 1, 0, 0, 5000, ist), "2023-12-31T19:30:00.000005Z"},
		{time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), "2024-05-01T12:00:00.000000Z"},
		// Microseconds are truncated, as pcap timestamps are.
		{time.Date(2024, 5, 1, 12, 0, 0, 999999999, time.UTC), "2024-05-01T12:00:00.999999Z"},
		{time.Unix(0, 0).In(est), "1970-01-01T00:00:00.000000Z"},
		{time.Unix(1700000000, 1000).In(time.Local), "2023-11-14T22:13:20.000001Z"},
	} {
		line := appendLine(t, &dissectors.Event{Time: tc.t, Record: &testRecord{}})
		var ev struct {
			Timestamp string `json:"timestamp"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Timestamp != tc.want || !timestampRE.MatchString(ev.Timestamp) {
			t.Errorf("%v: timestamp %q, want %q", tc.t, ev.Timestamp, tc.want)
		}
		parsed, err := time.Parse(time.RFC3339Nano, ev.Timestamp)
		if err != nil || !parsed.Equal(tc.t.Truncate(time.Microsecond)) {
			t.Errorf("%q parses as %v (%v), want %v", ev.Timestamp, parsed, err, tc.t)
		}
	}
}

// eveKeys are Suricata EVE's top-level names this writer may use, besides
// the record's key.
var eveKeys = []string{"timestamp", "flow_id", "event_type", "src_ip", "src_port", "dest_ip", "dest_port", "proto", "app_proto", "vlan", "direction"}

// TestTopLevelKeys checks the exact set of top-level names, and their JSON
// types, for every shape of event.
func TestTopLevelKeys(t *testing.T) {
	noApp := modbusFlow()
	noApp.AppProto = ""
	tagged := modbusFlow()
	tagged.VLAN, tagged.NVLAN = [2]uint16{4094, 1}, 2
	flowKeys := []string{"timestamp", "flow_id", "event_type", "src_ip", "src_port", "dest_ip", "dest_port", "proto", "app_proto", "direction"}
	for _, tc := range []struct {
		name string
		ev   dissectors.Event
		keys []string
	}{
		{"record", dissectors.Event{Flow: modbusFlow(), Record: &testRecord{}}, append(flowKeys, "testproto")},
		{"anomaly", dissectors.Event{Flow: modbusFlow(), Anomaly: &dissectors.Anomaly{Name: "stream.gap"}}, append(flowKeys, "anomaly")},
		{"no app_proto", dissectors.Event{Flow: noApp, Record: &testRecord{}},
			[]string{"timestamp", "flow_id", "event_type", "src_ip", "src_port", "dest_ip", "dest_port", "proto", "direction", "testproto"}},
		{"vlan", dissectors.Event{Flow: tagged, Record: &testRecord{}}, append(flowKeys, "vlan", "testproto")},
		{"no flow", dissectors.Event{Record: &testRecord{}}, []string{"timestamp", "event_type", "direction", "testproto"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := appendLine(t, &tc.ev)
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatal(err)
			}
			got := slices.Sorted(maps.Keys(m))
			want := slices.Clone(tc.keys)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("keys %v, want %v", got, want)
			}
			for k, v := range m {
				if !slices.Contains(eveKeys, k) && k != "anomaly" && k != "testproto" {
					t.Errorf("key %q is not EVE's", k)
				}
				var ok bool
				switch k {
				case "flow_id", "src_port", "dest_port":
					_, ok = v.(float64)
				case "vlan":
					a, isArr := v.([]any)
					ok = isArr && len(a) > 0
					for _, x := range a {
						_, isNum := x.(float64)
						ok = ok && isNum
					}
				case "anomaly", "testproto":
					_, ok = v.(map[string]any)
				default:
					_, ok = v.(string)
				}
				if !ok {
					t.Errorf("%s = %#v: wrong JSON type", k, v)
				}
			}
			// The key of the record or anomaly is the event type.
			if et := m["event_type"].(string); m[et] == nil {
				t.Errorf("event_type %q has no object", et)
			}
		})
	}
}

// TestAppendValidJSON: whatever text a record or anomaly detail carries,
// the line is one valid JSON object.
func TestAppendValidJSON(t *testing.T) {
	texts := []string{"", `"`, `\`, "line\nbreak", "tab\t", "\x00\x01\x1f", "\xff\xfe not UTF-8", "é ünïcødé ✓", "</script>", "\u2028\u2029"}
	for _, s := range texts {
		for _, ev := range []*dissectors.Event{
			{Time: t0, Flow: modbusFlow(), Record: &testRecord{Note: s}},
			{Time: t0, Flow: modbusFlow(), Anomaly: &dissectors.Anomaly{AppProto: "modbus", Name: "modbus.x", Detail: s}},
		} {
			line := appendLine(t, ev)
			if strings.ContainsAny(line, "\n\r") {
				t.Errorf("%q: line break inside the line: %q", s, line)
			}
		}
	}
}

func TestWriterLines(t *testing.T) {
	var buf bytes.Buffer
	w := eve.NewWriter(&buf)
	evs := []*dissectors.Event{
		{Time: t0, Flow: modbusFlow(), Record: &testRecord{FunctionCode: 3}},
		{Time: t0.Add(time.Second), Dir: dissectors.ToClient, Flow: modbusFlow(), Record: &testRecord{FunctionCode: 3}},
		{Time: t0.Add(2 * time.Second), Flow: modbusFlow(), Anomaly: &dissectors.Anomaly{AppProto: "stream", Name: "stream.gap"}},
	}
	for _, ev := range evs {
		w.Event(ev)
	}
	w.Flow(&flow.Update{Flow: modbusFlow()})
	w.Neighbor(&flow.Neighbor{Time: t0})
	if buf.Len() != 0 {
		t.Errorf("%d bytes written before Flush", buf.Len())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("output does not end a line: %q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(evs) {
		t.Fatalf("%d lines, want %d: %q", len(lines), len(evs), out)
	}
	for i, l := range lines {
		want, err := eve.Append(nil, evs[i])
		if err != nil {
			t.Fatal(err)
		}
		if l != string(want) || !json.Valid([]byte(l)) {
			t.Errorf("line %d: %s, want %s", i, l, want)
		}
	}
}

// failingWriter fails its first fails calls, then works.
type failingWriter struct {
	fails int
	calls int
	out   bytes.Buffer
}

var errDisk = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	f.calls++
	if f.calls <= f.fails {
		return 0, errDisk
	}
	return f.out.Write(p)
}

func TestWriterErrorOnFlush(t *testing.T) {
	fw := &failingWriter{fails: 1}
	w := eve.NewWriter(fw)
	w.Write(&dissectors.Event{Time: t0, Flow: modbusFlow(), Record: &testRecord{}})
	if err := w.Flush(); !errors.Is(err, errDisk) {
		t.Fatalf("Flush: %v, want %v", err, errDisk)
	}
	// The underlying writer works again, but later events are dropped and
	// the error stays.
	w.Write(&dissectors.Event{Time: t0, Flow: modbusFlow(), Record: &testRecord{}})
	if err := w.Flush(); !errors.Is(err, errDisk) {
		t.Errorf("second Flush: %v, want %v", err, errDisk)
	}
	if fw.out.Len() != 0 {
		t.Errorf("written after the error: %q", fw.out.String())
	}
}

// TestWriterErrorMidStream: the error comes while the buffer is being
// written out during Write, not at Flush.
func TestWriterErrorMidStream(t *testing.T) {
	fw := &failingWriter{fails: 1}
	w := eve.NewWriter(fw)
	ev := &dissectors.Event{Time: t0, Flow: modbusFlow(), Record: &testRecord{Note: strings.Repeat("x", 1000)}}
	for range 200 { // about 200 KB: more than the buffer
		w.Write(ev)
	}
	if fw.calls != 1 {
		t.Errorf("underlying writer called %d times, want once (then nothing)", fw.calls)
	}
	if err := w.Flush(); !errors.Is(err, errDisk) {
		t.Errorf("Flush: %v, want %v", err, errDisk)
	}
	if fw.out.Len() != 0 {
		t.Errorf("%d bytes written after the error", fw.out.Len())
	}
}

// TestWriterMarshalError: a record that can't be marshalled stops the
// writer like a write error; the lines before it are kept.
// A record that cannot be encoded costs that event only: it is counted
// and skipped, and the events around it are written whole.
func TestWriterMarshalError(t *testing.T) {
	var buf bytes.Buffer
	w := eve.NewWriter(&buf)
	good := &dissectors.Event{Time: t0, Flow: modbusFlow(), Record: &testRecord{}}
	w.Write(good)
	w.Write(&dissectors.Event{Time: t0, Flow: modbusFlow(), Record: badRecord{}})
	w.Write(good)
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if w.Skipped != 1 {
		t.Errorf("skipped %d, want 1", w.Skipped)
	}
	if _, err := eve.Append(nil, &dissectors.Event{Record: badRecord{}}); err == nil || !strings.Contains(err.Error(), "no JSON for you") {
		t.Errorf("Append: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want the 2 good events: %q", len(lines), buf.String())
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) || strings.Contains(l, `"bad"`) {
			t.Errorf("line %q", l)
		}
	}
}

func TestProtoNames(t *testing.T) {
	for _, tc := range []struct {
		tr   dissectors.Transport
		want string
	}{{dissectors.TCP, "TCP"}, {dissectors.UDP, "UDP"}, {1, "ICMP"}, {58, "IPv6-ICMP"}, {47, "IP-47"}} {
		f := modbusFlow()
		f.Transport = tc.tr
		line := appendLine(t, &dissectors.Event{Time: t0, Flow: f, Record: &testRecord{}})
		if !strings.Contains(line, `,"proto":"`+tc.want+`",`) {
			t.Errorf("%d: %s", tc.tr, line)
		}
	}
}
