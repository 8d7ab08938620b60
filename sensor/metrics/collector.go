package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/outbox"
)

// IfaceStats is one capture interface's counters, converted by the daemon
// from the capture engine's own statistics.
type IfaceStats struct {
	Name         string
	Packets      uint64 // frames captured
	Bytes        uint64 // their wire bytes
	KernelDrops  uint64 // frames the kernel dropped (ring full)
	QueueFreezes uint64 // times the ring froze
	Quiet        bool   // no packets for longer than the quiet threshold
	LastPacket   time.Time
}

// AlertClass is a group of alerts counted together.
type AlertClass struct {
	Severity alerts.Severity
	Engine   string // alerts.Engine*
	State    string // alerts.State*
}

// AlertCounts is the alert engine's state at one instant.
type AlertCounts struct {
	Held  map[AlertClass]uint64 // alerts held by the engine, by class (CountAlerts)
	Stats alerts.Stats          // the engine's counters
}

// CountAlerts groups alerts by class.
func CountAlerts(as []*alerts.Alert) map[AlertClass]uint64 {
	m := make(map[AlertClass]uint64)
	for _, a := range as {
		m[AlertClass{Severity: a.Severity, Engine: a.Engine, State: a.State}]++
	}
	return m
}

// Sources are the snapshots a Collector reads at each scrape. Each is
// optional: a nil function leaves its metrics out. They are called from
// the scraping goroutine, possibly from two scrapes at once, so each must
// be safe for that (take the pipeline's lock where the data needs it).
type Sources struct {
	Capture  func() []IfaceStats
	Drops    func() map[string]uint64 // drops by reason: kernel, queue_freeze, decode, ...
	Alerts   func() AlertCounts
	Outbox   func() (outbox.Status, error)
	Devices  func() int
	Baseline func() string // alerts.ModeLearning or alerts.ModeOperational
	// Now is the wall clock for the age of the outbox's oldest message
	// (default time.Now).
	Now func() time.Time
}

// Collector is a prometheus.Collector that reports Sources' snapshots.
type Collector struct {
	src Sources

	ifPackets, ifBytes, ifKernelDrops, ifFreezes, ifQuiet, ifLast *prometheus.Desc
	drops                                                         *prometheus.Desc
	alertsHeld, alertsRaised, alertHits, alertsDropped, stateDrop *prometheus.Desc
	obUp, obMessages, obBytes, obMaxBytes, obOldest               *prometheus.Desc
	skPending, skSent, skFailed, skDropped, skBytes, skFailing    *prometheus.Desc
	devices, baseline                                             *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a Collector reading src.
func NewCollector(src Sources) *Collector {
	if src.Now == nil {
		src.Now = time.Now
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("otsensor_"+name, help, labels, nil)
	}
	iface, sink := "interface", "sink"
	return &Collector{
		src:           src,
		ifPackets:     d("capture_packets_total", "Frames captured, by interface.", iface),
		ifBytes:       d("capture_bytes_total", "Wire bytes of the frames captured, by interface.", iface),
		ifKernelDrops: d("capture_kernel_drops_total", "Frames the kernel dropped before capture, by interface.", iface),
		ifFreezes:     d("capture_queue_freezes_total", "Times the capture ring froze, by interface.", iface),
		ifQuiet:       d("capture_quiet", "1 while an interface has had no packets for longer than the quiet threshold.", iface),
		ifLast:        d("capture_last_packet_timestamp_seconds", "Unix time of the newest packet, by interface (absent before the first).", iface),
		drops:         d("drops_total", "Packets, events or records the sensor lost, by reason.", "reason"),
		alertsHeld:    d("alerts", "Alerts held by the alert engine, by severity, engine and state.", "severity", "engine", "state"),
		alertsRaised:  d("alerts_raised_total", "Alerts created by the alert engine."),
		alertHits:     d("alert_detections_total", "Detections that fired (new or aggregated alerts)."),
		alertsDropped: d("alerts_dropped_total", "New alerts not kept because the engine's alert cap was reached."),
		stateDrop:     d("alert_state_dropped_total", "Scan sources, pairs or links not tracked because the engine's tracking cap was reached."),
		obUp:          d("outbox_up", "1 when the outbox status could be read, else 0 (the other outbox metrics are then absent)."),
		obMessages:    d("outbox_messages", "Messages stored in the outbox."),
		obBytes:       d("outbox_bytes", "Size of the messages stored in the outbox."),
		obMaxBytes:    d("outbox_max_bytes", "The outbox's size cap."),
		obOldest:      d("outbox_oldest_age_seconds", "Age of the oldest message in the outbox (0 when empty)."),
		skPending:     d("sink_pending_messages", "Stored messages a sink has not confirmed yet.", sink),
		skSent:        d("sink_sent_messages_total", "Messages a sink confirmed.", sink),
		skFailed:      d("sink_failed_sends_total", "Failed sends (batches) to a sink.", sink),
		skDropped:     d("sink_dropped_messages_total", "Messages the outbox cap dropped before a sink sent them.", sink),
		skBytes:       d("sink_sent_bytes_total", "Body bytes a sink confirmed.", sink),
		skFailing:     d("sink_failing", "1 while a sink's last send failed.", sink),
		devices:       d("devices", "Devices in the inventory."),
		baseline:      d("baseline_mode", "1 for the baseline's current mode, 0 for the others.", "mode"),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.ifPackets, c.ifBytes, c.ifKernelDrops, c.ifFreezes, c.ifQuiet, c.ifLast,
		c.drops,
		c.alertsHeld, c.alertsRaised, c.alertHits, c.alertsDropped, c.stateDrop,
		c.obUp, c.obMessages, c.obBytes, c.obMaxBytes, c.obOldest,
		c.skPending, c.skSent, c.skFailed, c.skDropped, c.skBytes, c.skFailing,
		c.devices, c.baseline,
	} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.src.Capture != nil {
		c.collectCapture(ch, c.src.Capture())
	}
	if c.src.Drops != nil {
		for reason, n := range c.src.Drops() {
			counter(ch, c.drops, n, reason)
		}
	}
	if c.src.Alerts != nil {
		c.collectAlerts(ch, c.src.Alerts())
	}
	if c.src.Outbox != nil {
		st, err := c.src.Outbox()
		c.collectOutbox(ch, st, err)
	}
	if c.src.Devices != nil {
		gauge(ch, c.devices, float64(c.src.Devices()))
	}
	if c.src.Baseline != nil {
		c.collectBaseline(ch, c.src.Baseline())
	}
}

func (c *Collector) collectCapture(ch chan<- prometheus.Metric, ifs []IfaceStats) {
	for _, s := range ifs {
		counter(ch, c.ifPackets, s.Packets, s.Name)
		counter(ch, c.ifBytes, s.Bytes, s.Name)
		counter(ch, c.ifKernelDrops, s.KernelDrops, s.Name)
		counter(ch, c.ifFreezes, s.QueueFreezes, s.Name)
		gauge(ch, c.ifQuiet, boolValue(s.Quiet), s.Name)
		if !s.LastPacket.IsZero() {
			gauge(ch, c.ifLast, unixSeconds(s.LastPacket), s.Name)
		}
	}
}

// knownEngines are reported at zero with state "new" when no alert has
// them, so that queries on new alerts always find a series.
var knownEngines = [...]string{alerts.EnginePolicy, alerts.EngineProtocol, alerts.EngineAnomaly, alerts.EngineOperational}

func (c *Collector) collectAlerts(ch chan<- prometheus.Metric, a AlertCounts) {
	held := a.Held
	for sev := alerts.Low; sev <= alerts.Critical; sev++ {
		for _, eng := range knownEngines {
			k := AlertClass{Severity: sev, Engine: eng, State: alerts.StateNew}
			if _, ok := held[k]; !ok {
				gauge(ch, c.alertsHeld, 0, sev.String(), eng, alerts.StateNew)
			}
		}
	}
	for k, n := range held {
		gauge(ch, c.alertsHeld, float64(n), k.Severity.String(), k.Engine, k.State)
	}
	counter(ch, c.alertsRaised, a.Stats.Raised)
	counter(ch, c.alertHits, a.Stats.Hits)
	counter(ch, c.alertsDropped, a.Stats.DroppedAlerts)
	counter(ch, c.stateDrop, a.Stats.DroppedState)
}

func (c *Collector) collectOutbox(ch chan<- prometheus.Metric, st outbox.Status, err error) {
	if err != nil {
		gauge(ch, c.obUp, 0)
		return
	}
	gauge(ch, c.obUp, 1)
	gauge(ch, c.obMessages, float64(st.Depth))
	gauge(ch, c.obBytes, float64(st.Bytes))
	gauge(ch, c.obMaxBytes, float64(st.MaxBytes))
	age := 0.0
	if !st.Oldest.IsZero() {
		age = max(c.src.Now().Sub(st.Oldest).Seconds(), 0)
	}
	gauge(ch, c.obOldest, age)
	for _, s := range st.Sinks {
		gauge(ch, c.skPending, float64(s.Pending), s.Name)
		counter(ch, c.skSent, s.Sent, s.Name)
		counter(ch, c.skFailed, s.Failed, s.Name)
		counter(ch, c.skDropped, s.Dropped, s.Name)
		counter(ch, c.skBytes, uint64(max(s.BytesSent, 0)), s.Name)
		gauge(ch, c.skFailing, boolValue(s.Failing), s.Name)
	}
}

func (c *Collector) collectBaseline(ch chan<- prometheus.Metric, mode string) {
	known := false
	for _, m := range [...]string{alerts.ModeLearning, alerts.ModeOperational} {
		known = known || m == mode
		gauge(ch, c.baseline, boolValue(m == mode), m)
	}
	if !known && mode != "" {
		gauge(ch, c.baseline, 1, mode)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
