package metrics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/outbox"
)

var scrapeTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) // Unix 1714564800

func fullSources() Sources {
	return Sources{
		Capture: func() []IfaceStats {
			return []IfaceStats{
				{Name: "eth1", Packets: 1000, Bytes: 64000, KernelDrops: 3, QueueFreezes: 1,
					LastPacket: scrapeTime.Add(-500 * time.Millisecond)},
				{Name: "eth2", Quiet: true},
			}
		},
		Drops: func() map[string]uint64 {
			return map[string]uint64{"kernel": 3, "decode": 2, "stream_gap": 1}
		},
		Alerts: func() AlertCounts {
			return AlertCounts{
				Held: CountAlerts([]*alerts.Alert{
					{Severity: alerts.High, Engine: alerts.EngineProtocol, State: alerts.StateNew},
					{Severity: alerts.High, Engine: alerts.EngineProtocol, State: alerts.StateNew},
					{Severity: alerts.Critical, Engine: alerts.EngineOperational, State: alerts.StateAcknowledged},
				}),
				Stats: alerts.Stats{Alerts: 3, Raised: 5, Hits: 9, DroppedAlerts: 1},
			}
		},
		Outbox: func() (outbox.Status, error) {
			return outbox.Status{
				Depth: 7, Bytes: 4096, MaxBytes: 1 << 20, NextSeq: 214,
				Oldest: scrapeTime.Add(-90 * time.Second),
				Sinks: []outbox.SinkStatus{
					{Name: "syslog", Pending: 7, Sent: 100, Failed: 2, BytesSent: 51200, Failing: true,
						LastError: "dial tcp 10.1.1.1:514: connection refused"},
					{Name: "webhook", Sent: 107, BytesSent: 60000},
				},
			}, nil
		},
		Devices:  func() int { return 12 },
		Baseline: func() string { return alerts.ModeOperational },
		Now:      func() time.Time { return scrapeTime },
	}
}

// The expected exposition, written from fullSources by hand.
const fullExposition = `
# HELP otsensor_alert_detections_total Detections that fired (new or aggregated alerts).
# TYPE otsensor_alert_detections_total counter
otsensor_alert_detections_total 9
# HELP otsensor_alert_state_dropped_total Scan sources, pairs or links not tracked because the engine's tracking cap was reached.
# TYPE otsensor_alert_state_dropped_total counter
otsensor_alert_state_dropped_total 0
# HELP otsensor_alerts Alerts held by the alert engine, by severity, engine and state.
# TYPE otsensor_alerts gauge
otsensor_alerts{engine="anomaly",severity="critical",state="new"} 0
otsensor_alerts{engine="anomaly",severity="high",state="new"} 0
otsensor_alerts{engine="anomaly",severity="low",state="new"} 0
otsensor_alerts{engine="anomaly",severity="medium",state="new"} 0
otsensor_alerts{engine="operational",severity="critical",state="acknowledged"} 1
otsensor_alerts{engine="operational",severity="critical",state="new"} 0
otsensor_alerts{engine="operational",severity="high",state="new"} 0
otsensor_alerts{engine="operational",severity="low",state="new"} 0
otsensor_alerts{engine="operational",severity="medium",state="new"} 0
otsensor_alerts{engine="policy",severity="critical",state="new"} 0
otsensor_alerts{engine="policy",severity="high",state="new"} 0
otsensor_alerts{engine="policy",severity="low",state="new"} 0
otsensor_alerts{engine="policy",severity="medium",state="new"} 0
otsensor_alerts{engine="protocol",severity="critical",state="new"} 0
otsensor_alerts{engine="protocol",severity="high",state="new"} 2
otsensor_alerts{engine="protocol",severity="low",state="new"} 0
otsensor_alerts{engine="protocol",severity="medium",state="new"} 0
# HELP otsensor_alerts_dropped_total New alerts not kept because the engine's alert cap was reached.
# TYPE otsensor_alerts_dropped_total counter
otsensor_alerts_dropped_total 1
# HELP otsensor_alerts_raised_total Alerts created by the alert engine.
# TYPE otsensor_alerts_raised_total counter
otsensor_alerts_raised_total 5
# HELP otsensor_baseline_mode 1 for the baseline's current mode, 0 for the others.
# TYPE otsensor_baseline_mode gauge
otsensor_baseline_mode{mode="learning"} 0
otsensor_baseline_mode{mode="operational"} 1
# HELP otsensor_capture_bytes_total Wire bytes of the frames captured, by interface.
# TYPE otsensor_capture_bytes_total counter
otsensor_capture_bytes_total{interface="eth1"} 64000
otsensor_capture_bytes_total{interface="eth2"} 0
# HELP otsensor_capture_kernel_drops_total Frames the kernel dropped before capture, by interface.
# TYPE otsensor_capture_kernel_drops_total counter
otsensor_capture_kernel_drops_total{interface="eth1"} 3
otsensor_capture_kernel_drops_total{interface="eth2"} 0
# HELP otsensor_capture_last_packet_timestamp_seconds Unix time of the newest packet, by interface (absent before the first).
# TYPE otsensor_capture_last_packet_timestamp_seconds gauge
otsensor_capture_last_packet_timestamp_seconds{interface="eth1"} 1.7145647995e+09
# HELP otsensor_capture_packets_total Frames captured, by interface.
# TYPE otsensor_capture_packets_total counter
otsensor_capture_packets_total{interface="eth1"} 1000
otsensor_capture_packets_total{interface="eth2"} 0
# HELP otsensor_capture_queue_freezes_total Times the capture ring froze, by interface.
# TYPE otsensor_capture_queue_freezes_total counter
otsensor_capture_queue_freezes_total{interface="eth1"} 1
otsensor_capture_queue_freezes_total{interface="eth2"} 0
# HELP otsensor_capture_quiet 1 while an interface has had no packets for longer than the quiet threshold.
# TYPE otsensor_capture_quiet gauge
otsensor_capture_quiet{interface="eth1"} 0
otsensor_capture_quiet{interface="eth2"} 1
# HELP otsensor_devices Devices in the inventory.
# TYPE otsensor_devices gauge
otsensor_devices 12
# HELP otsensor_drops_total Packets, events or records the sensor lost, by reason.
# TYPE otsensor_drops_total counter
otsensor_drops_total{reason="decode"} 2
otsensor_drops_total{reason="kernel"} 3
otsensor_drops_total{reason="stream_gap"} 1
# HELP otsensor_outbox_bytes Size of the messages stored in the outbox.
# TYPE otsensor_outbox_bytes gauge
otsensor_outbox_bytes 4096
# HELP otsensor_outbox_max_bytes The outbox's size cap.
# TYPE otsensor_outbox_max_bytes gauge
otsensor_outbox_max_bytes 1.048576e+06
# HELP otsensor_outbox_messages Messages stored in the outbox.
# TYPE otsensor_outbox_messages gauge
otsensor_outbox_messages 7
# HELP otsensor_outbox_oldest_age_seconds Age of the oldest message in the outbox (0 when empty).
# TYPE otsensor_outbox_oldest_age_seconds gauge
otsensor_outbox_oldest_age_seconds 90
# HELP otsensor_outbox_up 1 when the outbox status could be read, else 0 (the other outbox metrics are then absent).
# TYPE otsensor_outbox_up gauge
otsensor_outbox_up 1
# HELP otsensor_sink_dropped_messages_total Messages the outbox cap dropped before a sink sent them.
# TYPE otsensor_sink_dropped_messages_total counter
otsensor_sink_dropped_messages_total{sink="syslog"} 0
otsensor_sink_dropped_messages_total{sink="webhook"} 0
# HELP otsensor_sink_failed_sends_total Failed sends (batches) to a sink.
# TYPE otsensor_sink_failed_sends_total counter
otsensor_sink_failed_sends_total{sink="syslog"} 2
otsensor_sink_failed_sends_total{sink="webhook"} 0
# HELP otsensor_sink_failing 1 while a sink's last send failed.
# TYPE otsensor_sink_failing gauge
otsensor_sink_failing{sink="syslog"} 1
otsensor_sink_failing{sink="webhook"} 0
# HELP otsensor_sink_pending_messages Stored messages a sink has not confirmed yet.
# TYPE otsensor_sink_pending_messages gauge
otsensor_sink_pending_messages{sink="syslog"} 7
otsensor_sink_pending_messages{sink="webhook"} 0
# HELP otsensor_sink_sent_bytes_total Body bytes a sink confirmed.
# TYPE otsensor_sink_sent_bytes_total counter
otsensor_sink_sent_bytes_total{sink="syslog"} 51200
otsensor_sink_sent_bytes_total{sink="webhook"} 60000
# HELP otsensor_sink_sent_messages_total Messages a sink confirmed.
# TYPE otsensor_sink_sent_messages_total counter
otsensor_sink_sent_messages_total{sink="syslog"} 100
otsensor_sink_sent_messages_total{sink="webhook"} 107
`

func TestCollectorExposition(t *testing.T) {
	if err := testutil.CollectAndCompare(NewCollector(fullSources()), strings.NewReader(fullExposition)); err != nil {
		t.Error(err)
	}
}

func TestCollectorOutboxError(t *testing.T) {
	src := Sources{Outbox: func() (outbox.Status, error) { return outbox.Status{}, outbox.ErrClosed }}
	const want = `
# HELP otsensor_outbox_up 1 when the outbox status could be read, else 0 (the other outbox metrics are then absent).
# TYPE otsensor_outbox_up gauge
otsensor_outbox_up 0
`
	if err := testutil.CollectAndCompare(NewCollector(src), strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

func TestCollectorEdgeCases(t *testing.T) {
	// No sources: nothing reported, and the registry accepts it.
	if n := testutil.CollectAndCount(NewCollector(Sources{})); n != 0 {
		t.Errorf("empty sources: %d metrics, want 0", n)
	}
	// An empty outbox has age 0, whatever the clock; an unknown baseline
	// mode is still reported.
	src := Sources{
		Outbox:   func() (outbox.Status, error) { return outbox.Status{MaxBytes: 10}, nil },
		Baseline: func() string { return "frozen" },
		Now:      func() time.Time { return scrapeTime },
	}
	vs := values(t, NewCollector(src))
	for k, want := range map[string]float64{
		"otsensor_outbox_oldest_age_seconds":         0,
		"otsensor_outbox_messages":                   0,
		`otsensor_baseline_mode{mode="frozen"}`:      1,
		`otsensor_baseline_mode{mode="learning"}`:    0,
		`otsensor_baseline_mode{mode="operational"}`: 0,
	} {
		if got, ok := vs[k]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, want)
		}
	}
}

// TestLint runs promlint over everything the package exports.
func TestLint(t *testing.T) {
	o := NewObserver(ObserverOptions{})
	for name, c := range map[string]prometheus.Collector{"observer": o, "collector": NewCollector(fullSources())} {
		problems, err := testutil.CollectAndLint(c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s: %s", name, p.Metric, p.Text)
		}
	}
}

// TestRegistry registers both collectors on one registry: their metric
// names must not clash, and a pedantic registry checks every metric
// against its description.
func TestRegistry(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(NewObserver(ObserverOptions{})); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(NewCollector(fullSources())); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Gather(); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(NewObserver(ObserverOptions{})); !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
		t.Errorf("second observer: %v, want AlreadyRegisteredError", err)
	}
}
