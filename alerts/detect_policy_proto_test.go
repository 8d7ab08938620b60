package alerts

import (
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// Flows of the protocol policy cases, between the plant's hosts (HMI .10,
// PLCs .21 and .22) and a broker (.5) and a TLS server (.6) that
// protoPlant adds.
var (
	fPM  = newFlow(11, "modbus", "10.0.0.10:41001", "10.0.0.21:502")
	fPM2 = newFlow(12, "modbus", "10.0.0.22:41002", "10.0.0.21:502")
	fPD  = newFlow(13, "dnp3", "10.0.0.10:41003", "10.0.0.21:20000")
	fPD2 = newFlow(14, "dnp3", "10.0.0.22:41004", "10.0.0.21:20000")
	fPQ  = newFlow(15, "mqtt", "10.0.0.10:41005", "10.0.0.5:1883")
	fPQ2 = newFlow(16, "mqtt", "10.0.0.22:41006", "10.0.0.5:1883")
	fPT  = newFlow(17, "tls", "10.0.0.10:41007", "10.0.0.6:443")
	fPT2 = newFlow(18, "tls", "10.0.0.22:41008", "10.0.0.6:443")
	fPT3 = newFlow(19, "tls", "10.0.0.10:41009", "10.0.0.21:443")
	fNew = newFlow(20, "modbus", "10.0.0.99:41010", "10.0.0.21:502") // .99 is not in the plant
	fNw2 = newFlow(21, "modbus", "10.0.0.77:41011", "10.0.0.21:502") // nor .77
)

// protoPlant is policyPlant with the broker and the TLS server.
var protoPlant = concat(policyPlant, []input{newFlowUpdate(fPQ, t0, 3), newFlowUpdate(fPT, t0, 3)})

// mbAt is a Modbus request naming address (and quantity when qty > 0).
func mbAt(fc uint8, name string, unit uint8, addr, qty uint16) *modbus.Record {
	r := &modbus.Record{TransactionID: 1, UnitID: unit, FunctionCode: fc, Function: name, Present: modbus.FieldAddress, Address: addr}
	if qty > 0 {
		r.Present |= modbus.FieldQuantity
		r.Quantity = qty
	}
	return r
}

// mb23 is a FC 23 request: write wa/wq, read ra/rq.
func mb23(wa, wq, ra, rq uint16) *modbus.Record {
	r := mbAt(23, "read_write_multiple_registers", 1, wa, wq)
	r.Present |= modbus.FieldReadAddress
	r.ReadAddress, r.ReadQuantity = ra, rq
	return r
}

// mbIdent is a 43/14 response with the three basic objects.
func mbIdent(vendor, product, revision string) *modbus.Record {
	return &modbus.Record{UnitID: 1, FunctionCode: 43, Function: "encapsulated_interface_transport", Response: true,
		Present: modbus.FieldMEIType, MEIType: 14, DeviceID: &modbus.DeviceIdentification{VendorName: vendor, ProductCode: product, Revision: revision}}
}

// dnTo is a DNP3 request from master 1 to the outstation at link address dst.
func dnTo(fc uint8, name string, dst uint16) *dnp3.Record {
	r := dnReq(fc, name)
	r.Dst = dst
	return r
}

// dnAttrs is a response from outstation 10 with group 0 attributes.
func dnAttrs(model, sw, hw string) *dnp3.Record {
	r := dnResp(0)
	r.Device = &dnp3.DeviceAttributes{Vendor: "Acme Controls", Model: model, SoftwareVersion: sw, HardwareVersion: hw}
	return r
}

func mqConnect(id string) *mqtt.Record {
	return &mqtt.Record{Type: mqtt.Connect, ProtocolVersion: 4, ClientID: id, ProtocolName: "MQTT", UsernamePresent: true, PasswordPresent: true, PlaintextCredentials: true}
}

func mqSub(id string, filters ...string) *mqtt.Record {
	r := &mqtt.Record{Type: mqtt.Subscribe, ProtocolVersion: 4, ClientID: id, PacketID: 1, HasPacketID: true}
	for _, f := range filters {
		r.Topics = append(r.Topics, mqtt.TopicFilter{Filter: f})
	}
	return r
}

func mqPub(id, topic string) *mqtt.Record {
	return &mqtt.Record{Type: mqtt.Publish, ProtocolVersion: 4, ClientID: id, Topic: topic}
}

// tlsHello is a handshake with client fingerprints ja3 and ja4 and, when
// fp is set, a server leaf certificate of that fingerprint.
func tlsHello(ja3, ja4, sni, fp string) *tls.Record {
	r := &tls.Record{HasClientHello: true, ClientVersion: 0x0303, SNI: sni, JA3: tls.Fingerprint{Hash: ja3}, JA4: ja4}
	if fp != "" {
		r.HasServerHello, r.Version, r.ServerVersion, r.CipherSuite = true, 0x0303, 0x0303, 0xc02b
		r.Certificates = []tls.Certificate{{SubjectCN: "plc", IssuerCN: "ca", FingerprintSHA256: fp}}
	}
	return r
}

const (
	up   = dissectors.ToServer
	down = dissectors.ToClient
	hr   = time.Hour
)

// protoCases learn protoPlant and learn, lock at t0+1h, then feed in; want
// is the policy alerts.
var protoCases = []struct {
	name  string
	learn []input
	in    []input
	want  []want
}{
	{"Modbus: known reads inside merged ranges raise nothing", []input{
		rec(fPM, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 10)),
		rec(fPM, at(2), up, mbAt(3, "read_holding_registers", 1, 10, 10)), // adjacent: [0, 19]
	}, []input{
		rec(fPM, at(2*hr), up, mbAt(3, "read_holding_registers", 1, 5, 10)), // [5, 14] spans both requests
		rec(fPM, at(2*hr), down, &modbus.Record{UnitID: 1, FunctionCode: 7, Function: "read_exception_status", Response: true}),
	}, nil},
	{"Modbus: a new read code is medium, once; another unit is another alert", []input{
		rec(fPM, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 10)),
	}, []input{
		rec(fPM, at(2*hr), up, mbAt(1, "read_coils", 1, 0, 8)),
		rec(fPM, at(3*hr), up, mbAt(1, "read_coils", 1, 0, 8)),
		rec(fPM, at(3*hr), up, mbAt(1, "read_coils", 1, 2, 4)), // inside the range learnt with the code
		rec(fPM, at(4*hr), up, mbAt(3, "read_holding_registers", 2, 0, 10)),
	}, []want{
		{rule: "policy.modbus_function", title: "Modbus function code not in the baseline: read_coils (function code 1, unit 1)", count: 1, severity: Medium, mitre: "T0855", src: "10.0.0.10", dst: "10.0.0.21:502"},
		{rule: "policy.modbus_function", title: "read_holding_registers (function code 3, unit 2)", count: 1, severity: Medium},
	}},
	{"Modbus: a write from a client that never wrote is high", []input{
		rec(fPM, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 10)),
		rec(fPM2, at(2), up, mbAt(16, "write_multiple_registers", 1, 0, 2)), // .22 writes, .10 does not
	}, []input{
		rec(fPM, at(2*hr), up, mbAt(6, "write_single_register", 1, 5, 0)),
		rec(fPM2, at(2*hr), up, mbAt(6, "write_single_register", 1, 5, 0)),
	}, []want{
		{rule: "policy.modbus_function", title: "Modbus write from a client that never wrote: write_single_register (function code 6, unit 1)", count: 1, severity: High, src: "10.0.0.10"},
		{rule: "policy.modbus_function", title: "Modbus function code not in the baseline: write_single_register", count: 1, severity: High, src: "10.0.0.22"},
	}},
	{"Modbus: addresses outside the learnt ranges, once per range", []input{
		rec(fPM, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 20)),
		rec(fPM, at(2), up, mb23(0, 2, 10, 2)),
	}, []input{
		rec(fPM, at(2*hr), up, mbAt(3, "read_holding_registers", 1, 100, 5)),
		rec(fPM, at(3*hr), up, mbAt(3, "read_holding_registers", 1, 100, 5)), // learnt
		rec(fPM, at(3*hr), up, mbAt(3, "read_holding_registers", 1, 101, 2)), // inside what was learnt
		rec(fPM, at(3*hr), up, mbAt(3, "read_holding_registers", 1, 20, 1)),  // adjacent is not inside
		rec(fPM, at(3*hr), up, mbAt(3, "read_holding_registers", 1, 15, 6)),  // [15, 20]: now inside [0, 20]
		rec(fPM, at(4*hr), up, mb23(0, 2, 50, 1)),                            // the read part is new
		rec(fPM2, at(4*hr), up, mbAt(3, "read_holding_registers", 1, 0, 1)),  // another client: a new link
	}, []want{
		{rule: "policy.modbus_address", title: "Modbus address range not in the baseline: read_holding_registers 100-104 (unit 1)", count: 1, severity: Medium, mitre: "-", src: "10.0.0.10", dst: "10.0.0.21:502"},
		{rule: "policy.modbus_address", title: "read_holding_registers 20-20", count: 1},
		{rule: "policy.modbus_address", title: "read_write_multiple_registers 50-50", count: 1},
		{rule: "policy.modbus_function", title: "read_holding_registers (function code 3, unit 1)", count: 1, severity: Medium, src: "10.0.0.22"},
	}},
	{"Modbus: a new device is silent in its window, then alerts", nil, []input{
		rec(fNw2, at(2*hr), up, mbAt(6, "write_single_register", 1, 5, 0)), // before its flow update: unknown, silent
		newFlowUpdate(fNw2, at(2*hr), 3),
		newFlowUpdate(fNew, at(2*hr), 3),
		rec(fNew, at(2*hr), up, mbAt(5, "write_single_coil", 1, 5, 0)),  // in its window
		rec(fNew, at(8*day), up, mbAt(5, "write_single_coil", 1, 5, 0)), // learnt in the window
		rec(fNew, at(8*day), up, mbAt(15, "write_multiple_coils", 1, 0, 8)),
	}, []want{
		{rule: "policy.new_device", src: "10.0.0.77"},
		{rule: "policy.new_device", src: "10.0.0.99"},
		{rule: "policy.modbus_function", title: "Modbus function code not in the baseline: write_multiple_coils", count: 1, severity: High, src: "10.0.0.99"},
	}},
	{"Modbus identity: a new revision is high, once; a partial answer that agrees is silent", []input{
		rec(fPM, at(1), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.10")),
	}, []input{
		rec(fPM, at(2*hr), down, mbIdent("Schneider Electric", "", "")),
		rec(fPM, at(3*hr), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.20")),
		rec(fPM2, at(3*hr), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.20")), // learnt
	}, []want{
		{rule: "policy.identity_change", title: `Modbus device identity changed: revision "v3.10" -> "v3.20"`, count: 1, severity: High, mitre: "T0839", src: "10.0.0.21:502", dst: "10.0.0.10"},
	}},
	{"DNP3 identity: a new software version", []input{
		rec(fPD, at(1), down, dnAttrs("RTU-5000", "4.2.1", "B")),
	}, []input{
		rec(fPD, at(2*hr), down, dnAttrs("RTU-5000", "", "B")),
		rec(fPD, at(2*hr), down, dnAttrs("RTU-5000", "4.3.0", "B")),
	}, []want{
		{rule: "policy.identity_change", title: `DNP3 device identity changed: software_version "4.2.1" -> "4.3.0"`, count: 1, severity: High},
	}},
	{"DNP3: a known poll is silent; control and other codes alert once", []input{
		rec(fPD, at(1), up, dnReq(1, "read")),
	}, []input{
		rec(fPD, at(2*hr), up, dnReq(1, "read")),
		rec(fPD, at(2*hr), up, dnReq(5, "direct_operate")),
		rec(fPD, at(3*hr), up, dnReq(5, "direct_operate")),
		rec(fPD, at(3*hr), up, dnReq(20, "enable_unsolicited")),
		rec(fPD, at(3*hr), up, dnTo(1, "read", 11)), // another outstation address
	}, []want{
		{rule: "policy.dnp3_function", title: "DNP3 direct_operate (function code 5, outstation 10) from a master that never operated this outstation", count: 1, severity: High, mitre: "T0855", src: "10.0.0.10", dst: "10.0.0.21:20000"},
		{rule: "policy.dnp3_function", title: "DNP3 function code not in the baseline: enable_unsolicited (function code 20, outstation 10)", count: 1, severity: Medium},
		{rule: "policy.dnp3_function", title: "read (function code 1, outstation 11)", count: 1, severity: Medium},
	}},
	{"DNP3: direct operate from a new master", []input{
		rec(fPD, at(1), up, dnReq(1, "read")),
		rec(fPD, at(2), up, dnReq(5, "direct_operate")),
		rec(fPD2, at(3), up, dnReq(1, "read")),
	}, []input{
		rec(fPD, at(2*hr), up, dnReq(5, "direct_operate")),
		rec(fPD2, at(2*hr), up, dnReq(5, "direct_operate")),
		rec(fPD, at(2*hr), up, dnReq(3, "select")), // .10 operated before: not "never operated"
	}, []want{
		{rule: "policy.dnp3_function", title: "from a master that never operated this outstation", count: 1, severity: High, src: "10.0.0.22"},
		{rule: "policy.dnp3_function", title: "DNP3 function code not in the baseline: select (function code 3", count: 1, severity: High, src: "10.0.0.10"},
	}},
	{"DNP3: a master that is the TCP server", []input{
		rec(fPD, at(1), down, dnReq(1, "read")), // dial-out outstation: the master .21 sends to the client .10
	}, []input{
		rec(fPD, at(2*hr), down, dnReq(1, "read")),
		rec(fPD, at(2*hr), down, dnReq(2, "write")),
	}, []want{
		{rule: "policy.dnp3_function", title: "write (function code 2", count: 1, severity: Medium, src: "10.0.0.21:20000", dst: "10.0.0.10"},
	}},
	{"MQTT: a new client id and its # subscription", []input{
		rec(fPQ, at(1), up, mqConnect("hmi-1")),
		rec(fPQ, at(2), up, mqSub("hmi-1", "plant/+/temp")),
		rec(fPQ, at(3), up, mqPub("hmi-1", "plant/hmi/ack")),
	}, []input{
		rec(fPQ, at(2*hr), up, mqConnect("hmi-1")),
		rec(fPQ, at(2*hr), up, mqSub("hmi-1", "plant/+/temp")),
		rec(fPQ, at(2*hr), up, mqPub("hmi-1", "plant/hmi/new")), // topics are learnt, not alerted
		rec(fPQ2, at(2*hr), up, mqConnect("intruder")),
		rec(fPQ2, at(2*hr), up, mqSub("intruder", "#")),
		rec(fPQ2, at(3*hr), up, mqConnect("intruder")),
		rec(fPQ2, at(3*hr), up, mqSub("intruder", "#")),
		rec(fPQ2, at(3*hr), up, mqConnect("")), // an empty id is not compared
		rec(fPQ2, at(3*hr), down, &mqtt.Record{Type: mqtt.ConnAck, ClientID: "other"}),
	}, []want{
		{rule: "policy.mqtt_client_id", title: `New MQTT client id "intruder"`, count: 1, severity: Medium, mitre: "-", src: "10.0.0.22", dst: "10.0.0.5:1883"},
		{rule: "policy.mqtt_wildcard", title: `MQTT wildcard subscription "#" from client id "intruder"`, count: 1, severity: High, mitre: "T0802", src: "10.0.0.22", dst: "10.0.0.5:1883"},
	}},
	{"MQTT: only new multi-level filters alert", []input{
		rec(fPQ, at(1), up, mqConnect("hmi-1")),
		rec(fPQ, at(2), up, mqSub("hmi-1", "plant/#")),
	}, []input{
		rec(fPQ, at(2*hr), up, mqSub("hmi-1", "plant/#", "plant/+", "site/#", "a#")),
		rec(fPQ, at(3*hr), up, mqSub("hmi-1", "site/#")),
	}, []want{
		{rule: "policy.mqtt_wildcard", title: `"site/#" from client id "hmi-1"`, count: 1, severity: High, src: "10.0.0.10"},
	}},
	{"TLS: new client fingerprints on known devices, new certificates on known servers", []input{
		rec(fPT, at(1), up, tlsHello("ja3-a", "t13d_a", "plc1.plant.local", "fp1")),
	}, []input{
		rec(fPT, at(2*hr), up, tlsHello("ja3-a", "t13d_a", "plc1.plant.local", "fp1")),
		rec(fPT, at(2*hr), up, tlsHello("ja3-a", "t12d_b", "other.plant.local", "fp1")), // a new JA4
		rec(fPT, at(3*hr), up, tlsHello("ja3-a", "t12d_b", "", "")),
		rec(fPT, at(3*hr), up, tlsHello("ja3-c", "t13d_a", "", "fp2")),  // a new JA3, a new certificate
		rec(fPT2, at(3*hr), up, tlsHello("ja3-z", "t13d_z", "", "fp1")), // .22 never did TLS: no fingerprint alert
		rec(fPT3, at(3*hr), up, tlsHello("ja3-a", "t13d_a", "", "fp9")), // .21:443 had no certificate
		rec(fPT, at(4*hr), up, &tls.Record{Alert: &tls.Alert{Level: 2, Description: 40}}),
	}, []want{
		{rule: "policy.tls_fingerprint", title: "New TLS client fingerprint on a known device: JA4 t12d_b", count: 1, severity: Medium, mitre: "-", src: "10.0.0.10", dst: "10.0.0.6:443"},
		{rule: "policy.tls_fingerprint", title: "JA4 t13d_a", count: 1, src: "10.0.0.10"},
		{rule: "policy.tls_certificate", title: `TLS server presents a new certificate: "plc"`, count: 1, severity: Medium, mitre: "T0830", src: "10.0.0.10", dst: "10.0.0.6:443"},
	}},
}

// TestPolicyIdentityKnown: the learnt identity reported again is silent
// (the cases feed only partial or new ones, so that feeding them twice
// changes nothing).
func TestPolicyIdentityKnown(t *testing.T) {
	e, _ := runProtoCase([]input{
		rec(fPM, at(1), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.10")),
		rec(fPD, at(1), down, dnAttrs("RTU-5000", "4.2.1", "B")),
	}, []input{
		rec(fPM, at(2*hr), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.10")),
		rec(fPD, at(2*hr), down, dnAttrs("RTU-5000", "4.2.1", "B")),
		rec(fPD, at(2*hr), down, dnAttrs("RTU-5000", "4.2.1", "C")),
	}, false, Config{})
	checkWants(t, policyOnly(e.Alerts()), []want{{rule: "policy.identity_change", title: `DNP3 device identity changed: hardware_version "B" -> "C"`, count: 1}})
}

// runProtoCase learns protoPlant and learn, locks at t0+1h unless
// learning, and feeds in.
func runProtoCase(learn, in []input, learning bool, cfg Config) (*Engine, *Baseline) {
	b := NewBaseline(BaselineConfig{})
	cfg.Baseline = b
	e := NewEngine(cfg)
	feed(e, protoPlant)
	feed(e, learn)
	if !learning {
		b.Lock(at(time.Hour))
	}
	feed(e, in)
	return e, b
}

func TestPolicyProtocols(t *testing.T) {
	for _, tc := range protoCases {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := runProtoCase(tc.learn, tc.in, false, Config{})
			got := policyOnly(e.Alerts())
			checkWants(t, got, tc.want)
			for _, a := range got {
				checkAlert(t, a)
			}
			// learnt after alerting: the same input again raises nothing
			counts := map[string]uint64{}
			for _, a := range got {
				counts[a.ID] = a.Count
			}
			feed(e, tc.in)
			for _, a := range policyOnly(e.Alerts()) {
				if a.Count != counts[a.ID] {
					t.Errorf("fed again: %s %q count %d, was %d", a.Rule, a.Title, a.Count, counts[a.ID])
				}
			}
			// a second engine raises the same ids
			e2, _ := runProtoCase(tc.learn, tc.in, false, Config{})
			got2 := policyOnly(e2.Alerts())
			if len(got2) != len(got) {
				t.Fatalf("second engine: %d alerts, first %d", len(got2), len(got))
			}
			for i := range got {
				if got[i].ID != got2[i].ID {
					t.Errorf("second engine: alert %d is %s, first %s", i, got2[i].ID, got[i].ID)
				}
			}
			// learning mode, and Learn on an operational baseline: nothing
			for _, cfg := range []struct {
				learning bool
				c        Config
			}{{true, Config{}}, {false, Config{Learn: true}}} {
				e, _ := runProtoCase(tc.learn, tc.in, cfg.learning, cfg.c)
				for _, a := range policyOnly(e.Alerts()) {
					t.Errorf("learning %v Learn %v raised %s %q", cfg.learning, cfg.c.Learn, a.Rule, a.Title)
				}
			}
		})
	}
}

func policyOnly(all []*Alert) []*Alert {
	var out []*Alert
	for _, a := range all {
		if a.Engine == EnginePolicy {
			out = append(out, a)
		}
	}
	return out
}
