package synth

import (
	"encoding/binary"
	"io"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestBenchMixDeterministic writes the default benchmark capture twice and
// compares hashes, and reads one back to count its packets.
func TestBenchMixDeterministic(t *testing.T) {
	checkBenchDeterministic(t, WriteBenchMix)
	other, err := WriteBenchMix(io.Discard, BenchConfig{Packets: 1000, Seed: 2})
	if err != nil || other != 1000 {
		t.Errorf("seed 2: %d packets, %v", other, err)
	}
}

// TestBenchMixContent decodes a mix and checks the properties the brief
// asks for.
func TestBenchMixContent(t *testing.T) {
	const packets = 300_000
	type flow struct {
		a, b   [16]byte
		ap, bp uint16
	}
	var (
		tagged, qinq, v6, arp, n   int
		retrans, dataSegs          int
		dns, ntp, syslog, httpLike int
		firstSYN                   = map[flow]bool{}
		seenSeq                    = map[flow]map[uint32]bool{}
		routerIPs                  = map[string]bool{}
		unitsByServer              = map[string]map[uint8]bool{}
		ouis                       = map[OUI]bool{}
		exceptions, writes         int
		eth                        layers.Ethernet
		dot1q                      layers.Dot1Q
		ip4                        layers.IPv4
		ip6                        layers.IPv6
		tcp                        layers.TCP
		udp                        layers.UDP
		arpL                       layers.ARP
		found                      []gopacket.LayerType
	)
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &dot1q, &ip4, &ip6, &tcp, &udp, &arpL)
	parser.IgnoreUnsupported = true
	routerMAC := MAC(OUICisco, 0x5e0001).String()
	n = eachPacket(t, writeBenchBytes(t, WriteBenchMix, packets), func(n int, data []byte) {
		if err := parser.DecodeLayers(data, &found); err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
		et := binary.BigEndian.Uint16(data[12:])
		if et == 0x8100 || et == 0x88a8 {
			tagged++
		}
		if et == 0x88a8 {
			qinq++
		}
		var o OUI
		copy(o[:], eth.SrcMAC)
		ouis[o] = true
		var f flow
		var srcIP string
		for _, l := range found {
			switch l {
			case layers.LayerTypeARP:
				arp++
			case layers.LayerTypeIPv6:
				v6++
				copy(f.a[:], ip6.SrcIP)
				copy(f.b[:], ip6.DstIP)
				srcIP = ip6.SrcIP.String()
			case layers.LayerTypeIPv4:
				copy(f.a[:], ip4.SrcIP)
				copy(f.b[:], ip4.DstIP)
				srcIP = ip4.SrcIP.String()
			case layers.LayerTypeUDP:
				switch {
				case udp.DstPort == 53 || udp.SrcPort == 53:
					dns++
				case udp.DstPort == 123:
					ntp++
				case udp.DstPort == 514:
					syslog++
				}
			case layers.LayerTypeTCP:
				f.ap, f.bp = uint16(tcp.SrcPort), uint16(tcp.DstPort)
				if _, ok := firstSYN[f]; !ok {
					firstSYN[f] = tcp.SYN
				}
				if len(tcp.Payload) > 0 {
					dataSegs++
					if seenSeq[f] == nil {
						seenSeq[f] = map[uint32]bool{}
					}
					if seenSeq[f][tcp.Seq] {
						retrans++
					}
					seenSeq[f][tcp.Seq] = true
				}
				if tcp.SrcPort != 502 && tcp.DstPort != 502 && len(tcp.Payload) > 0 {
					httpLike++
				}
				if tcp.DstPort == 502 && len(tcp.Payload) >= 8 {
					srv := ip4.DstIP.String()
					if unitsByServer[srv] == nil {
						unitsByServer[srv] = map[uint8]bool{}
					}
					unitsByServer[srv][tcp.Payload[6]] = true
					if fc := tcp.Payload[7]; fc == 6 || fc == 16 || fc == 5 {
						writes++
					}
				}
				if tcp.SrcPort == 502 && len(tcp.Payload) >= 8 && tcp.Payload[7]&0x80 != 0 {
					exceptions++
				}
			}
		}
		if eth.SrcMAC.String() == routerMAC && srcIP != "" {
			routerIPs[srcIP] = true
		}
	})
	if n != packets {
		t.Fatalf("%d packets, want %d", n, packets)
	}
	share := func(x int) float64 { return float64(x) / float64(n) }
	if s := share(tagged); s < 0.15 || s > 0.30 {
		t.Errorf("802.1Q-tagged share %.3f, want about 0.2", s)
	}
	if qinq == 0 || share(qinq) > 0.03 {
		t.Errorf("%d QinQ frames, want a few", qinq)
	}
	if v6 == 0 || arp == 0 || dns == 0 || ntp == 0 || syslog == 0 || httpLike == 0 {
		t.Errorf("background: ipv6 %d arp %d dns %d ntp %d syslog %d http %d", v6, arp, dns, ntp, syslog, httpLike)
	}
	if s := float64(retrans) / float64(dataSegs); s < 0.004 || s > 0.02 {
		t.Errorf("retransmitted share of data segments %.4f, want about 0.01", s)
	}
	mid, modbus := 0, 0
	for f, syn := range firstSYN {
		if f.bp == 502 || f.ap == 502 {
			if f.bp == 502 {
				modbus++
				if !syn {
					mid++
				}
			}
		}
	}
	if modbus < benchSessions || mid < benchSessions/4 || mid > benchSessions*2/5 {
		t.Errorf("%d Modbus client->server flows, %d without a SYN; want >= %d and about a third of %d", modbus, mid, benchSessions, benchSessions)
	}
	if len(routerIPs) < 20 {
		t.Errorf("router MAC carries %d IPs, want many", len(routerIPs))
	}
	multi := 0
	for _, units := range unitsByServer {
		if len(units) > 1 {
			multi++
		}
	}
	if multi < 10 {
		t.Errorf("%d servers with several unit ids, want the gateways", multi)
	}
	for _, o := range []OUI{OUISchneider, OUISiemens, OUIRockwell, OUIPhoenix, OUIMoxa, OUICisco} {
		if !ouis[o] {
			t.Errorf("no source MAC with OUI % x", o[:])
		}
	}
	if exceptions == 0 || writes == 0 {
		t.Errorf("%d exceptions, %d writes", exceptions, writes)
	}
}

func BenchmarkWriteBenchMix(b *testing.B) { benchmarkBenchWriter(b, WriteBenchMix) }

// BenchmarkConnSend measures one Modbus response segment through the
// builder and a pcap sink: the per-packet cost, which must not allocate.
func BenchmarkConnSend(b *testing.B) {
	sink, err := NewPcapSink(io.Discard, LinkEthernet, false)
	if err != nil {
		b.Fatal(err)
	}
	tr := NewTrace(sink, LinkEthernet, BaseTime)
	c := tr.NewConn(L2{VLANs: []uint16{10}}, testClient, 40000, testServer, 502, 1, 1)
	regs := make([]uint16, 40)
	adu := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		adu = MBAP{TID: uint16(i), Unit: 1}.ReadRegistersResponse(adu[:0], FCReadHoldingRegisters, regs)
		c.Send(ToClient, adu)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
	if tr.Err() != nil {
		b.Fatal(tr.Err())
	}
}
