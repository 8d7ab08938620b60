package alerts_test

import (
	"errors"
	"testing"

	"github.com/otsensor/otsensor/alerts"
)

// TestRulesReplay replays bundled captures with testdata/rules/good.yaml.
// The expected alerts were checked against the events output of the same
// captures (jq over otsensor replay --events): 6 write requests (FC 5, 6,
// 15, 16) from 10.0.0.10 to 10.0.0.21; one DNP3 direct operate with a
// group 41 analog output; 4 SUBSCRIBEs with a filter ending in '#' from
// 127.0.0.1; 2 handshakes with SNI historian.plant.local to 127.0.0.7.
func TestRulesReplay(t *testing.T) {
	tests := []struct {
		file, rule, src, dst string
		count                uint64
	}{
		{"modbus_functions.pcap", "custom.modbus-write-plc21", "10.0.0.10", "10.0.0.21", 6},
		{"dnp3_session.pcap", "custom.dnp3-direct-operate", "192.168.20.10", "192.168.20.21", 1},
		{"mqtt_live.pcap", "custom.mqtt-wildcard-subscribe", "127.0.0.1", "127.0.0.1", 4},
		{"tls_live.pcap", "custom.tls-historian", "127.0.0.1", "127.0.0.7", 2},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			rs, err := alerts.LoadRules("testdata/rules/good.yaml")
			if err != nil {
				t.Fatal(err)
			}
			e := alerts.NewEngine(alerts.Config{Rules: rs})
			replayInto(t, e, pcap(tc.file))
			var found []*alerts.Alert
			for _, a := range e.Alerts() {
				if len(a.Rule) > 7 && a.Rule[:7] == "custom." {
					found = append(found, a)
				}
			}
			if len(found) != 1 {
				t.Fatalf("%d custom alerts, want 1 (%s)", len(found), tc.rule)
			}
			a := found[0]
			if a.Rule != tc.rule || a.Source.IP.String() != tc.src || a.Destination.IP.String() != tc.dst || a.Count != tc.count {
				t.Errorf("got %s %s -> %s count %d, want %s %s -> %s count %d",
					a.Rule, a.Source.IP, a.Destination.IP, a.Count, tc.rule, tc.src, tc.dst, tc.count)
			}
			for _, st := range e.RuleStats() {
				if st.Errors != 0 {
					t.Errorf("rule %s: %d errors (%s)", st.ID, st.Errors, st.FirstError)
				}
			}
		})
	}
}

// TestRulesLoadBadFile: the bad rules of testdata/rules/with_errors.yaml are
// reported with their lines, and the good ones of good.yaml still load.
func TestRulesLoadBadFile(t *testing.T) {
	rs, err := alerts.LoadRules("testdata/rules")
	var bad alerts.RuleErrors
	if !asRuleErrors(err, &bad) {
		t.Fatalf("want RuleErrors, got %v", err)
	}
	if len(bad) != 6 || len(rs.Rules()) != 4 {
		t.Errorf("%d bad, %d loaded; want 6 and 4: %v", len(bad), len(rs.Rules()), err)
	}
}

func asRuleErrors(err error, re *alerts.RuleErrors) bool {
	return errors.As(err, re)
}
