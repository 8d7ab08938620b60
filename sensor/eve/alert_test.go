package eve_test

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/eve"
)

// TestAppendAlertExact checks whole alert lines, written from the schema
// (eve.Alert's doc) by hand.
func TestAppendAlertExact(t *testing.T) {
	tests := []struct {
		name string
		a    eve.Alert
		want string
	}{
		{"tls weak version, all fields", eve.Alert{
			Time: t0, FlowID: 12345,
			Src:   netip.MustParseAddrPort("10.0.0.10:50000"),
			Dest:  netip.MustParseAddrPort("10.0.0.21:443"),
			Proto: "TCP", AppProto: "tls",
			Alert: eve.AlertInfo{ID: "0123456789abcdef", Rule: "tls.weak_version", Title: `TLS 1.0 "negotiated"`,
				Severity: "medium", Engine: "anomaly", Category: "weak security",
				MITRE: &eve.Technique{ID: "T0830", Name: "Adversary-in-the-Middle"}, Count: 1},
		},
			`{"timestamp":"2024-05-01T12:00:00.123456Z","flow_id":12345,"event_type":"alert",` +
				`"src_ip":"10.0.0.10","src_port":50000,"dest_ip":"10.0.0.21","dest_port":443,"proto":"TCP","app_proto":"tls",` +
				`"alert":{"id":"0123456789abcdef","rule":"tls.weak_version","title":"TLS 1.0 \"negotiated\"",` +
				`"severity":"medium","engine":"anomaly","category":"weak security",` +
				`"mitre":{"id":"T0830","name":"Adversary-in-the-Middle"},"count":1}}`},
		// A port scan: a source and a destination host, no port, no flow,
		// no protocol, no technique.
		{"scan without ports or flow", eve.Alert{
			Time: t0,
			Src:  netip.AddrPortFrom(netip.MustParseAddr("2001:db8::1"), 0),
			Dest: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.21"), 0),
			Alert: eve.AlertInfo{ID: "fedcba9876543210", Rule: "scan.port", Title: "Port scan",
				Severity: "high", Engine: "anomaly", Count: 25},
		},
			`{"timestamp":"2024-05-01T12:00:00.123456Z","event_type":"alert","src_ip":"2001:db8::1","dest_ip":"10.0.0.21",` +
				`"alert":{"id":"fedcba9876543210","rule":"scan.port","title":"Port scan","severity":"high","engine":"anomaly","count":25}}`},
		{"no destination", eve.Alert{
			Time: t0, Src: netip.MustParseAddrPort("10.0.0.10:1"),
			Alert: eve.AlertInfo{ID: "x", Rule: "r", Title: "t", Severity: "low", Engine: "operational", Count: 2},
		},
			`{"timestamp":"2024-05-01T12:00:00.123456Z","event_type":"alert","src_ip":"10.0.0.10","src_port":1,` +
				`"alert":{"id":"x","rule":"r","title":"t","severity":"low","engine":"operational","count":2}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := eve.AppendAlert(nil, &tc.a)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(b) {
				t.Fatalf("invalid JSON: %s", b)
			}
			if string(b) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b, tc.want)
			}
		})
	}
}

// TestWriteAlertBetweenEvents: alert lines and event lines share one
// stream, one JSON object per line, with only EVE's top-level names.
func TestWriteAlertBetweenEvents(t *testing.T) {
	var out bytes.Buffer
	w := eve.NewWriter(&out)
	w.Write(&dissectors.Event{Time: t0, Flow: modbusFlow(), Record: &testRecord{FunctionCode: 90}})
	w.WriteAlert(&eve.Alert{Time: t0, FlowID: 12345, Src: netip.MustParseAddrPort("10.0.0.10:50000"),
		Dest: netip.MustParseAddrPort("10.0.0.21:502"), Proto: "TCP", AppProto: "modbus",
		Alert: eve.AlertInfo{ID: "a", Rule: "modbus.programming", Title: "PLC programming", Severity: "high", Engine: "operational", Count: 1}})
	w.Write(&dissectors.Event{Time: t0, Flow: modbusFlow(), Record: &testRecord{FunctionCode: 3}})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out.String())
	}
	allowed := map[string]bool{"alert": true, "testproto": true}
	for _, k := range eveKeys {
		allowed[k] = true
	}
	for i, want := range []string{"testproto", "alert", "testproto"} {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if m["event_type"] != want {
			t.Errorf("line %d event_type %v, want %s", i, m["event_type"], want)
		}
		for k := range m {
			if !allowed[k] {
				t.Errorf("line %d: top-level %q is not an EVE name", i, k)
			}
		}
	}
	if w.Skipped != 0 {
		t.Errorf("Skipped = %d", w.Skipped)
	}
}
