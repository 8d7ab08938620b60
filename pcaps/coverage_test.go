package pcaps_test

import (
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
	type event struct {
		goldenAnomaly
		VLAN   []int `json:"vlan"`
		Modbus *struct {
			Function      string          `json:"function"`
			Response      bool            `json:"response"`
			ExceptionCode int             `json:"exception_code"`
			DeviceID      json.RawMessage `json:"device_id"`
		} `json:"modbus"`
	}
	eachGoldenEvent(t, func(ev *event) {
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
	})
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
	type event struct {
		goldenAnomaly
		Proto string `json:"proto"`
		DNP3  *struct {
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
	eachGoldenEvent(t, func(ev *event) {
		ev.mark(seen)
		d := ev.DNP3
		if d == nil {
			return
		}
		seen["proto "+ev.Proto] = true
		if d.LinkOnly {
			seen["link_only"] = true
			return
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
	})
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
	requireSeen(t, seen, want)
}

// TestGoldenCoverageMQTT is TestGoldenCoverage for MQTT: every documented
// anomaly, every packet type, the three protocol versions, credentials in
// clear, anonymous connects, wildcard subscriptions, refused connects,
// acks matched to their requests.
func TestGoldenCoverageMQTT(t *testing.T) {
	seen := map[string]bool{}
	type event struct {
		goldenAnomaly
		MQTT *struct {
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
	eachGoldenEvent(t, func(ev *event) {
		ev.mark(seen)
		m := ev.MQTT
		if m == nil {
			return
		}
		seen["type "+m.Type] = true
		seen[fmt.Sprintf("version %d", m.Version)] = true
		markTrue(seen, map[string]bool{
			"plaintext_credentials": m.Plaintext,
			"anonymous":             m.Anonymous,
			"will":                  m.Will != nil,
			"properties":            m.Properties != nil,
			"refused connect":       m.Type == "CONNACK" && ((m.ReturnCode != nil && *m.ReturnCode != 0) || (m.ReasonCode != nil && *m.ReasonCode != 0)),
			"ack with its topic":    m.Type == "PUBACK" && m.Topic != "",
			"suback with filters":   m.Type == "SUBACK" && len(m.Topics) > 0 && len(m.ReasonCodes) > 0,
		})
		for _, f := range m.Topics {
			if f.Wildcard {
				seen["wildcard filter"] = true
			}
		}
	})
	want := []string{"version 3", "version 4", "version 5", "plaintext_credentials", "anonymous", "will",
		"properties", "refused connect", "ack with its topic", "suback with filters", "wildcard filter"}
	for _, typ := range []string{"CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
		"SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "RESERVED"} {
		want = append(want, "type "+typ)
	}
	for _, a := range mqtt.Anomalies {
		want = append(want, a.Name)
	}
	requireSeen(t, seen, want)
}

// TestGoldenCoverageTLS is TestGoldenCoverage for TLS: every documented
// anomaly, TLS 1.0 to 1.3, a HelloRetryRequest, an SSLv2-compatible
// ClientHello, resumption, ALPN, client certificates, self-signed and
// expired certificates, alerts in clear, the OT ports.
func TestGoldenCoverageTLS(t *testing.T) {
	seen := map[string]bool{}
	type event struct {
		goldenAnomaly
		Timestamp string `json:"timestamp"`
		Port      int    `json:"dest_port"`
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
	eachGoldenEvent(t, func(ev *event) {
		ev.mark(seen)
		r := ev.TLS
		if r == nil {
			return
		}
		seen["version "+r.Version] = true
		seen[fmt.Sprintf("port %d", ev.Port)] = true
		markTrue(seen, map[string]bool{
			"alpn":               r.ALPN != "",
			"hello_retry":        r.HRR,
			"sslv2":              r.SSLv2,
			"ja4":                r.JA4 != "",
			"alert":              len(r.Alert) > 0,
			"client_certificate": len(r.ClientCert) > 0,
			"self_signed":        r.Cert != nil && r.Cert.SelfSigned,
			"expired":            r.Cert != nil && r.Cert.NotAfter < ev.Timestamp,
		})
	})
	want := []string{"version TLS 1.0", "version TLS 1.1", "version TLS 1.2", "version TLS 1.3", "port 443", "port 8883",
		"port 4843", "alpn", "hello_retry", "sslv2", "ja4", "alert", "client_certificate", "self_signed", "expired"}
	for _, a := range tls.Anomalies {
		want = append(want, a.Name)
	}
	requireSeen(t, seen, want)
}
