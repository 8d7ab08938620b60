package synth

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

// benchWriter is WriteBenchMix or WriteBenchDNP3.
type benchWriter func(io.Writer, BenchConfig) (int, error)

// checkBenchDeterministic writes the default benchmark capture (100 000
// packets with -short) twice with write, compares hashes and reads one
// back to count its packets.
func checkBenchDeterministic(t *testing.T, write benchWriter) {
	t.Helper()
	cfg, want := BenchConfig{}, DefaultBenchPackets
	if testing.Short() {
		cfg.Packets, want = 100_000, 100_000
	}
	var sums [2][32]byte
	var buf bytes.Buffer
	for i := range sums {
		buf.Reset()
		n, err := write(&buf, cfg)
		if err != nil || n != want {
			t.Fatalf("wrote %d packets (%v), want %d", n, err, want)
		}
		sums[i] = sha256.Sum256(buf.Bytes())
	}
	if sums[0] != sums[1] {
		t.Fatalf("two runs differ: %x vs %x", sums[0], sums[1])
	}
	n := eachPacket(t, buf.Bytes(), func(int, []byte) {})
	if n != want {
		t.Errorf("read back %d packets, want %d", n, want)
	}
}

// eachPacket reads the pcap in b and calls fn on each packet (n counts
// from 1), failing the test when time goes back. It returns the number of
// packets.
func eachPacket(t *testing.T, b []byte, fn func(n int, data []byte)) int {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var last time.Time
	n := 0
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if ci.Timestamp.Before(last) {
			t.Fatalf("packet %d goes back in time", n)
		}
		last = ci.Timestamp
		fn(n, data)
	}
}

// writeBenchBytes returns the first packets packets of write's capture.
func writeBenchBytes(t *testing.T, write benchWriter, packets int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := write(&buf, BenchConfig{Packets: packets}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// benchmarkBenchWriter measures writing the default benchmark capture.
func benchmarkBenchWriter(b *testing.B, write benchWriter) {
	b.ReportAllocs()
	var bytesOut int64
	start := time.Now()
	for i := 0; i < b.N; i++ {
		cw := &countWriter{}
		n, err := write(cw, BenchConfig{})
		if err != nil || n != DefaultBenchPackets {
			b.Fatal(n, err)
		}
		bytesOut = cw.n
	}
	b.SetBytes(bytesOut)
	b.ReportMetric(float64(b.N*DefaultBenchPackets)/time.Since(start).Seconds(), "pkts/s")
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}
