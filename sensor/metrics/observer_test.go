package metrics

import (
	"maps"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/dissectors/tls"
	"github.com/otsensor/otsensor/sensor/flow"
)

// bacnetRecord is a record of a protocol the Observer does not know.
type bacnetRecord struct{}

func (bacnetRecord) AppProto() string { return "bacnet" }

func tcpFlow() *dissectors.Flow {
	return &dissectors.Flow{
		ID: 1, Transport: dissectors.TCP, AppProto: "modbus",
		Client: netip.MustParseAddrPort("10.0.0.1:40000"),
		Server: netip.MustParseAddrPort("10.0.0.2:502"),
	}
}

func TestObserverCounts(t *testing.T) {
	f := tcpFlow()
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := func(r dissectors.Record) *dissectors.Event {
		return &dissectors.Event{Time: ts, Flow: f, Record: r}
	}
	anom := func(proto, name string) *dissectors.Event {
		return &dissectors.Event{Time: ts, Flow: f, Anomaly: &dissectors.Anomaly{AppProto: proto, Name: name}}
	}
	events := []*dissectors.Event{
		rec(&modbus.Record{TransactionID: 1, UnitID: 1, FunctionCode: 3, Function: "read_holding_registers"}),
		rec(&modbus.Record{TransactionID: 1, UnitID: 1, FunctionCode: 3, Function: "read_holding_registers", Response: true}),
		rec(&dnp3.Record{Src: 3, Dst: 4, FromMaster: true}),
		rec(&mqtt.Record{Type: mqtt.Connect}),
		rec(&mqtt.Record{Type: mqtt.ConnAck}),
		rec(&mqtt.Record{Type: mqtt.Publish, QoS: 1}),
		rec(&tls.Record{}),
		rec(bacnetRecord{}),
		anom("modbus", modbus.AnomalyInvalidLength),
		anom("modbus", modbus.AnomalyInvalidLength),
		anom("mqtt", mqtt.AnomalyMissingConnect),
		anom("stream", "stream.gap"),
		anom("app", "app.parser_panic"),
		anom("modbus", "modbus.not_a_documented_name"),
		{Time: ts, Flow: f}, // neither record nor anomaly: not counted
	}
	o := NewObserver(ObserverOptions{})
	for _, ev := range events {
		o.Event(ev)
	}
	flowOf := func(id uint64, tr dissectors.Transport) *dissectors.Flow {
		return &dissectors.Flow{ID: id, Transport: tr}
	}
	long := flowOf(0x1111, dissectors.TCP)
	updates := []flow.Update{
		{Flow: long, New: true},   // first checkpoint of a long flow
		{Flow: long},              // a later checkpoint: nothing
		{Flow: long, Ended: true}, // its end
		// Trailing ACKs after the end, reported at the next checkpoint
		// with Ended set again: not a second end.
		{Flow: long, Ended: true, Packets: [2]uint64{1, 0}},
		{Flow: flowOf(0x2222, dissectors.TCP), New: true, Ended: true},            // a short flow
		{Flow: flowOf(0x2222+endedSlots, dissectors.TCP), New: true, Ended: true}, // same slot, another flow
		{Flow: flowOf(0, dissectors.UDP), New: true, Ended: true},                 // id 0 is an id like any other
		{Flow: flowOf(5, 1), New: true},                                           // ICMP
		{Flow: flowOf(6, 58), New: true},                                          // ICMPv6
		{Flow: flowOf(7, 47), New: true},                                          // GRE
		{New: true, Ended: true},                                                  // no flow: counted as other
	}
	for i := range updates {
		o.Flow(&updates[i])
	}
	o.Neighbor(&flow.Neighbor{Time: ts})
	o.Neighbor(&flow.Neighbor{Time: ts, HasIP: true})

	const want = `
# HELP otsensor_events_total Application records (PDUs, transactions) the dissectors produced, by protocol.
# TYPE otsensor_events_total counter
otsensor_events_total{app_proto="dnp3"} 1
otsensor_events_total{app_proto="modbus"} 2
otsensor_events_total{app_proto="mqtt"} 3
otsensor_events_total{app_proto="other"} 1
otsensor_events_total{app_proto="tls"} 1
# HELP otsensor_flows_ended_total Flows ended (FIN/RST, idle, end of input or shutdown), by transport.
# TYPE otsensor_flows_ended_total counter
otsensor_flows_ended_total{transport="icmp"} 0
otsensor_flows_ended_total{transport="icmpv6"} 0
otsensor_flows_ended_total{transport="other"} 1
otsensor_flows_ended_total{transport="tcp"} 3
otsensor_flows_ended_total{transport="udp"} 1
# HELP otsensor_flows_started_total Flows reported for the first time (at their first checkpoint or their end), by transport.
# TYPE otsensor_flows_started_total counter
otsensor_flows_started_total{transport="icmp"} 1
otsensor_flows_started_total{transport="icmpv6"} 1
otsensor_flows_started_total{transport="other"} 2
otsensor_flows_started_total{transport="tcp"} 3
otsensor_flows_started_total{transport="udp"} 1
# HELP otsensor_neighbor_frames_total Non-IP frames reported to the inventory (ARP, LLDP, GOOSE, PROFINET, ...).
# TYPE otsensor_neighbor_frames_total counter
otsensor_neighbor_frames_total 2
`
	if err := testutil.CollectAndCompare(o, strings.NewReader(want),
		"otsensor_events_total", "otsensor_flows_started_total", "otsensor_flows_ended_total",
		"otsensor_neighbor_frames_total"); err != nil {
		t.Error(err)
	}

	// Anomalies: every documented name is reported (at 0 when unseen);
	// an undocumented one counts as "other".
	vs := values(t, o)
	gotAnom := nonZero(vs, "otsensor_anomalies_total")
	wantAnom := map[string]float64{
		`otsensor_anomalies_total{anomaly="modbus.invalid_length"}`: 2,
		`otsensor_anomalies_total{anomaly="mqtt.missing_connect"}`:  1,
		`otsensor_anomalies_total{anomaly="stream.gap"}`:            1,
		`otsensor_anomalies_total{anomaly="app.parser_panic"}`:      1,
		`otsensor_anomalies_total{anomaly="other"}`:                 1,
	}
	if !maps.Equal(gotAnom, wantAnom) {
		t.Errorf("anomalies:\n got %v\nwant %v", gotAnom, wantAnom)
	}
	names := DefaultAnomalies()
	for _, n := range append(names, Other) {
		if _, ok := vs[`otsensor_anomalies_total{anomaly="`+n+`"}`]; !ok {
			t.Errorf("anomaly %s not reported", n)
		}
	}
	if got := testutil.CollectAndCount(o, "otsensor_anomalies_total"); got != len(names)+1 {
		t.Errorf("%d anomaly series, want %d (documented names + other)", got, len(names)+1)
	}
}

// TestObserverParsedModbus counts the events of a real Modbus parser fed
// inline bytes: per the package doc, every complete ADU is one Record,
// followed by one anomaly per kind of problem.
func TestObserverParsedModbus(t *testing.T) {
	o := NewObserver(ObserverOptions{})
	f := tcpFlow()
	p := modbus.New(modbus.Options{}).NewParser(f)
	em := emitterFunc(func(ev *dissectors.Event) { ev.Flow = f; o.Event(ev) })
	ts := time.Unix(1700000000, 0)
	steps := []struct {
		dir dissectors.Direction
		hex string
	}{
		// FC3 read holding registers: tid 1, unit 1, address 0, quantity 2.
		{dissectors.ToServer, "0001 0000 0006 01 03 0000 0002"},
		// Its response: byte count 4, registers 0x000a 0x000b.
		{dissectors.ToClient, "0001 0000 0007 01 03 04 000a 000b"},
		// A request with the exception bit set (0x83): a record and
		// modbus.unknown_function.
		{dissectors.ToServer, "0002 0000 0006 01 83 0000 0001"},
	}
	for _, s := range steps {
		data := unhex(t, s.hex)
		if n, err := p.Parse(s.dir, data, ts, em); err != nil || n != len(data) {
			t.Fatalf("parse %s: consumed %d of %d, %v", s.hex, n, len(data), err)
		}
	}
	got := nonZero(values(t, o), "otsensor_events_total", "otsensor_anomalies_total")
	want := map[string]float64{
		`otsensor_events_total{app_proto="modbus"}`:                   3,
		`otsensor_anomalies_total{anomaly="modbus.unknown_function"}`: 1,
	}
	if !maps.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

type emitterFunc func(*dissectors.Event)

func (f emitterFunc) Emit(ev *dissectors.Event) { f(ev) }

func TestObserverOptions(t *testing.T) {
	o := NewObserver(ObserverOptions{
		AppProtos: []string{"modbus", "modbus", "other"},
		Anomalies: []string{"modbus.invalid_length", "modbus.invalid_length", "other"},
	})
	o.Event(&dissectors.Event{Record: &modbus.Record{}})
	o.Event(&dissectors.Event{Record: &tls.Record{}})
	o.Event(&dissectors.Event{Anomaly: &dissectors.Anomaly{Name: "modbus.invalid_length"}})
	o.Event(&dissectors.Event{Anomaly: &dissectors.Anomaly{Name: "tls.invalid_record"}})
	got := values(t, o)
	want := map[string]float64{
		`otsensor_events_total{app_proto="modbus"}`:                 1,
		`otsensor_events_total{app_proto="other"}`:                  1,
		`otsensor_anomalies_total{anomaly="modbus.invalid_length"}`: 1,
		`otsensor_anomalies_total{anomaly="other"}`:                 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if n := testutil.CollectAndCount(o, "otsensor_events_total", "otsensor_anomalies_total"); n != 4 {
		t.Errorf("%d series, want 4 (duplicates and \"other\" in the options collapse)", n)
	}
}

// TestObserverNoAlloc proves the hot path allocates nothing.
func TestObserverNoAlloc(t *testing.T) {
	o := NewObserver(ObserverOptions{})
	rec := &dissectors.Event{Flow: tcpFlow(), Record: &mqtt.Record{}}
	an := &dissectors.Event{Flow: tcpFlow(), Anomaly: &dissectors.Anomaly{Name: tls.Anomalies[0].Name}}
	unknown := &dissectors.Event{Flow: tcpFlow(), Anomaly: &dissectors.Anomaly{Name: "x.y"}}
	u := &flow.Update{Flow: tcpFlow(), New: true, Ended: true}
	n := &flow.Neighbor{}
	if a := testing.AllocsPerRun(1000, func() {
		o.Event(rec)
		o.Event(an)
		o.Event(unknown)
		o.Flow(u)
		o.Neighbor(n)
	}); a != 0 {
		t.Errorf("%v allocations per round, want 0", a)
	}
}

// TestObserverConcurrent counts from several goroutines while scraping
// (run with -race).
func TestObserverConcurrent(t *testing.T) {
	o := NewObserver(ObserverOptions{})
	const goroutines, per = 4, 5000
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			ev := &dissectors.Event{Record: &dnp3.Record{}}
			for range per {
				o.Event(ev)
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			testutil.CollectAndCount(o)
		}
	})
	wg.Wait()
	if got := values(t, o)[`otsensor_events_total{app_proto="dnp3"}`]; got != goroutines*per {
		t.Errorf("dnp3 events = %v, want %d", got, goroutines*per)
	}
}
