package pcaps_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// TestGoldenCoverage checks that the bundled captures exercise what the
// Modbus dissector knows: every documented anomaly, every public function
// code in requests and responses, exceptions, device identification. A
// capture change that loses coverage fails here, not silently.
func TestGoldenCoverage(t *testing.T) {
	anomalies := map[string]bool{}
	functions := map[string]map[bool]bool{} // function → response → seen
	exceptions, deviceIDs, vlans := 0, 0, 0
	files, err := filepath.Glob(filepath.Join("golden", "*.events.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden event files (%v)", err)
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var ev struct {
				Anomaly *struct{ Event string } `json:"anomaly"`
				VLAN    []int                   `json:"vlan"`
				Modbus  *struct {
					Function      string          `json:"function"`
					Response      bool            `json:"response"`
					ExceptionCode int             `json:"exception_code"`
					DeviceID      json.RawMessage `json:"device_id"`
				} `json:"modbus"`
			}
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(ev.VLAN) > 0 {
				vlans++
			}
			switch {
			case ev.Anomaly != nil:
				anomalies[ev.Anomaly.Event] = true
			case ev.Modbus != nil:
				m := ev.Modbus
				if functions[m.Function] == nil {
					functions[m.Function] = map[bool]bool{}
				}
				functions[m.Function][m.Response] = true
				if m.ExceptionCode != 0 {
					exceptions++
				}
				if len(m.DeviceID) > 0 {
					deviceIDs++
				}
			}
		}
		f.Close()
	}
	for _, a := range modbus.Anomalies {
		if !anomalies[a.Name] {
			t.Errorf("no bundled capture raises %s", a.Name)
		}
	}
	public := []string{"read_coils", "read_discrete_inputs", "read_holding_registers", "read_input_registers",
		"write_single_coil", "write_single_register", "read_exception_status", "diagnostics",
		"get_comm_event_counter", "get_comm_event_log", "write_multiple_coils", "write_multiple_registers",
		"report_server_id", "read_file_record", "write_file_record", "mask_write_register",
		"read_write_multiple_registers", "read_fifo_queue", "canopen_general_reference", "read_device_identification",
		"umas", "user_defined"}
	for _, fn := range public {
		if !functions[fn][false] || !functions[fn][true] {
			t.Errorf("function %s: request seen %v, response seen %v", fn, functions[fn][false], functions[fn][true])
		}
	}
	if exceptions == 0 || deviceIDs == 0 || vlans == 0 {
		t.Errorf("exceptions %d, device identifications %d, VLAN-tagged events %d: want some of each", exceptions, deviceIDs, vlans)
	}
}

// TestREADMEDocumentsAnomalies keeps the README's anomaly table in step
// with the dissector's list.
func TestREADMEDocumentsAnomalies(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"stream.gap", "stream.buffer_overflow", "app.parser_panic"}
	for _, a := range modbus.Anomalies {
		names = append(names, a.Name)
	}
	for _, a := range dnp3.Anomalies {
		names = append(names, a.Name)
	}
	for _, a := range mqtt.Anomalies {
		names = append(names, a.Name)
	}
	for _, a := range tls.Anomalies {
		names = append(names, a.Name)
	}
	for _, n := range names {
		if !strings.Contains(string(b), "`"+n+"`") {
			t.Errorf("README.md does not document %s", n)
		}
	}
}

// TestGoldenCoverageDNP3 is TestGoldenCoverage for DNP3: every documented
// anomaly, the functions and objects the issue names, multi-frame and
// unsolicited responses, identities, link-only frames, UDP.
func TestGoldenCoverageDNP3(t *testing.T) {
	seen := map[string]bool{}
	files, err := filepath.Glob(filepath.Join("golden", "*.events.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden event files (%v)", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" {
				continue
			}
			var ev struct {
				Proto   string                  `json:"proto"`
				Anomaly *struct{ Event string } `json:"anomaly"`
				DNP3    *struct {
					LinkOnly   bool     `json:"link_only"`
					LinkFrames int      `json:"link_frames"`
					Function   string   `json:"function"`
					IIN        []string `json:"iin"`
					Device     any      `json:"device_attributes"`
					Objects    []struct {
						Group, Variation int
						Points           []json.RawMessage
					} `json:"objects"`
				} `json:"dnp3"`
			}
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if ev.Anomaly != nil {
				seen[ev.Anomaly.Event] = true
			}
			d := ev.DNP3
			if d == nil {
				continue
			}
			seen["proto "+ev.Proto] = true
			if d.LinkOnly {
				seen["link_only"] = true
				continue
			}
			seen["function "+d.Function] = true
			if d.LinkFrames > 1 {
				seen["multi-frame "+d.Function] = true
			}
			if d.Device != nil {
				seen["device_attributes"] = true
			}
			for _, n := range d.IIN {
				seen["iin "+n] = true
			}
			for _, o := range d.Objects {
				seen[fmt.Sprintf("g%dv%d", o.Group, o.Variation)] = true
				if len(o.Points) > 0 {
					seen[fmt.Sprintf("points g%d", o.Group)] = true
				}
			}
		}
	}
	want := []string{"proto TCP", "proto UDP", "link_only", "device_attributes",
		"multi-frame response", "function unsolicited_response", "function confirm", "function read",
		"function write", "function select", "function operate", "function direct_operate",
		"function cold_restart", "function enable_unsolicited",
		"iin device_restart", "iin need_time", "iin class_1_events", "iin object_unknown",
		"iin no_func_code_support", "iin parameter_error",
		"g60v1", "g60v2", "g60v3", "g60v4", "g41v1", "g41v2", "g41v3", "g41v4",
		"points g0", "points g12", "points g41", "points g50", "points g80"}
	for _, a := range dnp3.Anomalies {
		want = append(want, a.Name)
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no bundled capture gives %s", w)
		}
	}
}

// TestGoldenCoverageMQTT is TestGoldenCoverage for MQTT: every documented
// anomaly, every packet type, the three protocol versions, credentials in
// clear, anonymous connects, wildcard subscriptions, refused connects,
// acks matched to their requests.
func TestGoldenCoverageMQTT(t *testing.T) {
	seen := map[string]bool{}
	files, err := filepath.Glob(filepath.Join("golden", "*.events.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden event files (%v)", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" {
				continue
			}
			var ev struct {
				Anomaly *struct{ Event string } `json:"anomaly"`
				MQTT    *struct {
					Type        string `json:"type"`
					Version     int    `json:"protocol_version"`
					Plaintext   bool   `json:"plaintext_credentials"`
					Anonymous   bool   `json:"anonymous"`
					ReturnCode  *int   `json:"return_code"`
					ReasonCode  *int   `json:"reason_code"`
					Topic       string `json:"topic"`
					Will        any    `json:"will"`
					Properties  any    `json:"properties"`
					ReasonCodes []int  `json:"reason_codes"`
					Topics      []struct {
						Filter   string `json:"filter"`
						Wildcard bool   `json:"wildcard"`
					} `json:"topics"`
				} `json:"mqtt"`
			}
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if ev.Anomaly != nil {
				seen[ev.Anomaly.Event] = true
			}
			m := ev.MQTT
			if m == nil {
				continue
			}
			seen["type "+m.Type] = true
			seen[fmt.Sprintf("version %d", m.Version)] = true
			for k, ok := range map[string]bool{
				"plaintext_credentials": m.Plaintext,
				"anonymous":             m.Anonymous,
				"will":                  m.Will != nil,
				"properties":            m.Properties != nil,
				"refused connect":       m.Type == "CONNACK" && ((m.ReturnCode != nil && *m.ReturnCode != 0) || (m.ReasonCode != nil && *m.ReasonCode != 0)),
				"ack with its topic":    m.Type == "PUBACK" && m.Topic != "",
				"suback with filters":   m.Type == "SUBACK" && len(m.Topics) > 0 && len(m.ReasonCodes) > 0,
			} {
				if ok {
					seen[k] = true
				}
			}
			for _, f := range m.Topics {
				if f.Wildcard {
					seen["wildcard filter"] = true
				}
			}
		}
	}
	want := []string{"version 3", "version 4", "version 5", "plaintext_credentials", "anonymous", "will",
		"properties", "refused connect", "ack with its topic", "suback with filters", "wildcard filter"}
	for _, typ := range []string{"CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
		"SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "RESERVED"} {
		want = append(want, "type "+typ)
	}
	for _, a := range mqtt.Anomalies {
		want = append(want, a.Name)
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no bundled capture gives %s", w)
		}
	}
}

// TestGoldenCoverageTLS is TestGoldenCoverage for TLS: every documented
// anomaly, TLS 1.0 to 1.3, a HelloRetryRequest, an SSLv2-compatible
// ClientHello, resumption, ALPN, client certificates, self-signed and
// expired certificates, alerts in clear, the OT ports.
func TestGoldenCoverageTLS(t *testing.T) {
	seen := map[string]bool{}
	files, err := filepath.Glob(filepath.Join("golden", "*.events.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden event files (%v)", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" {
				continue
			}
			var ev struct {
				Timestamp string                  `json:"timestamp"`
				Port      int                     `json:"dest_port"`
				Anomaly   *struct{ Event string } `json:"anomaly"`
				TLS       *struct {
					Version    string          `json:"version"`
					ALPN       string          `json:"alpn"`
					HRR        bool            `json:"hello_retry_request"`
					SSLv2      bool            `json:"sslv2_client_hello"`
					JA4        string          `json:"ja4"`
					Alert      json.RawMessage `json:"alert"`
					ClientCert json.RawMessage `json:"client_certificate"`
					Cert       *struct {
						SelfSigned bool   `json:"self_signed"`
						NotAfter   string `json:"not_after"`
					} `json:"certificate"`
				} `json:"tls"`
			}
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if ev.Anomaly != nil {
				seen[ev.Anomaly.Event] = true
			}
			r := ev.TLS
			if r == nil {
				continue
			}
			seen["version "+r.Version] = true
			seen[fmt.Sprintf("port %d", ev.Port)] = true
			for k, ok := range map[string]bool{
				"alpn":               r.ALPN != "",
				"hello_retry":        r.HRR,
				"sslv2":              r.SSLv2,
				"ja4":                r.JA4 != "",
				"alert":              len(r.Alert) > 0,
				"client_certificate": len(r.ClientCert) > 0,
				"self_signed":        r.Cert != nil && r.Cert.SelfSigned,
				"expired":            r.Cert != nil && r.Cert.NotAfter < ev.Timestamp,
			} {
				if ok {
					seen[k] = true
				}
			}
		}
	}
	want := []string{"version TLS 1.0", "version TLS 1.1", "version TLS 1.2", "version TLS 1.3", "port 443", "port 8883",
		"port 4843", "alpn", "hello_retry", "sslv2", "ja4", "alert", "client_certificate", "self_signed", "expired"}
	for _, a := range tls.Anomalies {
		want = append(want, a.Name)
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no bundled capture gives %s", w)
		}
	}
}
