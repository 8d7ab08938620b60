package tls

import (
	"bytes"
	ctls "crypto/tls"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// rlAppSegments is 1 MiB of application data from the server in 16 KiB
// records (plus the 5-octet headers), cut into 1448-octet TCP segments.
func rlAppSegments() (segs [][]byte, size int) {
	rec := rlRecord(ctApplicationData, 0x0303, bytes.Repeat([]byte{0x5a}, 16<<10))
	var stream []byte
	for range 64 {
		stream = append(stream, rec...)
	}
	for off := 0; off < len(stream); off += 1448 {
		segs = append(segs, stream[off:min(off+1448, len(stream))])
	}
	return segs, len(stream)
}

// rlHandshake12 is the inline TLS 1.2 handshake of the table tests.
func rlHandshake12(t testing.TB) []rlChunk {
	for _, c := range rlCases(t) {
		if c.name == "TLS 1.2 full handshake, server flight in one record" {
			return c.chunks
		}
	}
	t.Fatal("no TLS 1.2 case")
	return nil
}

// BenchmarkParse parses 1 MiB of application data (64 records of 16 KiB
// in 1448-octet segments) after a TLS 1.2 handshake: counted, never
// copied (0 allocations).
func BenchmarkParse(b *testing.B) {
	segs, size := rlAppSegments()
	f := &dissectortest.Feeder{P: newParser(Options{}, true)}
	for _, c := range rlHandshake12(b) {
		f.Feed(c.dir, c.data, rlT0)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range segs {
			f.Feed(dissectors.ToClient, s, rlT0)
		}
	}
	b.ReportMetric(float64(b.N*len(segs))/b.Elapsed().Seconds(), "pkts/s")
	b.ReportMetric(float64(b.N*64)/b.Elapsed().Seconds(), "records/s")
	if f.Sink.Records != 1 || f.Sink.Anomalies != 0 {
		b.Fatalf("%d records, %d anomalies", f.Sink.Records, f.Sink.Anomalies)
	}
}

// BenchmarkHandshake parses one real crypto/tls TLS 1.2 handshake (server
// certificate, SNI, ALPN) with a new parser per operation.
func BenchmarkHandshake(b *testing.B) {
	srv := rlCert(b, "plc.example", "plc.example")
	cc := &ctls.Config{ServerName: "plc.example", InsecureSkipVerify: true, NextProtos: []string{"mqtt"}, MaxVersion: ctls.VersionTLS12}
	sc := &ctls.Config{Certificates: []ctls.Certificate{srv}, NextProtos: []string{"mqtt"}}
	chunks := rlGoTLS(b, cc, sc)
	size := 0
	for _, c := range chunks {
		size += len(c.data)
	}
	d := New(Options{})
	var sink dissectortest.Counter
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		p := d.NewParser(&dissectors.Flow{Transport: dissectors.TCP, Handshake: true})
		for _, c := range chunks {
			p.Parse(c.dir, c.data, rlT0, &sink)
		}
		p.Close(rlT0, &sink)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
	if sink.Records != b.N || sink.Anomalies != 0 {
		b.Fatalf("%d records, %d anomalies for %d handshakes", sink.Records, sink.Anomalies, b.N)
	}
}

// TestParseAllocs checks the benchmark's claim in the ordinary test run:
// application data records cost no allocation.
func TestParseAllocs(t *testing.T) {
	segs, _ := rlAppSegments()
	f := &dissectortest.Feeder{P: newParser(Options{}, true)}
	for _, c := range rlHandshake12(t) {
		f.Feed(c.dir, c.data, rlT0)
	}
	run := func() {
		for _, s := range segs {
			f.Feed(dissectors.ToClient, s, rlT0)
		}
	}
	run()
	if n := testing.AllocsPerRun(10, run); n != 0 {
		t.Errorf("%v allocations per MiB of application data", n)
	}
	if f.Sink.Records != 1 || f.Sink.Anomalies != 0 {
		t.Errorf("%d records, %d anomalies", f.Sink.Records, f.Sink.Anomalies)
	}
}
