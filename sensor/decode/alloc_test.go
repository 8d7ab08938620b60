package decode

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// allocFrames are non-fragmented frames of every supported link type and
// kind, as in TestDecodeTable.
var allocFrames = []struct {
	name  string
	lt    layers.LinkType
	frame string
	// allocs is what gopacket's layers.IPv6 costs: it decodes a hop-by-hop
	// header itself and allocates each of its options.
	allocs float64
}{
	{"ethernet ipv4 tcp", layers.LinkTypeEthernet, ethMACs + "0800" + ipv4TCP, 0},
	{"ethernet ipv4 with options, udp", layers.LinkTypeEthernet, ethMACs + "0800" + ipv4OptUDP, 0},
	{"ethernet ipv6 udp", layers.LinkTypeEthernet, ethMACs + "86dd" + ipv6UDP, 0},
	{"ethernet ipv6 atomic fragment tcp", layers.LinkTypeEthernet, ethMACs + "86dd" + ipv6AtomicTCP, 0},
	{"ethernet ipv6 hop-by-hop, destination options, tcp", layers.LinkTypeEthernet, ethMACs + "86dd" + ipv6ExtTCP, 1},
	{"ethernet ipv6 hop-by-hop icmpv6", layers.LinkTypeEthernet, ethMACs + "86dd" + ipv6HBHICMP, 2},
	{"802.1Q", layers.LinkTypeEthernet, ethMACs + "8100" + "a064" + "0800" + ipv4UDP, 0},
	{"QinQ", layers.LinkTypeEthernet, ethMACs + "88a8" + "00c8" + "8100" + "0064" + "0800" + ipv4UDP, 0},
	{"three tags", layers.LinkTypeEthernet, ethMACs + "88a8" + "000a" + "8100" + "0014" + "8100" + "f01e" + "0800" + ipv4UDP, 0},
	{"linux sll", layers.LinkTypeLinuxSLL, "0000" + "0001" + "0006" + "001422040506" + "0000" + "0800" + ipv4TCP, 0},
	{"linux sll2", layers.LinkTypeLinuxSLL2, "86dd" + "0000" + "00000002" + "0001" + "04" + "06" + "001422040506" + "0000" + ipv6UDP, 0},
	{"raw 101 ipv4", layers.LinkTypeRaw, ipv4TCP, 0},
	{"raw 101 ipv6", layers.LinkTypeRaw, ipv6UDP, 0},
	{"raw 228", layers.LinkTypeIPv4, ipv4UDP, 0},
	{"raw 229", layers.LinkTypeIPv6, ipv6UDP, 0},
	{"null", layers.LinkTypeNull, "02000000" + ipv4TCP, 0},
	{"loop", layers.LinkTypeLoop, "00000018" + ipv6UDP, 0},
	{"arp", layers.LinkTypeEthernet, arpRequest, 0},
	{"lldp", layers.LinkTypeEthernet, lldp, 0},
	{"unsupported link", layers.LinkTypeIEEE80211Radio, lldp, 0},
}

// TestDecodeAllocs: decoding a frame that is not a fragment allocates
// nothing (after the first frame, which sizes the decoder's buffers).
func TestDecodeAllocs(t *testing.T) {
	for _, tc := range allocFrames {
		t.Run(tc.name, func(t *testing.T) {
			frame := mustHex(t, tc.frame)
			d := New()
			ci := ciFor(frame, t0)
			kind := d.Decode(frame, ci, tc.lt).Kind
			if kind == KindError || kind == KindFragment {
				t.Fatalf("Kind %d", kind)
			}
			n := testing.AllocsPerRun(500, func() {
				ci.Timestamp = ci.Timestamp.Add(10 * time.Millisecond) // fragment expiry sweeps too
				d.Decode(frame, ci, tc.lt)
			})
			if n != tc.allocs {
				t.Errorf("%v allocations per frame, want %v", n, tc.allocs)
			}
		})
	}
}
