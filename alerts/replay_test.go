package alerts_test

import (
	"os"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/alerts"
)

// TestReplayCaptures replays the repository's captures through the real
// pipeline and checks the alerts each must raise (what pcaps/gen put in
// them, see pcaps/README.md).
func TestReplayCaptures(t *testing.T) {
	type must struct{ rule, title string }
	cases := []struct {
		file string
		must []must
	}{
		{"dnp3_session.pcap", []must{{"dnp3.restart", "cold restart"}}},
		{"tls_live.pcap", []must{
			{"tls.weak_version", "TLS 1.0"}, {"tls.weak_version", "TLS 1.1"},
			{"tls.certificate_validity", "expired"}, {"tls.self_signed_certificate", ""},
		}},
		{"mqtt_live.pcap", []must{{"mqtt.anonymous_connect", ""}, {"mqtt.plaintext_credentials", ""}}},
		{"modbus_functions.pcap", []must{
			{"modbus.programming", "(function code 90)"}, {"modbus.programming", "(function code 125)"},
			{"modbus.programming", "(function code 126)"}, {"modbus.programming", "(function code 40)"},
		}},
		{"modbus_malformed.pcap", []must{{"protocol.violation", "modbus.invalid_length"}, {"protocol.violation", "modbus.invalid_protocol_id"}}},
		{"dnp3_malformed.pcap", []must{{"protocol.violation", "dnp3.bad_link_crc"}}},
		{"mqtt_malformed.pcap", []must{{"protocol.violation", "mqtt.malformed_packet"}}},
		{"tls_malformed.pcap", []must{{"protocol.violation", "tls.heartbeat"}}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			e := alerts.NewEngine(alerts.Config{})
			replayInto(t, e, pcap(tc.file))
			got := e.Alerts()
			for _, m := range tc.must {
				found := false
				for _, a := range got {
					if a.Rule == m.rule && strings.Contains(a.Title, m.title) {
						found = true
						if a.Source.IP == a.Destination.IP && a.Source.Port == a.Destination.Port {
							t.Errorf("%s: source and destination are the same endpoint %v", a.Rule, a.Source)
						}
					}
				}
				if !found {
					t.Errorf("no %s alert titled %q", m.rule, m.title)
				}
			}
			first := map[string]uint64{}
			for _, a := range got {
				first[a.ID] = a.Count
			}
			// replaying it again aggregates: same ids, counts doubled
			replayInto(t, e, pcap(tc.file))
			again := e.Alerts()
			if len(again) != len(got) {
				t.Fatalf("second replay: %d alerts, first %d", len(again), len(got))
			}
			for _, a := range again {
				n, ok := first[a.ID]
				if !ok {
					t.Errorf("second replay raised a new alert %s %q", a.Rule, a.Title)
				} else if a.Count != 2*n {
					t.Errorf("%s %q: count %d after two replays, %d after one", a.Rule, a.Title, a.Count, n)
				}
			}
		})
	}
}

// TestReplaySharedCorpus replays every capture of the shared corpus:
// nothing panics, and every alert has a catalogued rule.
func TestReplaySharedCorpus(t *testing.T) {
	files := sharedCaptures(t)
	rules := map[string]bool{}
	for _, d := range alerts.Detections {
		rules[d.Rule] = true
	}
	e := alerts.NewEngine(alerts.Config{})
	replayInto(t, e, files...)
	byRule := map[string]int{}
	for _, a := range e.Alerts() {
		if !rules[a.Rule] {
			t.Errorf("alert with uncatalogued rule %q", a.Rule)
		}
		byRule[a.Rule]++
	}
	// the corpus holds DNP3 restarts, weak TLS and MQTT logins (zeek's
	// dnp3.pcap, tls1.2.pcap with RC4, suricata-verify's mqtt tests)
	for _, r := range []string{"dnp3.restart", "tls.weak_cipher", "tls.weak_version", "mqtt.plaintext_credentials", "modbus.programming", "protocol.violation"} {
		if byRule[r] == 0 {
			t.Errorf("no %s alert from the shared corpus", r)
		}
	}
	t.Logf("%d captures: %v", len(files), byRule)
}

func sharedCaptures(t *testing.T) []string {
	t.Helper()
	dir := sharedDir
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the shared capture corpus is missing (%v): tests need ../shared/pcaps next to the checkout", err)
	}
	var files []string
	err := walkCaptures(dir, &files)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no captures under %s", dir)
	}
	return files
}
