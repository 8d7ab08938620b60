package dnp3

import (
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

type linkPacket struct {
	dir  dissectors.Direction
	data []byte
}

// benchStream is a polling mix, one TCP segment per packet: a class
// 0123 poll and its response (real frames, zeek dnp3_read.pcap), a
// link status exchange, an unsolicited response with 20 binary inputs and
// its confirm, and a 3-frame response of 256 binary inputs.
func benchStream(t testing.TB) []linkPacket {
	h := func(s string) []byte { return unhex(t, s) }
	uns := binaryInputs(5, 20)
	uns[0] |= 0x30 // CON UNS
	uns[1] = 0x82  // unsolicited response
	// 256 binary inputs in two g1v2 headers of 128 (points 0-127, 128-255).
	bigFrag := binaryInputs(6, 128)
	bigFrag = append(bigFrag, 0x01, 0x02, 0x00, 128, 255)
	bigFrag = append(bigFrag, binaryInputs(0, 128)[9:]...)
	big := segments(3, 2, 10, bigFrag, 100, 200)
	return []linkPacket{
		{dissectors.ToServer, h(readReqHex)},
		{dissectors.ToClient, h(readRespHex)},
		{dissectors.ToServer, h(linkStatusReqHex)},
		{dissectors.ToClient, h(linkStatusHex)},
		{dissectors.ToClient, userFrame(false, 3, 2, 0xC1, uns)},
		{dissectors.ToServer, userFrame(true, 2, 3, 0xC2, []byte{0xD5, 0x00})}, // application confirm (UNS, seq 5)
		{dissectors.ToServer, h(readReqHex)},
		{dissectors.ToClient, cat(big...)},
	}
}

// BenchmarkParse parses the polling mix on one TCP flow.
func BenchmarkParse(b *testing.B) {
	pkts := benchStream(b)
	p := New(Options{}).NewParser(nil)
	var sink dissectortest.Counter
	var size, frames int
	for _, pk := range pkts {
		size += len(pk.data)
		for off := 0; off+2 < len(pk.data); {
			off += frameSize(int(pk.data[off+2]))
			frames++
		}
	}
	ts := linkT0
	run := func() {
		for _, pk := range pkts {
			ts = ts.Add(time.Millisecond)
			if n, _ := p.Parse(pk.dir, pk.data, ts, &sink); n != len(pk.data) {
				b.Fatalf("consumed %d of %d", n, len(pk.data))
			}
		}
	}
	run() // grow the buffers
	if sink.Anomalies != 0 || sink.Records != 8 {
		b.Fatalf("warm-up: %d records, %d anomalies", sink.Records, sink.Anomalies)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(b.N*frames)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(b.N*len(pkts))/b.Elapsed().Seconds(), "pkts/s")
}

// BenchmarkProbe measures both probes on a read request.
func BenchmarkProbe(b *testing.B) {
	d := New(Options{})
	data := unhex(b, readReqHex)
	b.ReportAllocs()
	for b.Loop() {
		d.Probe(dissectors.ToServer, data, true)
		d.Probe(dissectors.ToServer, data, false)
	}
}

// TestParseAllocs: once warm, parsing the mix allocates nothing.
func TestParseAllocs(t *testing.T) {
	pkts := benchStream(t)
	p := New(Options{}).NewParser(nil)
	var sink dissectortest.Counter
	run := func() {
		for _, pk := range pkts {
			p.Parse(pk.dir, pk.data, linkT0, &sink)
		}
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("%v allocations per run of the mix", n)
	}
}
