package metrics

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/sensor/capture"
	"github.com/otsensor/otsensor/sensor/flow"
)

// report adds the events/s metric to a benchmark.
func report(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "events/s")
	}
}

func BenchmarkObserverRecord(b *testing.B) {
	o := NewObserver(ObserverOptions{})
	ev := &dissectors.Event{Flow: tcpFlow(), Record: &modbus.Record{FunctionCode: 3}}
	// tls is the last known protocol: the longest lookup.
	tlsEv := &dissectors.Event{Flow: tcpFlow(), Record: &modbusAsTLS{}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i&1 == 0 {
			o.Event(ev)
		} else {
			o.Event(tlsEv)
		}
	}
	report(b)
}

// modbusAsTLS is a record that names itself tls.
type modbusAsTLS struct{ modbus.Record }

func (*modbusAsTLS) AppProto() string { return "tls" }

func BenchmarkObserverAnomaly(b *testing.B) {
	o := NewObserver(ObserverOptions{})
	ev := &dissectors.Event{Flow: tcpFlow(), Anomaly: &dissectors.Anomaly{AppProto: "modbus", Name: modbus.AnomalyInvalidFunctionData}}
	b.ReportAllocs()
	for b.Loop() {
		o.Event(ev)
	}
	report(b)
}

func BenchmarkObserverFlow(b *testing.B) {
	o := NewObserver(ObserverOptions{})
	u := &flow.Update{Flow: tcpFlow(), First: time.Unix(1, 0), Last: time.Unix(2, 0), New: true, Ended: true}
	b.ReportAllocs()
	for b.Loop() {
		o.Flow(u)
	}
	report(b)
}

// BenchmarkObserverParallel counts from every P at once on the same
// counter: the worst case, with no pipeline lock serialising the workers.
func BenchmarkObserverParallel(b *testing.B) {
	o := NewObserver(ObserverOptions{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ev := &dissectors.Event{Flow: tcpFlow(), Record: &modbus.Record{}}
		for pb.Next() {
			o.Event(ev)
		}
	})
	report(b)
}

// nopObserver stands in for the rest of the daemon's Tee.
type nopObserver struct{}

func (nopObserver) Event(*dissectors.Event) {}
func (nopObserver) Flow(*flow.Update)       {}
func (nopObserver) Neighbor(*flow.Neighbor) {}

// BenchmarkPipeline replays the captures of TestReplayTotals from memory
// through a flow.Worker, with and without the Observer in its Tee: the
// difference is what the metrics cost per packet.
func BenchmarkPipeline(b *testing.B) {
	pkts := loadPackets(b, replayFiles())
	for _, c := range []struct {
		name string
		obs  flow.Observer
	}{
		{"without", flow.Tee{nopObserver{}}},
		{"with", flow.Tee{nopObserver{}, NewObserver(ObserverOptions{})}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := flow.NewWorker(flow.DefaultConfig(), all.Dissectors(all.Options{}), c.obs)
				for i := range pkts {
					w.Handle(pkts[i].Data, pkts[i].Info, pkts[i].LinkType)
				}
				w.Close()
			}
			n := float64(b.N) * float64(len(pkts))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/pkt")
		})
	}
}

// loadPackets reads every packet of files into memory.
func loadPackets(tb testing.TB, files []string) []capture.Packet {
	var out []capture.Packet
	for _, name := range files {
		f, err := capture.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		var p capture.Packet
		for {
			if err := f.Next(&p); err == io.EOF {
				break
			} else if err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
			p.Data = bytes.Clone(p.Data)
			out = append(out, p)
		}
		f.Close()
	}
	return out
}
