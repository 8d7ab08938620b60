package mqtt

import (
	"fmt"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
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
		{dissectors.ToServer, unhex(t, connect311)},
		{dissectors.ToClient, unhex(t, connack3)},
	}
	loop = append(loop,
		benchPacket{dissectors.ToServer, unhex(t, sub3)},
		benchPacket{dissectors.ToClient, unhex(t, suback3)})
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
		benchPacket{dissectors.ToServer, unhex(t, pingreq)},
		benchPacket{dissectors.ToClient, unhex(t, pingresp)})
	return connect, loop
}

// BenchmarkParse parses the mix above (0 allocations per packet once
// warm).
func BenchmarkParse(b *testing.B) {
	connect, loop := benchMix(b)
	var size int
	for _, pk := range loop {
		size += len(pk.data)
	}
	f := &dissectortest.Feeder{P: New(Options{}).NewParser(&dissectors.Flow{Transport: dissectors.TCP})}
	ts := sessT0
	for _, pk := range connect {
		f.Feed(pk.dir, pk.data, ts)
	}
	for range 3 { // grow the buffers and the intern cache
		for _, pk := range loop {
			ts = ts.Add(time.Millisecond)
			f.Feed(pk.dir, pk.data, ts)
		}
	}
	if f.Sink.Anomalies != 0 {
		b.Fatalf("%d anomalies in the mix", f.Sink.Anomalies)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, pk := range loop {
			ts = ts.Add(time.Millisecond)
			f.Feed(pk.dir, pk.data, ts)
		}
	}
	b.ReportMetric(float64(b.N*len(loop))/b.Elapsed().Seconds(), "pkts/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(loop)), "ns/pkt")
	if f.Sink.Anomalies != 0 {
		b.Fatalf("%d anomalies in the mix", f.Sink.Anomalies)
	}
}

// BenchmarkProbe measures the on-port and strict probes on a CONNECT.
func BenchmarkProbe(b *testing.B) {
	d := New(Options{})
	data := unhex(b, connect311)
	b.ReportAllocs()
	for b.Loop() {
		d.Probe(dissectors.ToServer, data, true)
		d.Probe(dissectors.ToServer, data, false)
	}
}

// TestParseAllocs checks the benchmark's claim in the ordinary test run.
func TestParseAllocs(t *testing.T) {
	connect, loop := benchMix(t)
	f := &dissectortest.Feeder{P: New(Options{}).NewParser(nil)}
	for _, pk := range connect {
		f.Feed(pk.dir, pk.data, sessT0)
	}
	run := func() {
		for _, pk := range loop {
			f.Feed(pk.dir, pk.data, sessT0)
		}
	}
	run()
	if n := testing.AllocsPerRun(20, run); n != 0 {
		t.Errorf("%v allocations per pass over %d packets", n, len(loop))
	}
	if f.Sink.Anomalies != 0 || (f.Sink.Records-len(connect))%len(loop) != 0 {
		t.Errorf("%d records, %d anomalies: every packet of the mix should give one record", f.Sink.Records, f.Sink.Anomalies)
	}
}
