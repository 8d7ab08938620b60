package metrics

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/sensor"
	"github.com/otsensor/otsensor/sensor/flow"
)

// pcapDir is the shared captures, read in place.
var pcapDir = filepath.Join("..", "..", "..", "shared", "pcaps")

// recordCounter counts records per protocol, as a second opinion.
type recordCounter map[string]uint64

func (c recordCounter) Event(ev *dissectors.Event) {
	if ev.Record != nil {
		c[ev.Record.AppProto()]++
	}
}
func (recordCounter) Flow(*flow.Update)       {}
func (recordCounter) Neighbor(*flow.Neighbor) {}

// replayFiles are real captures of the four protocols (the test fails if
// the shared captures are missing).
func replayFiles() []string {
	files := []string{
		"icsnpp-modbus/testing/traces/modbus_example.pcap",
		"suricata-verify/tests/modbus/modbus.pcap",
		"suricata-verify/tests/mqtt5-pub-qos1/input.pcap",
		"suricata-verify/tests/mqtt-events-missing-connect/input.pcap",
		"suricata-verify/tests/tls-duplicate-hello/input.pcap",
		"icsnpp-dnp3/testing/traces/dnp3_example.pcap",
	}
	for i, f := range files {
		files[i] = filepath.Join(pcapDir, f)
	}
	return files
}

// TestReplayTotals replays real captures of the four protocols through
// the pipeline with the Observer in its Tee and checks its counters
// against the flow layer's own (sensor.Summary).
func TestReplayTotals(t *testing.T) {
	if _, err := os.Stat(pcapDir); err != nil {
		t.Fatalf("shared captures missing: %v", err)
	}
	files := replayFiles()
	o := NewObserver(ObserverOptions{})
	rc := recordCounter{}
	sum, err := sensor.Replay(context.Background(), files, sensor.ReplayConfig{
		Flow:       flow.DefaultConfig(),
		Dissectors: all.Dissectors(all.Options{}),
		Observer:   flow.Tee{o, rc},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.FileErrors) > 0 {
		t.Fatalf("file errors: %+v", sum.FileErrors)
	}
	vs := values(t, o)
	total := func(name string, labels ...string) float64 {
		var n float64
		for _, l := range labels {
			n += vs[name+"{"+l+"}"]
		}
		return n
	}
	var events, anomalies float64
	for k, v := range vs {
		switch {
		case len(k) > 22 && k[:22] == "otsensor_events_total{":
			events += v
		case len(k) > 25 && k[:25] == "otsensor_anomalies_total{":
			anomalies += v
		}
	}
	check := func(what string, got float64, want uint64) {
		t.Helper()
		if got != float64(want) {
			t.Errorf("%s: metrics say %v, the pipeline %d", what, got, want)
		}
	}
	check("events", events, sum.Events)
	check("anomalies", anomalies, sum.Anomalies)
	for _, p := range DefaultAppProtos() {
		check(p+" events", vs[`otsensor_events_total{app_proto="`+p+`"}`], rc[p])
		if rc[p] == 0 {
			t.Errorf("no %s records in the corpus", p)
		}
	}
	check(`other events`, vs[`otsensor_events_total{app_proto="other"}`], 0)
	check("tcp flows started", vs[`otsensor_flows_started_total{transport="tcp"}`], sum.FlowsTCP)
	check("udp flows started", vs[`otsensor_flows_started_total{transport="udp"}`], sum.FlowsUDP)
	other := []string{`transport="icmp"`, `transport="icmpv6"`, `transport="other"`}
	check("other flows started", total("otsensor_flows_started_total", other...), sum.FlowsOther)
	// Replay closes every flow at the end of input.
	for _, tr := range transportNames {
		l := `{transport="` + tr + `"}`
		if s, e := vs["otsensor_flows_started_total"+l], vs["otsensor_flows_ended_total"+l]; s != e {
			t.Errorf("%s: %v flows started, %v ended", tr, s, e)
		}
	}
	t.Logf("%d packets, %d flows, %d events, %d anomalies", sum.Packets, sum.Flows, sum.Events, sum.Anomalies)
}
