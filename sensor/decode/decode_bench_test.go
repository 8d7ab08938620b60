package decode

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// modbusRequestFrame is Ethernet / IPv4 / TCP (PSH ACK) / Modbus FC3
// request (transaction 1, unit 1, address 0, quantity 10).
const modbusRequestFrame = "0080f4010203" + "001422040506" + "0800" +
	"45000034" + "12340000" + "4006" + "0000" + "0a00000a" + "0a000015" +
	"c35001f6" + "00000001" + "00000001" + "5018" + "ffff" + "0000" + "0000" +
	"000100000006" + "01" + "03" + "0000" + "000a"

// BenchmarkDecodeHot decodes one frame over and over: the decoder's own
// cost, with the frame in cache.
func BenchmarkDecodeHot(b *testing.B) {
	frame, err := hex.DecodeString(modbusRequestFrame)
	if err != nil {
		b.Fatal(err)
	}
	d := New()
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 0), CaptureLength: len(frame), Length: len(frame)}
	b.ReportAllocs()
	for b.Loop() {
		if p := d.Decode(frame, ci, layers.LinkTypeEthernet); p.TCP == nil {
			b.Fatal("no TCP")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

// BenchmarkDecodeFrames decodes each kind of frame of the table tests.
func BenchmarkDecodeFrames(b *testing.B) {
	for _, tc := range allocFrames {
		b.Run(tc.name, func(b *testing.B) {
			frame, err := hex.DecodeString(tc.frame)
			if err != nil {
				b.Fatal(err)
			}
			d := New()
			ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 0), CaptureLength: len(frame), Length: len(frame)}
			b.ReportAllocs()
			b.SetBytes(int64(len(frame)))
			for b.Loop() {
				d.Decode(frame, ci, tc.lt)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
		})
	}
}

// BenchmarkDecodeFragments decodes a TCP segment in three IPv4 fragments
// and reassembles it: the path that allocates.
func BenchmarkDecodeFragments(b *testing.B) {
	fr := frags4(b, tcpSegment(b, fragData), 1)
	d := New()
	ts := time.Unix(1700000000, 0)
	b.ReportAllocs()
	for b.Loop() {
		var p *Packet
		for _, f := range fr {
			p = d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
		}
		if p.Kind != KindIP {
			b.Fatal("not reassembled")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "datagrams/s")
}
