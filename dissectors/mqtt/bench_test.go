package mqtt

import (
	"fmt"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

// benchPacket is one TCP segment of the benchmark mix.
type benchPacket struct {
	dir  dissectors.Direction
	data []byte
}

// benchMix is a telemetry session after its CONNECT/CONNACK: a SUBSCRIBE
// to two filters and its SUBACK, 16 PUBLISHes (QoS 0 and QoS 1 alternately,
// 40-byte JSON payloads, 4 topics) with a PUBACK for each QoS 1 one, and a
// PINGREQ/PINGRESP; one packet per segment.
func benchMix(t testing.TB) (connect []benchPacket, loop []benchPacket) {
	connect = []benchPacket{
		{dissectors.ToServer, phex(t, connect311)},
		{dissectors.ToClient, phex(t, connack3)},
	}
	loop = append(loop,
		benchPacket{dissectors.ToServer, phex(t, sub3)},
		benchPacket{dissectors.ToClient, phex(t, suback3)})
	payload := []byte(`{"t":21.5,"h":40.2,"ts":1700000000,"ok":1}`)[:40]
	for i := range 16 {
		topic := fmt.Sprintf("plant/line%d/temp", i%4)
		var b []byte
		if i%2 == 0 {
			b = append([]byte{0x30, byte(2 + len(topic) + len(payload)), 0, byte(len(topic))}, topic...)
		} else {
			b = append([]byte{0x32, byte(4 + len(topic) + len(payload)), 0, byte(len(topic))}, topic...)
			b = append(b, 0, byte(i))
		}
		loop = append(loop, benchPacket{dissectors.ToServer, append(b, payload...)})
		if i%2 == 1 {
			loop = append(loop, benchPacket{dissectors.ToClient, []byte{0x40, 2, 0, byte(i)}})
		}
	}
	loop = append(loop,
		benchPacket{dissectors.ToServer, phex(t, pingreq)},
		benchPacket{dissectors.ToClient, phex(t, pingresp)})
	return connect, loop
}

type countingEmitter struct{ records, anomalies int }

func (c *countingEmitter) Emit(ev *dissectors.Event) {
	if ev.Anomaly != nil {
		c.anomalies++
	} else {
		c.records++
	}
}

// benchFeeder parses segments the way the flow layer does: unconsumed
// bytes kept per direction in reused buffers.
type benchFeeder struct {
	p    dissectors.Parser
	left [2][]byte
	buf  []byte
	sink countingEmitter
}

func (f *benchFeeder) feed(pk benchPacket, ts time.Time) {
	left := &f.left[pk.dir]
	data := pk.data
	if len(*left) > 0 {
		f.buf = append(append(f.buf[:0], *left...), pk.data...)
		data = f.buf
	}
	n, _ := f.p.Parse(pk.dir, data, ts, &f.sink)
	*left = append((*left)[:0], data[n:]...)
}

// BenchmarkParse parses the mix above (0 allocations per packet once
// warm).
func BenchmarkParse(b *testing.B) {
	connect, loop := benchMix(b)
	var size int
	for _, pk := range loop {
		size += len(pk.data)
	}
	f := &benchFeeder{p: New(Options{}).NewParser(&dissectors.Flow{Transport: dissectors.TCP})}
	ts := sessT0
	for _, pk := range connect {
		f.feed(pk, ts)
	}
	for range 3 { // grow the buffers and the intern cache
		for _, pk := range loop {
			ts = ts.Add(time.Millisecond)
			f.feed(pk, ts)
		}
	}
	if f.sink.anomalies != 0 {
		b.Fatalf("%d anomalies in the mix", f.sink.anomalies)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, pk := range loop {
			ts = ts.Add(time.Millisecond)
			f.feed(pk, ts)
		}
	}
	b.ReportMetric(float64(b.N*len(loop))/b.Elapsed().Seconds(), "pkts/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(loop)), "ns/pkt")
	if f.sink.anomalies != 0 {
		b.Fatalf("%d anomalies in the mix", f.sink.anomalies)
	}
}

// BenchmarkProbe measures the on-port and strict probes on a CONNECT.
func BenchmarkProbe(b *testing.B) {
	d := New(Options{})
	data := phex(b, connect311)
	b.ReportAllocs()
	for b.Loop() {
		d.Probe(dissectors.ToServer, data, true)
		d.Probe(dissectors.ToServer, data, false)
	}
}

// TestParseAllocs checks the benchmark's claim in the ordinary test run.
func TestParseAllocs(t *testing.T) {
	connect, loop := benchMix(t)
	f := &benchFeeder{p: New(Options{}).NewParser(nil)}
	for _, pk := range connect {
		f.feed(pk, sessT0)
	}
	run := func() {
		for _, pk := range loop {
			f.feed(pk, sessT0)
		}
	}
	run()
	if n := testing.AllocsPerRun(20, run); n != 0 {
		t.Errorf("%v allocations per pass over %d packets", n, len(loop))
	}
	if f.sink.anomalies != 0 || (f.sink.records-len(connect))%len(loop) != 0 {
		t.Errorf("%d records, %d anomalies: every packet of the mix should give one record", f.sink.records, f.sink.anomalies)
	}
}
