package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// Other is the label value that counts what is outside a known set: an
// application protocol, anomaly name or transport the Observer was not
// given.
const Other = "other"

// Transport label values, in the order of the Observer's counters.
var transportNames = [...]string{"tcp", "udp", "icmp", "icmpv6", Other}

// transportIndex maps an IP protocol to its counter.
func transportIndex(t dissectors.Transport) int {
	switch t {
	case dissectors.TCP:
		return 0
	case dissectors.UDP:
		return 1
	case 1:
		return 2
	case 58:
		return 3
	}
	return len(transportNames) - 1
}

// ObserverOptions name what an Observer counts separately; the zero value
// takes the defaults. Anything else is counted under the label Other, so
// that the number of series stays bounded.
type ObserverOptions struct {
	AppProtos []string // record protocols (default DefaultAppProtos())
	Anomalies []string // anomaly names (default DefaultAnomalies())
}

// Observer counts what the pipeline reports. It implements flow.Observer
// (add it to the pipeline's flow.Tee) and prometheus.Collector (register
// it). Counting is an atomic add on a slot found without allocating, so it
// is safe from any number of goroutines, with or without the pipeline's
// lock, and scrapes read it while it runs.
type Observer struct {
	protos    []string
	events    []atomic.Uint64 // per protos, then Other
	anomalyIx map[string]int  // read-only after NewObserver
	anomNames []string        // per slot, Other last
	anomalies []atomic.Uint64
	started   [len(transportNames)]atomic.Uint64
	ended     [len(transportNames)]atomic.Uint64
	neighbors atomic.Uint64
	// lastEnded remembers recently ended flow ids, one per slot (id mod
	// endedSlots), so that the updates a flow gets after its end are not
	// counted as ends again (see Flow).
	lastEnded *[endedSlots]atomic.Uint64

	eventsDesc, anomaliesDesc, startedDesc, endedDesc, neighborsDesc *prometheus.Desc
}

var (
	_ flow.Observer        = (*Observer)(nil)
	_ prometheus.Collector = (*Observer)(nil)
)

// NewObserver returns an Observer with every counter at zero.
func NewObserver(opts ObserverOptions) *Observer {
	if opts.AppProtos == nil {
		opts.AppProtos = DefaultAppProtos()
	}
	if opts.Anomalies == nil {
		opts.Anomalies = DefaultAnomalies()
	}
	o := &Observer{anomalyIx: map[string]int{}, lastEnded: new([endedSlots]atomic.Uint64)}
	seen := map[string]bool{Other: true}
	for _, p := range opts.AppProtos {
		if !seen[p] {
			seen[p] = true
			o.protos = append(o.protos, p)
		}
	}
	o.events = make([]atomic.Uint64, len(o.protos)+1)
	for _, n := range opts.Anomalies {
		if _, dup := o.anomalyIx[n]; !dup && n != Other {
			o.anomalyIx[n] = len(o.anomNames)
			o.anomNames = append(o.anomNames, n)
		}
	}
	o.anomNames = append(o.anomNames, Other)
	o.anomalies = make([]atomic.Uint64, len(o.anomNames))

	o.eventsDesc = prometheus.NewDesc("otsensor_events_total",
		"Application records (PDUs, transactions) the dissectors produced, by protocol.",
		[]string{"app_proto"}, nil)
	o.anomaliesDesc = prometheus.NewDesc("otsensor_anomalies_total",
		"Anomaly events raised by the dissectors and the flow layer, by anomaly name.",
		[]string{"anomaly"}, nil)
	o.startedDesc = prometheus.NewDesc("otsensor_flows_started_total",
		"Flows reported for the first time (at their first checkpoint or their end), by transport.",
		[]string{"transport"}, nil)
	o.endedDesc = prometheus.NewDesc("otsensor_flows_ended_total",
		"Flows ended (FIN/RST, idle, end of input or shutdown), by transport.",
		[]string{"transport"}, nil)
	o.neighborsDesc = prometheus.NewDesc("otsensor_neighbor_frames_total",
		"Non-IP frames reported to the inventory (ARP, LLDP, GOOSE, PROFINET, ...).",
		nil, nil)
	return o
}

// Event implements flow.Observer.
func (o *Observer) Event(ev *dissectors.Event) {
	switch {
	case ev.Anomaly != nil:
		i, ok := o.anomalyIx[ev.Anomaly.Name]
		if !ok {
			i = len(o.anomNames) - 1
		}
		o.anomalies[i].Add(1)
	case ev.Record != nil:
		o.events[o.protoIndex(ev.Record.AppProto())].Add(1)
	}
}

// protoIndex returns the events slot of an application protocol.
func (o *Observer) protoIndex(p string) int {
	for i, q := range o.protos {
		if q == p {
			return i
		}
	}
	return len(o.protos)
}

// endedSlots is the size of the table of recently ended flows (8 bytes a
// slot).
const endedSlots = 1 << 16

// Flow implements flow.Observer. A flow starts on its first update (New)
// and ends on its first update with Ended. The flow layer keeps counting
// the packets of a TCP connection that ended (trailing ACKs,
// retransmissions) and reports them in further updates that also say
// Ended; such a repeat is recognised by the flow's ID in a table of recent
// ends and not counted again. A repeat whose slot another flow took in
// between is counted twice: rare while far fewer than 65536 (endedSlots)
// flows end in a minute and a half (the flow layer's linger plus a
// checkpoint). A field on flow.Update marking such repeats would make the
// table unnecessary.
func (o *Observer) Flow(u *flow.Update) {
	if !u.New && !u.Ended {
		return
	}
	t := len(transportNames) - 1
	if u.Flow != nil {
		t = transportIndex(u.Flow.Transport)
	}
	if u.New {
		o.started[t].Add(1)
	}
	if u.Ended && (u.Flow == nil || o.firstEnd(u.Flow.ID)) {
		o.ended[t].Add(1)
	}
}

// firstEnd records id as ended and tells whether it was not already.
func (o *Observer) firstEnd(id uint64) bool {
	if id == 0 {
		id = 1 // 0 marks an empty slot
	}
	return o.lastEnded[id%endedSlots].Swap(id) != id
}

// Neighbor implements flow.Observer.
func (o *Observer) Neighbor(*flow.Neighbor) { o.neighbors.Add(1) }

// Describe implements prometheus.Collector.
func (o *Observer) Describe(ch chan<- *prometheus.Desc) {
	ch <- o.eventsDesc
	ch <- o.anomaliesDesc
	ch <- o.startedDesc
	ch <- o.endedDesc
	ch <- o.neighborsDesc
}

// Collect implements prometheus.Collector: every known label value is
// reported, at zero if nothing was counted.
func (o *Observer) Collect(ch chan<- prometheus.Metric) {
	for i := range o.events {
		p := Other
		if i < len(o.protos) {
			p = o.protos[i]
		}
		counter(ch, o.eventsDesc, o.events[i].Load(), p)
	}
	for i, n := range o.anomNames {
		counter(ch, o.anomaliesDesc, o.anomalies[i].Load(), n)
	}
	for i, t := range transportNames {
		counter(ch, o.startedDesc, o.started[i].Load(), t)
		counter(ch, o.endedDesc, o.ended[i].Load(), t)
	}
	counter(ch, o.neighborsDesc, o.neighbors.Load())
}

// counter sends a constant counter.
func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v uint64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

// gauge sends a constant gauge.
func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}
