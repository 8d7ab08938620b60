package synth

import (
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestBenchDNP3Deterministic writes the DNP3 benchmark twice, compares
// hashes and reads one back.
func TestBenchDNP3Deterministic(t *testing.T) {
	checkBenchDeterministic(t, WriteBenchDNP3)
}

// TestBenchDNP3Content decodes part of the benchmark capture: every DNP3
// payload must be whole, CRC-correct link frames (checked with the
// test's own parser), and the workload must have what the doc promises.
func TestBenchDNP3Content(t *testing.T) {
	const packets = 200_000
	var (
		eth     layers.Ethernet
		dot1q   layers.Dot1Q
		ip4     layers.IPv4
		ip6     layers.IPv6
		tcp     layers.TCP
		udp     layers.UDP
		arp     layers.ARP
		found   []gopacket.LayerType
		n, dnp  int
		tagged  int
		udpDNP  int
		frames  int
		sizes   = map[int]int{} // link frames per response segment
		fcs     = map[uint8]int{}
		uns     int
		addrsOf = map[string]map[uint16]bool{}
		syn     = map[uint16]bool{} // client port -> first segment was a SYN
	)
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &dot1q, &ip4, &ip6, &tcp, &udp, &arp)
	parser.IgnoreUnsupported = true
	n = eachPacket(t, writeBenchBytes(t, WriteBenchDNP3, packets), func(n int, data []byte) {
		if err := parser.DecodeLayers(data, &found); err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
		var payload []byte
		var toStation bool
		for _, l := range found {
			switch l {
			case layers.LayerTypeDot1Q:
				tagged++
			case layers.LayerTypeTCP:
				if tcp.DstPort == 20000 || tcp.SrcPort == 20000 {
					dnp++
					payload, toStation = tcp.Payload, tcp.DstPort == 20000
					if toStation {
						if _, ok := syn[uint16(tcp.SrcPort)]; !ok {
							syn[uint16(tcp.SrcPort)] = tcp.SYN
						}
					}
				}
			case layers.LayerTypeUDP:
				if udp.DstPort == 20000 {
					dnp++
					udpDNP++
					payload = udp.Payload
				}
			}
		}
		if len(payload) == 0 {
			return
		}
		fs, err := parseFrames(payload)
		if err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
		frames += len(fs)
		if fs[0].ctrl&0x80 == 0 && len(fs[0].user) > 0 {
			sizes[len(fs)]++
			ip := ip4.SrcIP.String()
			if addrsOf[ip] == nil {
				addrsOf[ip] = map[uint16]bool{}
			}
			addrsOf[ip][fs[0].src] = true
		}
		frags, err := reassemble(fs)
		if err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
		for _, f := range frags {
			if len(f) < 2 {
				t.Fatalf("packet %d: fragment of %d octets", n, len(f))
			}
			fcs[f[1]]++
			if f[1] == DNP3UnsolicitedResponse && f[0]&0x10 != 0 {
				uns++
			}
		}
	})
	if n != packets {
		t.Fatalf("%d packets", n)
	}
	if s := float64(dnp) / float64(n); s < 0.75 || s > 0.95 {
		t.Errorf("DNP3 share %.2f, want about 0.85", s)
	}
	if udpDNP == 0 || tagged == 0 {
		t.Errorf("%d DNP3 datagrams, %d tagged frames", udpDNP, tagged)
	}
	for _, fc := range []uint8{DNP3Confirm, DNP3Read, DNP3Select, DNP3Operate, DNP3Response, DNP3UnsolicitedResponse} {
		if fcs[fc] == 0 {
			t.Errorf("no function %d (%v)", fc, fcs)
		}
	}
	if uns != fcs[DNP3UnsolicitedResponse] {
		t.Errorf("%d unsolicited responses, %d with UNS", fcs[DNP3UnsolicitedResponse], uns)
	}
	if sizes[1] == 0 || sizes[2] == 0 || sizes[3] == 0 {
		t.Errorf("response segments by link frames: %v", sizes)
	}
	gateways := 0
	for _, a := range addrsOf {
		if len(a) > 1 {
			gateways++
		}
	}
	if gateways < 30 {
		t.Errorf("%d stations with several link addresses", gateways)
	}
	mid := 0
	for _, s := range syn {
		if !s {
			mid++
		}
	}
	if mid == 0 || mid == len(syn) {
		t.Errorf("%d of %d connections without a SYN", mid, len(syn))
	}
	t.Logf("%d packets: DNP3 %d (%d UDP), %d link frames, functions %v, response frames %v, %d gateways, %d/%d midstream",
		n, dnp, udpDNP, frames, fcs, sizes, gateways, mid, len(syn))
}

func BenchmarkWriteBenchDNP3(b *testing.B) { benchmarkBenchWriter(b, WriteBenchDNP3) }
