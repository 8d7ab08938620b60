package alerts

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// want is an alert a case must raise. Empty fields are not checked,
// except that every raised alert must be wanted.
type want struct {
	rule     string
	title    string // substring
	count    uint64
	severity Severity
	mitre    string // technique id, "-" for none
	src, dst string // "ip" or "ip:port"; "-" for none
}

const (
	client = "10.0.0.10"
	server = "10.0.0.21"
)

var (
	fMB  = newFlow(1, "modbus", client+":40001", server+":502")
	fMB2 = newFlow(2, "modbus", client+":40002", server+":502") // same link, another connection
	fDN  = newFlow(3, "dnp3", "192.168.20.10:40003", "192.168.20.21:20000")
	fMQ  = newFlow(4, "mqtt", client+":40004", "10.0.0.5:1883")
	fTL  = newFlow(5, "tls", client+":40005", "10.0.0.6:443")
)

func mbReq(fc uint8, name string, unit uint8) *modbus.Record {
	return &modbus.Record{TransactionID: 1, UnitID: unit, FunctionCode: fc, Function: name}
}

func mbExc(fc uint8) *modbus.Record {
	return &modbus.Record{TransactionID: 1, UnitID: 1, FunctionCode: fc, Function: "read_holding_registers", Response: true, Exception: true, ExceptionCode: 2, ExceptionName: "illegal_data_address"}
}

// dnReq is a DNP3 request from master 1 to outstation 10.
func dnReq(fc uint8, name string) *dnp3.Record {
	return &dnp3.Record{Src: 1, Dst: 10, FromMaster: true, Primary: true, FIR: true, FIN: true, FunctionCode: fc, Function: name}
}

// dnResp is a DNP3 response from outstation 10 with iin.
func dnResp(iin uint16) *dnp3.Record {
	return &dnp3.Record{Src: 10, Dst: 1, Primary: true, FIR: true, FIN: true, FunctionCode: 129, Function: "response", Response: true, IIN: iin}
}

// hello is a TLS handshake that negotiated version and suite, with leaf
// as the server's certificate when set.
func hello(version, suite uint16, leaf *tls.Certificate) *tls.Record {
	r := &tls.Record{HasClientHello: true, HasServerHello: true, ClientVersion: 0x0303, ServerVersion: version, Version: version, CipherSuite: suite}
	if leaf != nil {
		r.Certificates = []tls.Certificate{*leaf}
	}
	return r
}

func cert(notBefore, notAfter time.Time, selfSigned bool, fp string) *tls.Certificate {
	return &tls.Certificate{SubjectCN: "plc", IssuerCN: "plc", NotBefore: notBefore, NotAfter: notAfter, SelfSigned: selfSigned, FingerprintSHA256: fp}
}

var detectionCases = []struct {
	name string
	in   []input
	want []want
}{
	// Modbus.
	{"modbus read request and response raise nothing",
		[]input{
			rec(fMB, at(0), dissectors.ToServer, mbReq(3, "read_holding_registers", 1)),
			rec(fMB, at(time.Millisecond), dissectors.ToClient, &modbus.Record{TransactionID: 1, UnitID: 1, FunctionCode: 3, Function: "read_holding_registers", Response: true}),
		}, nil},
	{"UMAS requests over two connections aggregate",
		[]input{
			rec(fMB, at(0), dissectors.ToServer, mbReq(90, "umas", 1)),
			rec(fMB, at(time.Second), dissectors.ToServer, mbReq(90, "umas", 1)),
			rec(fMB2, at(2*time.Second), dissectors.ToServer, mbReq(90, "umas", 1)),
			// a UMAS response is not a programming request
			rec(fMB, at(3*time.Second), dissectors.ToClient, &modbus.Record{UnitID: 1, FunctionCode: 90, Function: "umas", Response: true}),
		},
		[]want{{rule: "modbus.programming", title: "umas (function code 90)", count: 3, severity: High, mitre: "T0843", src: client, dst: server + ":502"}}},
	{"firmware replacement, remote programming and Concept programming",
		[]input{
			rec(fMB, at(0), dissectors.ToServer, mbReq(125, "firmware_replacement", 1)),
			rec(fMB, at(1), dissectors.ToServer, mbReq(126, "remote_programming", 1)),
			rec(fMB, at(2), dissectors.ToServer, mbReq(40, "program_concept", 1)),
		},
		[]want{
			{rule: "modbus.programming", title: "(function code 125)", count: 1, severity: High, mitre: "T0839"},
			{rule: "modbus.programming", title: "(function code 126)", count: 1, severity: High, mitre: "T0839"},
			{rule: "modbus.programming", title: "(function code 40)", count: 1, severity: High, mitre: "T0843"},
		}},
	{"19 exceptions in a minute are not excessive",
		repeat(19, func(i int) input { return rec(fMB, at(time.Duration(i)*time.Second), dissectors.ToClient, mbExc(3)) }), nil},
	{"25 exceptions in a minute: the 20th raises, the next 5 count",
		repeat(25, func(i int) input { return rec(fMB, at(time.Duration(i)*time.Second), dissectors.ToClient, mbExc(3)) }),
		[]want{{rule: "modbus.exceptions", count: 6, severity: Medium, mitre: "-", src: client, dst: server + ":502"}}},
	{"40 exceptions 4 seconds apart stay under 20 per minute",
		repeat(40, func(i int) input { return rec(fMB, at(time.Duration(i)*4*time.Second), dissectors.ToClient, mbExc(3)) }), nil},
	{"19 unit ids are not a scan",
		repeat(19, func(i int) input {
			return rec(fMB, at(time.Duration(i)*time.Second), dissectors.ToServer, mbReq(3, "read_holding_registers", uint8(i+1)))
		}), nil},
	{"22 unit ids in 22 seconds are a scan",
		repeat(22, func(i int) input {
			return rec(fMB, at(time.Duration(i)*time.Second), dissectors.ToServer, mbReq(3, "read_holding_registers", uint8(i+1)))
		}),
		[]want{{rule: "modbus.unit_id_scan", count: 3, severity: Medium, mitre: "T0846", src: client, dst: server + ":502"}}},
	{"20 unit ids over 4 minutes are not a scan",
		repeat(20, func(i int) input {
			return rec(fMB, at(time.Duration(i)*12*time.Second+time.Duration(i)*time.Second), dissectors.ToServer, mbReq(3, "read_holding_registers", uint8(i+1)))
		}), nil},
	{"polling one unit does not fill the unit scan",
		repeat(1000, func(i int) input {
			return rec(fMB, at(time.Duration(i)*time.Second), dissectors.ToServer, mbReq(3, "read_holding_registers", 1))
		}), nil},

	// DNP3 (function codes: IEEE 1815-2012 table 4-1; IIN bits: 4.2.2.7.1).
	{"DNP3 poll raises nothing",
		[]input{
			rec(fDN, at(0), dissectors.ToServer, dnReq(1, "read")),
			rec(fDN, at(1), dissectors.ToClient, dnResp(0x0002)), // IIN1.1 class 1 events
		}, nil},
	{"DNP3 cold and warm restart are two alerts",
		[]input{
			rec(fDN, at(0), dissectors.ToServer, dnReq(13, "cold_restart")),
			rec(fDN, at(time.Second), dissectors.ToServer, dnReq(13, "cold_restart")),
			rec(fDN, at(2*time.Second), dissectors.ToServer, dnReq(14, "warm_restart")),
		},
		[]want{
			{rule: "dnp3.restart", title: "cold restart", count: 2, severity: High, mitre: "T0816", src: "192.168.20.10", dst: "192.168.20.21:20000"},
			{rule: "dnp3.restart", title: "warm restart", count: 1, severity: High, mitre: "T0816"},
		}},
	{"DNP3 stop application, initialize data, disable unsolicited, activate config",
		[]input{
			rec(fDN, at(0), dissectors.ToServer, dnReq(18, "stop_application")),
			rec(fDN, at(1), dissectors.ToServer, dnReq(15, "initialize_data")),
			rec(fDN, at(2), dissectors.ToServer, dnReq(21, "disable_unsolicited")),
			rec(fDN, at(3), dissectors.ToServer, dnReq(31, "activate_config")),
			rec(fDN, at(4), dissectors.ToServer, dnReq(20, "enable_unsolicited")), // harmless
		},
		[]want{
			{rule: "dnp3.stop_application", count: 1, severity: High, mitre: "T0881"},
			{rule: "dnp3.initialize_data", count: 1, severity: Medium, mitre: "-"},
			{rule: "dnp3.disable_unsolicited", count: 1, severity: Medium, mitre: "T0804"},
			{rule: "dnp3.activate_config", count: 1, severity: High, mitre: "T0843"},
		}},
	{"DNP3 file operations, one alert per function",
		[]input{
			rec(fDN, at(0), dissectors.ToServer, dnReq(25, "open_file")),
			rec(fDN, at(1), dissectors.ToServer, dnReq(30, "abort_file")),
			rec(fDN, at(2), dissectors.ToServer, dnReq(25, "open_file")),
		},
		[]want{
			{rule: "dnp3.file_operation", title: "open_file", count: 2, severity: High, mitre: "T0843"},
			{rule: "dnp3.file_operation", title: "abort_file", count: 1, severity: High, mitre: "T0843"},
		}},
	{"DNP3 IIN device trouble and device restart",
		[]input{
			rec(fDN, at(0), dissectors.ToClient, dnResp(0x0080)), // IIN1.7 device restart
			rec(fDN, at(1), dissectors.ToClient, dnResp(0x00c0)), // IIN1.6 and IIN1.7
			rec(fDN, at(2), dissectors.ToClient, dnResp(0x0040)), // IIN1.6 device trouble
		},
		[]want{
			{rule: "dnp3.device_restarted", count: 2, severity: Low, mitre: "-", src: "192.168.20.10", dst: "192.168.20.21:20000"},
			{rule: "dnp3.device_trouble", count: 2, severity: Medium, mitre: "-"},
		}},

	// MQTT.
	{"MQTT anonymous and authenticated connects",
		[]input{
			rec(fMQ, at(0), dissectors.ToServer, &mqtt.Record{Type: mqtt.Connect, ProtocolName: "MQTT", ProtocolVersion: 4, ClientID: "a", Anonymous: true}),
			rec(fMQ, at(1), dissectors.ToServer, &mqtt.Record{Type: mqtt.Connect, ProtocolName: "MQTT", ProtocolVersion: 4, ClientID: "b", Username: "op", UsernamePresent: true, PasswordPresent: true, PlaintextCredentials: true}),
			rec(fMQ, at(2), dissectors.ToServer, &mqtt.Record{Type: mqtt.Connect, ProtocolName: "MQTT", ProtocolVersion: 4, ClientID: "c", Anonymous: true}),
			rec(fMQ, at(3), dissectors.ToServer, &mqtt.Record{Type: mqtt.Publish, ClientID: "c", Topic: "t"}),
		},
		[]want{
			{rule: "mqtt.anonymous_connect", count: 2, severity: Medium, mitre: "-", src: client, dst: "10.0.0.5:1883"},
			{rule: "mqtt.plaintext_credentials", count: 1, severity: Medium, mitre: "T0859", src: client, dst: "10.0.0.5:1883"},
		}},

	// TLS (suite codes: IANA TLS Cipher Suites registry).
	{"TLS 1.2 with AES-GCM and a valid CA-signed certificate raises nothing",
		[]input{rec(fTL, at(0), dissectors.ToClient, hello(0x0303, 0xc02f, cert(at(-time.Hour), at(time.Hour), false, "aa")))}, nil},
	{"TLS 1.0 and TLS 1.1 are two alerts; SSL 3.0 a third",
		[]input{
			rec(fTL, at(0), dissectors.ToClient, hello(0x0301, 0xc02f, nil)),
			rec(fTL, at(1), dissectors.ToClient, hello(0x0302, 0xc02f, nil)),
			rec(fTL, at(2), dissectors.ToClient, hello(0x0301, 0xc02f, nil)),
			rec(fTL, at(3), dissectors.ToClient, hello(0x0300, 0xc02f, nil)),
			rec(fTL, at(4), dissectors.ToClient, hello(0x0304, 0x1301, nil)), // TLS 1.3
		},
		[]want{
			{rule: "tls.weak_version", title: "TLS 1.0", count: 2, severity: Medium, src: client, dst: "10.0.0.6:443"},
			{rule: "tls.weak_version", title: "TLS 1.1", count: 1},
			{rule: "tls.weak_version", title: "SSL 3.0", count: 1},
		}},
	{"weak cipher suites",
		[]input{
			rec(fTL, at(0), dissectors.ToClient, hello(0x0303, 0x0005, nil)), // TLS_RSA_WITH_RC4_128_SHA
			rec(fTL, at(1), dissectors.ToClient, hello(0x0303, 0x000a, nil)), // TLS_RSA_WITH_3DES_EDE_CBC_SHA
			rec(fTL, at(2), dissectors.ToClient, hello(0x0303, 0x0002, nil)), // TLS_RSA_WITH_NULL_SHA
			rec(fTL, at(3), dissectors.ToClient, hello(0x0303, 0x0003, nil)), // TLS_RSA_EXPORT_WITH_RC4_40_MD5
			rec(fTL, at(4), dissectors.ToClient, hello(0x0303, 0x0034, nil)), // TLS_DH_anon_WITH_AES_128_CBC_SHA
			rec(fTL, at(5), dissectors.ToClient, hello(0x0303, 0x0009, nil)), // TLS_RSA_WITH_DES_CBC_SHA
			rec(fTL, at(6), dissectors.ToClient, hello(0x0303, 0x002f, nil)), // TLS_RSA_WITH_AES_128_CBC_SHA: not weak here
		},
		[]want{
			{rule: "tls.weak_cipher", title: "TLS_RSA_WITH_RC4_128_SHA", count: 1, severity: High},
			{rule: "tls.weak_cipher", title: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", count: 1},
			{rule: "tls.weak_cipher", title: "TLS_RSA_WITH_NULL_SHA", count: 1},
			{rule: "tls.weak_cipher", title: "TLS_RSA_EXPORT_WITH_RC4_40_MD5", count: 1},
			{rule: "tls.weak_cipher", title: "TLS_DH_anon_WITH_AES_128_CBC_SHA", count: 1},
			{rule: "tls.weak_cipher", title: "TLS_RSA_WITH_DES_CBC_SHA", count: 1},
		}},
	{"expired, not yet valid and self-signed certificates",
		[]input{
			rec(fTL, at(0), dissectors.ToClient, hello(0x0303, 0xc02f, cert(at(-48*time.Hour), at(-time.Hour), false, "01"))),
			rec(fTL, at(1), dissectors.ToClient, hello(0x0303, 0xc02f, cert(at(-48*time.Hour), at(-time.Hour), false, "01"))),
			rec(fTL, at(2), dissectors.ToClient, hello(0x0303, 0xc02f, cert(at(time.Hour), at(48*time.Hour), false, "02"))),
			rec(fTL, at(3), dissectors.ToClient, hello(0x0303, 0xc02f, cert(at(-time.Hour), at(time.Hour), true, "03"))),
			// a TLS alert record carries no handshake
			rec(fTL, at(4), dissectors.ToClient, &tls.Record{Alert: &tls.Alert{Level: 2, Description: 42}}),
		},
		[]want{
			{rule: "tls.certificate_validity", title: "expired", count: 2, severity: Medium, mitre: "-", dst: "10.0.0.6:443"},
			{rule: "tls.certificate_validity", title: "not yet valid", count: 1, severity: Medium},
			{rule: "tls.self_signed_certificate", count: 1, severity: Low},
		}},

	// Protocol violations.
	{"anomalies aggregate per flow and name; the sensor's own are skipped",
		[]input{
			anomaly(fMB, at(0), "modbus", "modbus.invalid_length"),
			anomaly(fMB, at(1), "modbus", "modbus.invalid_length"),
			anomaly(fMB2, at(2), "modbus", "modbus.invalid_length"),
			anomaly(fMB, at(3), "modbus", "modbus.unmatched_response"),
			anomaly(fTL, at(4), "tls", "tls.heartbeat"),
			anomaly(fMB, at(5), "stream", "stream.gap"),
			anomaly(fMB, at(6), "app", "app.parser_panic"),
		},
		[]want{
			{rule: "protocol.violation", title: "modbus.invalid_length", count: 2, severity: Medium, src: client + ":40001", dst: server + ":502"},
			{rule: "protocol.violation", title: "modbus.invalid_length", count: 1, severity: Medium, src: client + ":40002"},
			{rule: "protocol.violation", title: "modbus.unmatched_response", count: 1, severity: Low},
			{rule: "protocol.violation", title: "tls.heartbeat", count: 1, severity: High},
		}},

	// Scans.
	{"24 ports are not a port scan",
		repeat(24, func(i int) input {
			return newFlowUpdate(newFlow(uint64(100+i), "", "10.9.9.9:5000", fmt.Sprintf("%s:%d", server, 1+i)), at(time.Duration(i)*time.Second), 1)
		}), nil},
	{"30 ports in 30 seconds are a port scan",
		repeat(30, func(i int) input {
			return newFlowUpdate(newFlow(uint64(100+i), "", "10.9.9.9:5000", fmt.Sprintf("%s:%d", server, 1+i)), at(time.Duration(i)*time.Second), 1)
		}),
		[]want{{rule: "scan.port", count: 6, severity: Medium, mitre: "T0840", src: "10.9.9.9", dst: server}}},
	{"30 ports over 15 minutes are not a port scan",
		repeat(30, func(i int) input {
			return newFlowUpdate(newFlow(uint64(100+i), "", "10.9.9.9:5000", fmt.Sprintf("%s:%d", server, 1+i)), at(time.Duration(i)*30*time.Second), 1)
		}), nil},
	{"connections established before the capture are not probes",
		repeat(30, func(i int) input {
			f := newFlow(uint64(100+i), "", "10.9.9.9:5000", fmt.Sprintf("%s:%d", server, 1+i))
			f.Handshake = false
			return newFlowUpdate(f, at(time.Duration(i)*time.Second), 50)
		}), nil},
	{"a FIN scan without SYN is still a scan",
		repeat(25, func(i int) input {
			f := newFlow(uint64(100+i), "", "10.9.9.9:5000", fmt.Sprintf("%s:%d", server, 1+i))
			f.Handshake = false
			return newFlowUpdate(f, at(time.Duration(i)*time.Second), 1)
		}),
		[]want{{rule: "scan.port", count: 1}}},
	{"60 hosts in a minute are an address scan",
		repeat(60, func(i int) input {
			return newFlowUpdate(newFlow(uint64(100+i), "", "10.9.9.9:5000", fmt.Sprintf("10.1.0.%d:502", 1+i)), at(time.Duration(i)*time.Second), 1)
		}),
		[]want{{rule: "scan.address", count: 11, severity: Medium, mitre: "T0846", src: "10.9.9.9", dst: "-"}}},
	{"49 hosts and multicast groups are not an address scan",
		concat(
			repeat(49, func(i int) input {
				return newFlowUpdate(newFlow(uint64(100+i), "", "10.9.9.9:5000", fmt.Sprintf("10.1.0.%d:502", 1+i)), at(time.Duration(i)*time.Second), 1)
			}),
			repeat(10, func(i int) input {
				return newFlowUpdate(newFlow(uint64(200+i), "", "10.9.9.9:5000", fmt.Sprintf("239.0.0.%d:1900", 1+i)), at(time.Duration(i)*time.Second), 1)
			})), nil},
}

func TestDetections(t *testing.T) {
	for _, tc := range detectionCases {
		t.Run(tc.name, func(t *testing.T) {
			e1, e2 := NewEngine(Config{}), NewEngine(Config{})
			feed(e1, tc.in)
			feed(e2, tc.in)
			got := e1.Alerts()
			checkWants(t, got, tc.want)
			// a second engine raises the same ids
			got2 := e2.Alerts()
			if len(got2) != len(got) {
				t.Fatalf("second engine: %d alerts, first %d", len(got2), len(got))
			}
			for i := range got {
				if got[i].ID != got2[i].ID || got[i].Count != got2[i].Count {
					t.Errorf("second engine: alert %d is %s×%d, first %s×%d", i, got2[i].ID, got2[i].Count, got[i].ID, got[i].Count)
				}
			}
			for _, a := range got {
				checkAlert(t, a)
			}
		})
	}
}

// checkWants matches got and want one to one.
func checkWants(t *testing.T, got []*Alert, wants []want) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range wants {
		found := false
		for i, a := range got {
			if !used[i] && matches(a, w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("no alert matches %+v", w)
		}
	}
	for i, a := range got {
		if !used[i] {
			t.Errorf("unexpected alert %s %q count %d src %v dst %v", a.Rule, a.Title, a.Count, a.Source, a.Destination)
		}
	}
}

func matches(a *Alert, w want) bool {
	if a.Rule != w.rule || !strings.Contains(a.Title, w.title) {
		return false
	}
	if w.count != 0 && a.Count != w.count {
		return false
	}
	if w.severity != 0 && a.Severity != w.severity {
		return false
	}
	switch {
	case w.mitre == "-" && a.MITRE != nil, w.mitre != "" && w.mitre != "-" && (a.MITRE == nil || a.MITRE.ID != w.mitre):
		return false
	}
	return endpointIs(a.Source, w.src) && endpointIs(a.Destination, w.dst)
}

func endpointIs(ep Endpoint, s string) bool {
	switch s {
	case "":
		return true
	case "-":
		return !ep.IP.IsValid()
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ep.IP == ap.Addr() && ep.Port == ap.Port()
	}
	return ep.IP == netip.MustParseAddr(s) && ep.Port == 0
}

// checkAlert checks what every alert must have.
func checkAlert(t *testing.T, a *Alert) {
	t.Helper()
	info := findDetection(a.Rule)
	if info == nil {
		t.Fatalf("alert rule %q is not in Detections", a.Rule)
	}
	if a.V != SchemaVersion || a.State != StateNew || a.Engine != info.Engine || a.Category != info.Category {
		t.Errorf("%s: v %d state %q engine %q category %q", a.Rule, a.V, a.State, a.Engine, a.Category)
	}
	if len(a.ID) != 16 || a.Title == "" || a.Count == 0 || a.First.IsZero() || a.Last.Before(a.First) {
		t.Errorf("%s: id %q title %q count %d first %v last %v", a.Rule, a.ID, a.Title, a.Count, a.First, a.Last)
	}
	if a.FlowID == 0 {
		t.Errorf("%s: no flow id", a.Rule)
	}
	if !json.Valid(a.Evidence) || len(a.Evidence) < 3 {
		t.Errorf("%s: evidence %s", a.Rule, a.Evidence)
	}
	if a.MITRE != nil && info.MITRE != nil && a.MITRE == info.MITRE {
		t.Errorf("%s: the alert shares the catalogue's technique", a.Rule)
	}
}

func findDetection(rule string) *DetectionInfo {
	for i := range Detections {
		if Detections[i].Rule == rule {
			return &Detections[i]
		}
	}
	return nil
}

// TestDetectionsCovered fails when a detection of the catalogue has no
// case that raises it.
func TestDetectionsCovered(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range detectionCases {
		for _, w := range tc.want {
			covered[w.rule] = true
		}
	}
	for _, tc := range policyCases {
		for _, w := range tc.want {
			covered[w.rule] = true
		}
	}
	for _, tc := range protoCases {
		for _, w := range tc.want {
			covered[w.rule] = true
		}
	}
	for _, tc := range silenceCases {
		for _, w := range tc.want {
			covered[w.rule] = true
		}
	}
	for _, d := range Detections {
		if strings.HasPrefix(d.Rule, "sensor.") {
			continue // raised by forwarding: tested in alerts/forward
		}
		if !covered[d.Rule] {
			t.Errorf("detection %s has no test case", d.Rule)
		}
	}
}

func TestCatalogue(t *testing.T) {
	if len(Detections) != int(numRules) {
		t.Fatalf("Detections has %d entries, rules %d", len(Detections), numRules)
	}
	seen := map[string]bool{}
	for _, d := range Detections {
		if seen[d.Rule] {
			t.Errorf("rule %s twice", d.Rule)
		}
		seen[d.Rule] = true
		if d.Title == "" || d.Description == "" || d.Category == "" || d.Severity < Low || d.Severity > Critical {
			t.Errorf("%s: incomplete %+v", d.Rule, d)
		}
		switch d.Engine {
		case EngineProtocol, EngineAnomaly, EngineOperational, EnginePolicy:
		default:
			t.Errorf("%s: engine %q", d.Rule, d.Engine)
		}
		if d.MITRE != nil && (len(d.MITRE.ID) != 5 || !strings.HasPrefix(d.MITRE.ID, "T0") || d.MITRE.Name == "") {
			t.Errorf("%s: technique %+v", d.Rule, d.MITRE)
		}
	}
}

func TestSensorAlert(t *testing.T) {
	at := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	a, err := SensorAlert("sensor.sink_failing", "kafka://b:9092/t", "", at, map[string]any{"sink": "kafka://b:9092/t"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SensorAlert("sensor.sink_failing", "kafka://b:9092/t", "other title", at.Add(time.Hour), nil)
	if a.ID != b.ID || a.Title != "Forwarding to a sink fails" || a.Severity != High || a.Engine != EngineOperational || a.Count != 1 || a.State != StateNew {
		t.Errorf("alert %+v, second id %s", a, b.ID)
	}
	if string(a.Evidence) != `{"sink":"kafka://b:9092/t"}` {
		t.Errorf("evidence %s", a.Evidence)
	}
	if _, err := SensorAlert("policy.new_device", "x", "", at, nil); err == nil {
		t.Error("a non-sensor detection was made outside the engine")
	}
}
