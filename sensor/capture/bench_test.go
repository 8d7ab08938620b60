package capture

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// benchFrames is the number of packets in a synthetic benchmark file.
const benchFrames = 10000

// synthetic returns a pcap and a pcapng of benchFrames Modbus frames.
func synthetic(t testing.TB) (pcap, pcapng []byte) {
	frame := unhex(t, frameEthModbus)
	var pc, ng bytes.Buffer
	w := pcapgo.NewWriter(&pc)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	nw, err := pcapgo.NewNgWriter(&ng, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for i := range benchFrames {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(frame), Length: len(frame)}
		if err := w.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
		if err := nw.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := nw.Flush(); err != nil {
		t.Fatal(err)
	}
	return pc.Bytes(), ng.Bytes()
}

// syntheticFlags is a pcapng of benchFrames Modbus frames whose EPBs carry
// an epb_flags option (direction inbound), as dumpcap writes them.
func syntheticFlags(t testing.TB) []byte {
	frame := unhex(t, frameEthModbus)
	var ng bytes.Buffer
	nw, err := pcapgo.NewNgWriter(&ng, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	opts := pcapgo.NgPacketOptions{Flags: &pcapgo.NgEpbFlags{Direction: pcapgo.NgEpbFlagDirectionInbound}}
	for i := range benchFrames {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(frame), Length: len(frame)}
		if err := nw.WritePacketWithOptions(ci, frame, opts); err != nil {
			t.Fatal(err)
		}
	}
	if err := nw.Flush(); err != nil {
		t.Fatal(err)
	}
	return ng.Bytes()
}

// TestNextAllocs proves Next allocates nothing per packet in steady state.
func TestNextAllocs(t *testing.T) {
	pc, ng := synthetic(t)
	for _, tt := range []struct {
		name string
		data []byte
		want float64
	}{
		{"pcap", pc, 0}, {"pcapng", ng, 0}, {"pcap+gzip", gzipped(t, pc), 0}, {"pcapng+gzip", gzipped(t, ng), 0},
		// Known exception: pcapgo's ZeroCopyReadPacketData parses EPB
		// options and allocates the epb_flags value it then discards.
		// Drop this case's allowance when gopacket stops doing so.
		{"pcapng epb_flags", syntheticFlags(t), 1},
	} {
		f, err := NewReader(tt.name, bytes.NewReader(tt.data))
		if err != nil {
			t.Fatal(err)
		}
		var p Packet
		if n := testing.AllocsPerRun(benchFrames-10, func() {
			if err := f.Next(&p); err != nil {
				t.Fatal(err)
			}
		}); n != tt.want {
			t.Errorf("%s: %v allocations per packet, want %v", tt.name, n, tt.want)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	pc, ng := synthetic(b)
	cases := []struct {
		name string
		data []byte
	}{{"pcap", pc}, {"pcapng", ng}, {"pcap+gzip", gzipped(b, pc)}, {"pcapng+gzip", gzipped(b, ng)}, {"pcapng_epbflags", syntheticFlags(b)}}
	// The largest real capture of the corpus, plain and compressed.
	real := filepath.Join(corpusDir, "ITI-ICS-Security-Tools", "pcaps", "ModbusTCP", "ModbusTCP.pcap")
	raw, err := os.ReadFile(real)
	if err != nil {
		b.Fatal(err)
	}
	cases = append(cases, struct {
		name string
		data []byte
	}{"ModbusTCP.pcap", raw}, struct {
		name string
		data []byte
	}{"ModbusTCP.pcap+gzip", gzipped(b, raw)})
	for _, c := range cases {
		b.Run(strings.ReplaceAll(c.name, "+", "_"), func(b *testing.B) { benchRead(b, c.data) })
	}
}

// benchRead measures Next per packet, reopening the file (untimed) at
// its end.
func benchRead(b *testing.B, data []byte) {
	open := func() *File {
		f, err := NewReader("bench", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	// Bytes per packet, for MB/s.
	var p Packet
	f := open()
	n, size := 0, 0
	for f.Next(&p) == nil {
		n++
		size += len(p.Data)
	}
	b.SetBytes(int64(size / n))
	f = open()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		err := f.Next(&p)
		if err == io.EOF {
			// Reopen, and take the first packet (which sizes pcapgo's
			// buffer), untimed: the per-file cost is not per packet.
			b.StopTimer()
			f = open()
			err = f.Next(&p)
			b.StartTimer()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}
