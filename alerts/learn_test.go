package alerts

import (
	"encoding/json"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// learnCases raise policy alerts of rule: they learn protoPlant and learn,
// lock at t0+1h, then feed in.
var learnCases = []struct {
	name  string
	rule  string
	learn []input
	in    []input
}{
	{"new device as client", "policy.new_device", nil, []input{
		fl(1, "10.0.0.99:41000", "10.0.0.21:502", 2*hr),
	}},
	{"new device as server", "policy.new_device", nil, []input{
		fl(1, "10.0.0.10:41000", "10.0.0.50:502", 2*hr),
	}},
	{"new port between a known pair", "policy.new_link", nil, []input{
		fl(1, "10.0.0.10:41000", "10.0.0.21:5020", 2*hr),
	}},
	{"new ICMP link (no port)", "policy.new_link", nil, []input{
		flT(1, 1, "10.0.0.22:0", "10.0.0.10:0", 2*hr),
	}},
	{"new symmetric UDP link, ends ordered by address", "policy.new_link", nil, []input{
		// same port on both ends and no SYN: the link's client is .10
		flT(1, dissectors.UDP, "10.0.0.22:47808", "10.0.0.10:47808", 2*hr),
	}},
	{"Modbus write code with its range", "policy.modbus_function", []input{
		rec(fPM, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 10)),
	}, []input{
		rec(fPM, at(2*hr), up, mbAt(16, "write_multiple_registers", 1, 100, 4)),
	}},
	{"Modbus FC 23 with both ranges, another unit", "policy.modbus_function", []input{
		rec(fPM, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 10)),
	}, []input{
		rec(fPM, at(2*hr), up, mb23Unit(7, 200, 2, 300, 8)),
	}},
	{"Modbus address range at address 0 of a code learnt elsewhere", "policy.modbus_address", []input{
		rec(fPM, at(1), up, mbAt(1, "read_coils", 1, 100, 8)),
	}, []input{
		rec(fPM, at(2*hr), up, mbAt(1, "read_coils", 1, 0, 1)),
	}},
	{"DNP3 direct operate", "policy.dnp3_function", []input{
		rec(fPD, at(1), up, dnReq(1, "read")),
	}, []input{
		rec(fPD, at(2*hr), up, dnReq(5, "direct_operate")),
	}},
	{"DNP3 from a master that is the TCP server", "policy.dnp3_function", []input{
		rec(fPD, at(1), down, dnReq(1, "read")),
	}, []input{
		rec(fPD, at(2*hr), down, dnTo(2, "write", 11)),
	}},
	{"Modbus identity", "policy.identity_change", []input{
		rec(fPM, at(1), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.10")),
	}, []input{
		rec(fPM, at(2*hr), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.20")),
	}},
	{"DNP3 identity", "policy.identity_change", []input{
		rec(fPD, at(1), down, dnAttrs("RTU-5000", "4.2.1", "B")),
	}, []input{
		rec(fPD, at(2*hr), down, dnAttrs("RTU-5000", "4.3.0", "C")),
	}},
	{"MQTT client id", "policy.mqtt_client_id", nil, []input{
		rec(fPQ2, at(2*hr), up, mqConnect("intruder")),
	}},
	{"MQTT wildcard filters", "policy.mqtt_wildcard", []input{
		rec(fPQ, at(1), up, mqConnect("hmi-1")),
	}, []input{
		rec(fPQ, at(2*hr), up, mqSub("hmi-1", "plant/+", "site/#", "#")),
	}},
	{"TLS client fingerprint", "policy.tls_fingerprint", []input{
		rec(fPT, at(1), up, tlsHello("ja3-a", "t13d_a", "", "")),
	}, []input{
		rec(fPT, at(2*hr), up, tlsHello("ja3-b", "t12d_b", "", "")),
	}},
	{"TLS server certificate", "policy.tls_certificate", []input{
		rec(fPT, at(1), up, tlsHello("ja3-a", "t13d_a", "plc1.plant.local", "fp1")),
	}, []input{
		rec(fPT, at(2*hr), up, tlsHello("ja3-a", "t13d_a", "plc1.plant.local", "fp2")),
	}},
}

// storedCopy is a as the store gives it back: through its JSON.
func storedCopy(t *testing.T, a *Alert) *Alert {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var c Alert
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// TestLearnAlert raises each case's alerts, learns them (read back from
// JSON) into a baseline as it was before they were raised (the engine
// learns every cause it alerts on, so the engine's own baseline would
// prove nothing), then feeds the same input to that baseline: nothing.
func TestLearnAlert(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range learnCases {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := runProtoCase(tc.learn, tc.in, false, Config{})
			raised := policyOnly(e.Alerts())
			if len(raised) == 0 {
				t.Fatal("no policy alert raised")
			}
			for _, a := range raised {
				if a.Rule != tc.rule {
					t.Fatalf("raised %s %q, the case is about %s", a.Rule, a.Title, tc.rule)
				}
			}
			covered[tc.rule] = true

			// Control: the same input on a fresh copy of the baseline
			// raises the alerts again.
			_, b := runProtoCase(tc.learn, nil, false, Config{})
			e2 := NewEngine(Config{Baseline: b})
			feed(e2, tc.in)
			if got := policyOnly(e2.Alerts()); len(got) != len(raised) {
				t.Fatalf("control: %d policy alerts, want %d", len(got), len(raised))
			}

			_, b = runProtoCase(tc.learn, nil, false, Config{})
			for _, a := range raised {
				if err := b.LearnAlert(storedCopy(t, a)); err != nil {
					t.Fatalf("LearnAlert %s %q: %v", a.Rule, a.Title, err)
				}
			}
			e3 := NewEngine(Config{Baseline: b})
			feed(e3, tc.in)
			for _, a := range policyOnly(e3.Alerts()) {
				t.Errorf("after learning: %s %q (%s) raised again", a.Rule, a.Title, a.Evidence)
			}
		})
	}
	for _, d := range Detections {
		if d.Engine == EnginePolicy && !covered[d.Rule] {
			t.Errorf("no learn case for %s", d.Rule)
		}
	}
}

// TestLearnAlertOneFilter: a SUBSCRIBE with two wildcard filters raises
// two alerts; learning one leaves the other.
func TestLearnAlertOneFilter(t *testing.T) {
	learn := []input{rec(fPQ, at(1), up, mqConnect("hmi-1"))}
	in := []input{rec(fPQ, at(2*hr), up, mqSub("hmi-1", "site/#", "#"))}
	e, _ := runProtoCase(learn, in, false, Config{})
	var site *Alert
	for _, a := range policyOnly(e.Alerts()) {
		if strings.Contains(a.Title, `"site/#"`) {
			site = a
		}
	}
	if site == nil {
		t.Fatal(`no alert for "site/#"`)
	}
	_, b := runProtoCase(learn, nil, false, Config{})
	if err := b.LearnAlert(storedCopy(t, site)); err != nil {
		t.Fatal(err)
	}
	e2 := NewEngine(Config{Baseline: b})
	feed(e2, in)
	got := policyOnly(e2.Alerts())
	if len(got) != 1 || !strings.Contains(got[0].Title, `subscription "#"`) {
		for _, a := range got {
			t.Logf("%s %q", a.Rule, a.Title)
		}
		t.Fatalf("after learning site/#: %d alerts, want only the one for #", len(got))
	}
}

// TestLearnAlertNewDeviceWindow: a learnt new device keeps the learning
// window its alert gave it: its new links inside it are silent, after it
// they alert.
func TestLearnAlertNewDeviceWindow(t *testing.T) {
	in := []input{fl(1, "10.0.0.99:41000", "10.0.0.21:502", 2*hr)}
	e, _ := runProtoCase(nil, in, false, Config{})
	raised := policyOnly(e.Alerts())
	if len(raised) != 1 {
		t.Fatalf("%d alerts, want the new device", len(raised))
	}
	_, b := runProtoCase(nil, nil, false, Config{})
	if err := b.LearnAlert(storedCopy(t, raised[0])); err != nil {
		t.Fatal(err)
	}
	h := b.hosts[netip.MustParseAddr("10.0.0.99")]
	if h == nil || !h.LearnUntil.Equal(at(2*hr+7*day)) {
		t.Fatalf("learnt host %+v, want a window until %v", h, at(2*hr+7*day))
	}
	e2 := NewEngine(Config{Baseline: b})
	feed(e2, []input{
		fl(2, "10.0.0.99:41001", "10.0.0.22:502", 3*day), // in its window: learnt
		fl(3, "10.0.0.99:41002", "10.0.0.22:80", 8*day),  // after: a new port
	})
	got := policyOnly(e2.Alerts())
	if len(got) != 1 || got[0].Rule != "policy.new_link" || got[0].Destination.Port != 80 {
		t.Fatalf("got %d alerts, want one new link to port 80", len(got))
	}
}

func TestLearnAlertNotPolicy(t *testing.T) {
	e, _ := runProtoCase(nil, []input{rec(fPQ2, at(2*hr), up, mqConnect("intruder"))}, false, Config{})
	var plain *Alert
	for _, a := range e.Alerts() {
		if a.Rule == "mqtt.plaintext_credentials" {
			plain = a
		}
	}
	if plain == nil {
		t.Fatal("no mqtt.plaintext_credentials alert")
	}
	_, b := runProtoCase(nil, nil, false, Config{})
	before := b.Status()
	for _, a := range []*Alert{
		plain,
		{ID: "c1", Rule: "custom.write_to_plc", Engine: EnginePolicy, Source: plain.Source, Destination: plain.Destination},
	} {
		err := b.LearnAlert(a)
		if !errors.Is(err, ErrNotPolicy) {
			t.Errorf("%s: err %v, want ErrNotPolicy", a.Rule, err)
		} else if !strings.Contains(err.Error(), "ack or mute it instead") || !strings.Contains(err.Error(), a.ID) {
			t.Errorf("%s: message %q", a.Rule, err)
		}
	}
	if after := b.Status(); !reflect.DeepEqual(before, after) {
		t.Error("the baseline changed")
	}
}

// TestLearnAlertBadEvidence: a policy alert whose evidence lacks what its
// rule needs is an error, not a guess, and learns nothing.
func TestLearnAlertBadEvidence(t *testing.T) {
	src := Endpoint{IP: netip.MustParseAddr("10.0.0.10")}
	dst := Endpoint{IP: netip.MustParseAddr("10.0.0.21"), Port: 502}
	cases := []*Alert{
		{ID: "a1", Rule: "policy.new_link", Source: src, Destination: dst},
		{ID: "a2", Rule: "policy.new_link", Source: src, Destination: dst, Evidence: json.RawMessage(`{"flow":{"transport":"SCTP?"}}`)},
		{ID: "a3", Rule: "policy.modbus_function", Source: src, Destination: dst, Evidence: json.RawMessage(`{"direction":"to_server"}`)},
		{ID: "a4", Rule: "policy.modbus_address", Source: src, Destination: dst, Evidence: json.RawMessage(`{"modbus":{"unit_id":1,"function_code":3}}`)},
		{ID: "a5", Rule: "policy.dnp3_function", Source: src, Destination: dst, Evidence: json.RawMessage(`{"dnp3":{"dst":10}}`)},
		{ID: "a6", Rule: "policy.mqtt_wildcard", Source: src, Destination: dst, Evidence: json.RawMessage(`{"mqtt":{"client_id":"x"}}`)},
		{ID: "a7", Rule: "policy.tls_certificate", Source: src, Destination: dst, Evidence: json.RawMessage(`{}`)},
		{ID: "a8", Rule: "policy.new_device", Source: Endpoint{IP: netip.MustParseAddr("224.0.0.251")}},
		{ID: "a9", Rule: "policy.new_link", Source: src, Destination: dst, Evidence: json.RawMessage(`not json`)},
	}
	b := NewBaseline(BaselineConfig{})
	for _, a := range cases {
		if err := b.LearnAlert(a); err == nil || errors.Is(err, ErrNotPolicy) {
			t.Errorf("%s %s: err %v, want an evidence error", a.ID, a.Rule, err)
		}
	}
	if st := b.Status(); st.HostCount+st.LinkCount+st.Protocols.ModbusLinks+st.Protocols.DNP3Links+st.Protocols.MQTTClients+st.Protocols.TLSItems != 0 {
		t.Errorf("bad evidence learnt something: %+v", st)
	}
	if err := b.LearnAlert(nil); err == nil {
		t.Error("nil alert: no error")
	}
}

// TestLearnAlertFull: a baseline at its cap says so instead of claiming
// the cause learnt.
func TestLearnAlertFull(t *testing.T) {
	b := NewBaseline(BaselineConfig{MaxHosts: 1})
	b.learnHost(netip.MustParseAddr("10.0.0.1"), t0)
	a := &Alert{ID: "f1", Rule: "policy.new_device", Source: Endpoint{IP: netip.MustParseAddr("10.0.0.2")}, First: t0}
	if err := b.LearnAlert(a); err == nil || !strings.Contains(err.Error(), "maximum") {
		t.Errorf("err %v, want the baseline full", err)
	}
}

// mb23Unit is mb23 to unit.
func mb23Unit(unit uint8, wa, wq, ra, rq uint16) *modbus.Record {
	r := mb23(wa, wq, ra, rq)
	r.UnitID = unit
	return r
}
