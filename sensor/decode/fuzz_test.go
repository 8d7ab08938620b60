package decode

import (
	"testing"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// supportedLinks are the link types Decode handles.
var supportedLinks = []layers.LinkType{
	layers.LinkTypeNull, layers.LinkTypeEthernet, 12, 14, layers.LinkTypeRaw,
	layers.LinkTypeLoop, layers.LinkTypeLinuxSLL, layers.LinkTypeIPv4,
	layers.LinkTypeIPv6, layers.LinkTypeLinuxSLL2,
}

// fuzzCaptures are a few small captures of each link type of the corpus,
// read for the seed corpus.
var fuzzCaptures = []string{
	"icsnpp-modbus/testing/traces/modbus_example.pcap",                             // Ethernet, Modbus/TCP
	"suricata-verify/tests/mqtt-ping/input.pcap",                                   // Ethernet, MQTT
	"ITI-ICS-Security-Tools/pcaps/dnp3/opendnp3-3/conformance/8.2.3.2.1/dump.pcap", // null (BSD loopback)
	"suricata-verify/tests/dnp3/dnp3-flood/input.pcap",                             // raw IPv4 (228)
	"suricata-verify/tests/tls/tls-pre-1970/input.pcap",                            // raw IP (101)
	"nDPI/tests/cfgs/default/pcap/tls_1.3_unidirectional_client.pcapng",            // pcapng, Ethernet
	"zeek/testing/btest/Traces/mixed-vlan-mpls.pcap",                               // 802.1Q, MPLS
}

// fuzzSeeds returns the frames of the table tests, fragments, and frames of
// fuzzCaptures, with their link types.
func fuzzSeeds(tb testing.TB) []captured {
	tb.Helper()
	requirePcapDir(tb)
	var out []captured
	add := func(lt layers.LinkType, frame []byte) {
		out = append(out, captured{data: frame, lt: lt})
	}
	for _, f := range allocFrames {
		add(f.lt, mustHex(tb, f.frame))
	}
	for _, f := range []string{ethMACs + "86dd" + ipv6AtomicICMP, arpReply, ethMACs + "0800" + ipv4TCP[:60]} {
		add(layers.LinkTypeEthernet, mustHex(tb, f))
	}
	seg := tcpSegment(tb, fragData)
	for _, f := range frags4(tb, seg, 1) {
		add(layers.LinkTypeEthernet, f)
	}
	for _, f := range frags6(tb, seg, 1) {
		add(layers.LinkTypeEthernet, f)
	}
	for _, name := range fuzzCaptures {
		frames := readCapture(tb, pcapDir+"/"+name, 20)
		if len(frames) == 0 {
			tb.Fatalf("%s: no frames", name)
		}
		out = append(out, frames...)
	}
	return out
}

// within tells whether sub lies inside buf's bytes.
func within(sub, buf []byte) bool {
	if len(sub) == 0 {
		return true
	}
	if len(buf) == 0 {
		return false
	}
	s := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	b := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	return s >= b && s+uintptr(len(sub)) <= b+uintptr(len(buf))
}

// FuzzDecode decodes data as every supported link type and as linkType:
// no panic, a consistent Packet, and a Payload inside data unless the
// packet completed a reassembled datagram.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.data, uint16(s.lt))
	}
	f.Fuzz(func(t *testing.T, data []byte, linkType uint16) {
		d := New()
		ts := time.Unix(1700000000, 0)
		lts := append(supportedLinks[:len(supportedLinks):len(supportedLinks)], layers.LinkType(linkType))
		for i, lt := range lts {
			// Each frame twice, 20 s apart, so that fragments meet
			// themselves and expiry runs.
			for range 2 {
				ts = ts.Add(20 * time.Second)
				before := d.Stats
				ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data) + i%2}
				p := d.Decode(data, ci, lt)
				checkFuzzPacket(t, d, &before, p, data, lt)
			}
		}
	})
}

func checkFuzzPacket(t *testing.T, d *Decoder, before *Stats, p *Packet, data []byte, lt layers.LinkType) {
	t.Helper()
	s := &d.Stats
	if p.Kind > KindError {
		t.Fatalf("link %d: Kind %d", lt, p.Kind)
	}
	if (p.Kind == KindError) != (p.Err != nil) {
		t.Fatalf("link %d: Kind %d with Err %v", lt, p.Kind, p.Err)
	}
	if supported := d.parserFor(lt, data) != nil; supported == (p.Kind == KindUnsupported) {
		t.Fatalf("link %d: Kind %d", lt, p.Kind)
	}
	if p.NVLAN > maxVLANs {
		t.Fatalf("NVLAN %d", p.NVLAN)
	}
	for _, v := range p.VLAN[p.NVLAN:] {
		if v != 0 {
			t.Fatalf("VLAN %v beyond NVLAN %d", p.VLAN, p.NVLAN)
		}
	}
	reassembled := s.Reassembled > before.Reassembled
	if reassembled && p.Kind != KindIP && p.Kind != KindError {
		t.Fatalf("link %d: reassembled, Kind %d", lt, p.Kind)
	}
	if !reassembled && !within(p.Payload, data) {
		t.Fatalf("link %d: Payload outside the frame", lt)
	}
	if len(p.Payload) > 1<<16 {
		t.Fatalf("link %d: Payload of %d bytes", lt, len(p.Payload))
	}
	if p.TCP != nil && (p.Proto != layers.IPProtocolTCP || uint16(p.TCP.SrcPort) != p.SrcPort || uint16(p.TCP.DstPort) != p.DstPort) {
		t.Fatalf("link %d: TCP %v with Proto %v ports %d→%d", lt, p.TCP.SrcPort, p.Proto, p.SrcPort, p.DstPort)
	}
	if p.UDP != nil && (p.Proto != layers.IPProtocolUDP || uint16(p.UDP.SrcPort) != p.SrcPort || uint16(p.UDP.DstPort) != p.DstPort) {
		t.Fatalf("link %d: UDP with Proto %v", lt, p.Proto)
	}
	if p.TCP != nil && p.UDP != nil {
		t.Fatalf("link %d: both TCP and UDP", lt)
	}
	if p.Kind == KindIP && (!p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Is4() != p.Dst.Is4()) {
		t.Fatalf("link %d: IP packet %v → %v", lt, p.Src, p.Dst)
	}
	if (p.Kind == KindARP) != (p.ARP != nil) {
		t.Fatalf("link %d: Kind %d ARP %v", lt, p.Kind, p.ARP != nil)
	}
	if p.Kind == KindL2 && !p.HasSrcMAC {
		t.Fatalf("link %d: L2 frame without a source MAC", lt)
	}
	if s.Packets != before.Packets+1 || s.Packets != s.IP+s.NonIP+s.DecodeErrors+s.Unsupported {
		t.Fatalf("stats %+v", *s)
	}
}
