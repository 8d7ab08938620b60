package modbus

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/corpus"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

type packet struct {
	flow int
	dir  dissectors.Direction
	data []byte
}

// benchPackets is a polling mix, one ADU per packet, each request followed
// by its response: FC3 read of 10 registers, FC1 read of 16 coils, FC4
// read of 2 input registers, FC16 write of 4 registers, FC6 write, FC5
// write, FC43/14 device identification.
func benchPackets(t testing.TB) []packet {
	hexes := []step{
		req("0001 0000 0006 01 03 0000 000A"),
		resp("0001 0000 0017 01 03 14 0001 0002 0003 0004 0005 0006 0007 0008 0009 000A"),
		req("0002 0000 0006 01 01 0010 0010"),
		resp("0002 0000 0005 01 01 02 A5 3C"),
		req("0003 0000 0006 01 04 0100 0002"),
		resp("0003 0000 0007 01 04 04 1234 5678"),
		req("0004 0000 000F 01 10 0020 0004 08 0001 0002 0003 0004"),
		resp("0004 0000 0006 01 10 0020 0004"),
		req("0005 0000 0006 01 06 0030 BEEF"),
		resp("0005 0000 0006 01 06 0030 BEEF"),
		req("0006 0000 0006 01 05 0040 FF00"),
		resp("0006 0000 0006 01 05 0040 FF00"),
		req("0007 0000 0005 01 2B 0E 01 00"),
		resp("0007 0000 0035 01 2B 0E 01 01 00 00 03" +
			"00 16 436f6d70616e79206964656e74696669636174696f6e" +
			"01 0C 50726f6475637420636f6465" +
			"02 05 56322e3131"),
	}
	out := make([]packet, len(hexes))
	for i, s := range hexes {
		out[i] = packet{0, s.dir, unhex(t, s.hex)}
	}
	return out
}

// flowFeeder parses packets of several flows the way the flow layer does:
// one parser per flow, unconsumed bytes kept per direction in reused
// buffers.
type flowFeeder struct {
	parsers []dissectors.Parser
	left    [][2][]byte
	buf     []byte
	sink    dissectortest.Counter
}

func newFlowFeeder(pkts []packet) *flowFeeder {
	n := 0
	for _, pk := range pkts {
		n = max(n, pk.flow+1)
	}
	f := &flowFeeder{parsers: make([]dissectors.Parser, n), left: make([][2][]byte, n)}
	d := New(Options{})
	for i := range f.parsers {
		f.parsers[i] = d.NewParser(&dissectors.Flow{Transport: dissectors.TCP})
	}
	return f
}

func (f *flowFeeder) feed(pk packet, ts time.Time) {
	left := &f.left[pk.flow][pk.dir]
	data := pk.data
	if len(*left) > 0 {
		f.buf = append(append(f.buf[:0], *left...), pk.data...)
		data = f.buf
	}
	n, _ := f.parsers[pk.flow].Parse(pk.dir, data, ts, &f.sink)
	*left = append((*left)[:0], data[n:]...)
}

func benchParse(b *testing.B, pkts []packet) {
	var size int
	for _, pk := range pkts {
		size += len(pk.data)
	}
	f := newFlowFeeder(pkts)
	ts := t0
	for range 3 { // grow the buffers
		for _, pk := range pkts {
			ts = ts.Add(time.Millisecond)
			f.feed(pk, ts)
		}
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, pk := range pkts {
			ts = ts.Add(time.Millisecond)
			f.feed(pk, ts)
		}
	}
	b.ReportMetric(float64(b.N*len(pkts))/b.Elapsed().Seconds(), "pkts/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/pkt")
}

// BenchmarkParseMix parses the polling mix above.
func BenchmarkParseMix(b *testing.B) { benchParse(b, benchPackets(b)) }

// BenchmarkParseCapture parses the port-502 payloads of a real plant
// capture (ITI ModbusTCP.pcap: FC1/2/4 reads, FC15/16 writes; 15976 ADUs),
// one Parse call per TCP segment.
func BenchmarkParseCapture(b *testing.B) {
	segs := readSegments(b, filepath.Join(corpus.Dir(b), "ITI-ICS-Security-Tools", "pcaps", "ModbusTCP", "ModbusTCP.pcap"))
	flows := map[string]int{}
	pkts := make([]packet, len(segs))
	for i, s := range segs {
		if _, ok := flows[s.flow]; !ok {
			flows[s.flow] = len(flows)
		}
		pkts[i] = packet{flows[s.flow], s.dir, s.payload}
	}
	benchParse(b, pkts)
}

// BenchmarkProbe measures the on-port and strict probes on an FC3 request.
func BenchmarkProbe(b *testing.B) {
	d := New(Options{})
	data := unhex(b, "0001 0000 0006 01 03 006B 0003")
	b.ReportAllocs()
	for b.Loop() {
		d.Probe(dissectors.ToServer, data, true)
		d.Probe(dissectors.ToServer, data, false)
	}
}
