package message

import (
	"encoding/json"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/inventory"
)

func testAlert() *alerts.Alert {
	t0 := time.Date(2026, 11, 26, 4, 45, 24, 500, time.FixedZone("CET", 3600))
	return &alerts.Alert{V: 1, ID: "0123456789abcdef", Rule: "modbus.programming", Title: "PLC programming",
		Severity: alerts.High, Engine: alerts.EngineOperational, Category: "programming",
		Source:      alerts.Endpoint{IP: netip.MustParseAddr("10.0.0.5")},
		Destination: alerts.Endpoint{IP: netip.MustParseAddr("10.0.0.9"), Port: 502},
		First:       t0, Last: t0.Add(time.Minute), Count: 3, State: alerts.StateNew}
}

func TestAlertRoundTrip(t *testing.T) {
	m, err := Alert("plant-a", testAlert())
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "0123456789abcdef" || m.Type != sink.TypeAlert || m.Time.Location() != time.UTC {
		t.Errorf("message %q %q %v", m.ID, m.Type, m.Time)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(m.Body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "v", "id", "type", "sensor_id", "time", "alert"} {
		if raw[k] == nil {
			t.Errorf("body has no %q: %s", k, m.Body)
		}
	}
	if string(raw["time"]) != `"2026-11-26T03:45:24.0000005Z"` {
		t.Errorf("time %s, want UTC", raw["time"])
	}
	d, err := Decode(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	if d.Alert == nil || d.Alert.Rule != "modbus.programming" || d.Alert.Severity != alerts.High || d.SensorID != "plant-a" {
		t.Errorf("decoded %+v", d)
	}
	if _, err := Decode([]byte(`{"schema":"other","v":1}`)); err == nil {
		t.Error("Decode accepted another schema")
	}
}

func TestDeviceFingerprint(t *testing.T) {
	d := &inventory.Device{ID: "d1", IPs: []netip.Addr{netip.MustParseAddr("10.0.0.9")}, Roles: []string{"modbus_server"},
		FirstSeen: time.Unix(100, 0), LastSeen: time.Unix(200, 0)}
	fp := DeviceFingerprint(d)
	later := *d
	later.LastSeen, later.Counters.PacketsSent = time.Unix(900, 0), 1000
	if DeviceFingerprint(&later) != fp {
		t.Error("times and counters changed the fingerprint")
	}
	changed := *d
	changed.Roles = []string{"modbus_server", "dnp3_outstation"}
	if DeviceFingerprint(&changed) == fp {
		t.Error("a new role did not change the fingerprint")
	}
	m1, _ := Device("s", d, fp)
	m2, _ := Device("s", &later, DeviceFingerprint(&later))
	if m1.ID != m2.ID || m1.Type != sink.TypeDevice {
		t.Errorf("same device state, ids %q %q", m1.ID, m2.ID)
	}
}

func TestDefenderEnvelope(t *testing.T) {
	m, _ := Alert("plant-a", testAlert())
	enc := Defender("plant-a", "1.2.3")
	b := enc(m)
	var env struct {
		AgentVersion, AgentId, MessageSchemaVersion string
		Events                                      []struct {
			EventType, Category, Name, PayloadSchemaVersion, Id, TimestampLocal, TimestampUTC string
			IsEmpty                                                                           bool
			Payload                                                                           []json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	guidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if env.AgentVersion != "1.2.3" || env.MessageSchemaVersion != "1.0" || !guidRE.MatchString(env.AgentId) || len(env.Events) != 1 {
		t.Fatalf("envelope %s", b)
	}
	ev := env.Events[0]
	if ev.EventType != "Security" || ev.Category != "Triggered" || ev.IsEmpty || !guidRE.MatchString(ev.Id) ||
		ev.TimestampUTC != "2026-11-26T03:45:24Z" || len(ev.Payload) != 1 {
		t.Errorf("event %+v", ev)
	}
	if d, err := Decode(ev.Payload[0]); err != nil || d.ID != m.ID {
		t.Errorf("payload %s: %v", ev.Payload[0], err)
	}
	if string(enc(m)) != string(b) {
		t.Error("the same message gave another envelope")
	}
	hb, _ := HeartbeatMessage(&Heartbeat{SensorID: "plant-a", Time: time.Unix(0, 0)})
	var henv struct {
		Events []struct{ EventType, Category string }
	}
	json.Unmarshal(enc(hb), &henv)
	if henv.Events[0].EventType != "Operational" || henv.Events[0].Category != "Periodic" {
		t.Errorf("heartbeat event %+v", henv.Events[0])
	}
}

func FuzzDecode(f *testing.F) {
	m, _ := Alert("plant-a", testAlert())
	f.Add(m.Body)
	hb, _ := HeartbeatMessage(&Heartbeat{SensorID: "s", Time: time.Unix(1, 0)})
	f.Add(hb.Body)
	f.Add([]byte(`{"schema":"otsensor.message","v":1,"alert":{"severity":"urgent"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Decode(body)
		if err != nil {
			return
		}
		if d.Schema != Schema || d.V < 1 {
			t.Errorf("accepted %q v%d", d.Schema, d.V)
		}
		if _, err := encode(*d); err != nil && d.Alert == nil && d.Device == nil && d.Heartbeat == nil {
			t.Errorf("a decoded document does not encode: %v", err)
		}
	})
}
