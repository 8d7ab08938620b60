package decode

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Building blocks of the test frames. Every multi-byte field is big-endian
// (network order) unless said otherwise.
const (
	// Ethernet II addresses: dst 00:80:f4:01:02:03, src 00:14:22:04:05:06.
	ethMACs = "0080f4010203" + "001422040506"

	// ipv4TCP is IPv4 / TCP / Modbus, 52 bytes:
	// IPv4: version 4, IHL 5 | TOS 0 | total length 52 | id 0x1234 |
	// flags 0, offset 0 | TTL 64 | proto 6 (TCP) | checksum 0 |
	// src 10.0.0.10 | dst 10.0.0.21.
	// TCP: sport 50000 | dport 502 | seq 1 | ack 1 | data offset 5,
	// flags PSH ACK | window 65535 | checksum 0 | urgent 0.
	// Payload (12 bytes): Modbus FC3 request, transaction 1, unit 1,
	// address 0, quantity 10.
	ipv4TCP = "45000034" + "12340000" + "4006" + "0000" + "0a00000a" + "0a000015" +
		"c35001f6" + "00000001" + "00000001" + "5018" + "ffff" + "0000" + "0000" +
		ipv4TCPPayload
	ipv4TCPPayload = "000100000006" + "01" + "03" + "0000" + "000a"

	// ipv4UDP is IPv4 / UDP, 36 bytes:
	// IPv4: 45 | TOS 0 | total length 36 | id 1 | flags 0, offset 0 | TTL 64 |
	// proto 17 (UDP) | checksum 0 | src 192.168.1.1 | dst 192.168.1.2.
	// UDP: sport 1234 | dport 5678 | length 16 | checksum 0 | 8 payload bytes.
	ipv4UDP = "45000024" + "00010000" + "4011" + "0000" + "c0a80101" + "c0a80102" +
		"04d2" + "162e" + "0010" + "0000" + ipv4UDPPayload
	ipv4UDPPayload = "0102030405060708"

	// ipv4OptUDP is IPv4 with options / UDP, 40 bytes:
	// IPv4: version 4, IHL 6 | TOS 0 | total length 40 | id 2 | flags DF,
	// offset 0 | TTL 1 | proto 17 | checksum 0 | src 192.168.1.1 |
	// dst 224.0.0.251 | options: router alert (type 148, length 4, value 0).
	// UDP: sport 1234 | dport 5678 | length 16 | checksum 0 | 8 bytes.
	ipv4OptUDP = "46000028" + "00024000" + "0111" + "0000" + "c0a80101" + "e00000fb" + "94040000" +
		"04d2" + "162e" + "0010" + "0000" + ipv4UDPPayload

	// ipv6UDP is IPv6 / UDP, 56 bytes:
	// IPv6: version 6, traffic class 0, flow label 0 | payload length 16 |
	// next header 17 (UDP) | hop limit 64 | src fe80::1 | dst fe80::2.
	// UDP: sport 49153 | dport 20000 | length 16 | checksum 0 | 8 payload bytes.
	ipv6UDP = "60000000" + "0010" + "11" + "40" +
		"fe800000000000000000000000000001" + "fe800000000000000000000000000002" +
		"c001" + "4e20" + "0010" + "0000" + ipv6UDPPayload
	ipv6UDPPayload = "deadbeefcafef00d"

	// ipv6ExtTCP is IPv6 / hop-by-hop options / destination options / TCP:
	// IPv6: 60000000 | payload length 40 | next header 0 (hop-by-hop) |
	// hop limit 64 | src 2001:db8::1 | dst 2001:db8::2.
	// Hop-by-hop: next header 60 (destination options) | length 0 (8 bytes) |
	// PadN option (type 1, length 4, 4 zero bytes).
	// Destination options: next header 6 (TCP) | length 0 | PadN, 4 bytes.
	// TCP: sport 50001 | dport 1883 | seq 100 | ack 0 | offset 5, PSH ACK |
	// window 1024 | checksum 0 | urgent 0 | payload 01 02 03 04.
	ipv6ExtTCP = "60000000" + "0028" + "00" + "40" +
		"20010db8000000000000000000000001" + "20010db8000000000000000000000002" +
		"3c00" + "0104" + "00000000" +
		"0600" + "0104" + "00000000" +
		"c351" + "075b" + "00000064" + "00000000" + "5018" + "0400" + "0000" + "0000" +
		"01020304"

	// ipv6HBHICMP is an MLDv2 report: IPv6 / hop-by-hop / ICMPv6.
	// IPv6: 60000000 | payload length 16 | next header 0 (hop-by-hop) |
	// hop limit 1 | src fe80::1 | dst ff02::16.
	// Hop-by-hop: next header 58 (ICMPv6) | length 0 | router alert option
	// (type 5, length 2, value 0) | PadN (type 1, length 0).
	// ICMPv6: type 143 (MLDv2 report) | code 0 | checksum 0 | reserved 0 |
	// 0 records.
	ipv6HBHICMP = "60000000" + "0010" + "00" + "01" +
		"fe800000000000000000000000000001" + "ff020000000000000000000000000016" +
		"3a00" + "05020000" + "0100" +
		ipv6HBHICMPPayload
	ipv6HBHICMPPayload = "8f00" + "0000" + "0000" + "0000"

	// ipv6AtomicTCP is IPv6 / atomic fragment header / TCP:
	// IPv6: 60000000 | payload length 32 | next header 44 (fragment) |
	// hop limit 64 | src 2001:db8::1 | dst 2001:db8::2.
	// Fragment: next header 6 (TCP) | reserved 0 | offset 0, M=0 |
	// identification 0x12345678.
	// TCP as in ipv6ExtTCP, payload 01 02 03 04.
	ipv6AtomicTCP = "60000000" + "0020" + "2c" + "40" +
		"20010db8000000000000000000000001" + "20010db8000000000000000000000002" +
		"06" + "00" + "0000" + "12345678" +
		"c351" + "075b" + "00000064" + "00000000" + "5018" + "0400" + "0000" + "0000" +
		"01020304"

	// ipv6AtomicICMP is IPv6 / atomic fragment header / ICMPv6 echo:
	// IPv6: payload length 16 | next header 44 | hop limit 64 | src
	// 2001:db8::1 | dst 2001:db8::2. Fragment: next header 58 | 0 | offset 0,
	// M=0 | id 1. ICMPv6: type 128 (echo request) | code 0 | checksum 0 |
	// id 1 | seq 1.
	ipv6AtomicICMP = "60000000" + "0010" + "2c" + "40" +
		"20010db8000000000000000000000001" + "20010db8000000000000000000000002" +
		"3a" + "00" + "0000" + "00000001" +
		ipv6AtomicICMPPayload
	ipv6AtomicICMPPayload = "8000" + "0000" + "0001" + "0001"

	// arpRequest: Ethernet broadcast from 00:14:22:04:05:06, type ARP;
	// ARP: hardware 1 (Ethernet) | protocol 0x0800 | hlen 6 | plen 4 |
	// op 1 (request) | sender 00:14:22:04:05:06 10.0.0.10 |
	// target 00:00:00:00:00:00 10.0.0.21 | 18 bytes of Ethernet padding.
	arpRequest = "ffffffffffff" + "001422040506" + "0806" +
		"0001" + "0800" + "06" + "04" + "0001" +
		"001422040506" + "0a00000a" + "000000000000" + "0a000015" +
		"000000000000000000000000000000000000"

	// arpReply: Ethernet 00:80:f4:01:02:03 → 00:14:22:04:05:06, type ARP;
	// ARP op 2 (reply): sender 00:80:f4:01:02:03 10.0.0.21, target
	// 00:14:22:04:05:06 10.0.0.10, then padding.
	arpReply = "001422040506" + "0080f4010203" + "0806" +
		"0001" + "0800" + "06" + "04" + "0002" +
		"0080f4010203" + "0a000015" + "001422040506" + "0a00000a" +
		"000000000000000000000000000000000000"

	// lldp: Ethernet to the LLDP multicast 01:80:c2:00:00:0e from
	// 00:14:22:04:05:06, type 0x88cc; TLVs: chassis id (type 1, length 7,
	// subtype 4 MAC address), port id (type 2, length 2, subtype 7 local,
	// "1"), TTL (type 3, length 2, 120 s), end (type 0, length 0).
	lldp = "0180c200000e" + "001422040506" + "88cc" +
		"0207" + "04" + "001422040506" +
		"0402" + "07" + "31" +
		"0602" + "0078" +
		"0000"
)

// want is what a test expects of a decoded Packet. Empty strings mean "not
// set"; every field is compared.
type want struct {
	kind           Kind
	srcMAC, dstMAC string
	etherType      layers.EthernetType
	vlan           []uint16
	src, dst       string
	proto          layers.IPProtocol
	sport, dport   uint16
	payload        string // hex
	truncated      bool
	tcp, udp       bool
}

var (
	macA = "00:14:22:04:05:06"
	macB = "00:80:f4:01:02:03"
)

// modbusTCP is what ipv4TCP decodes to, without link-layer fields.
func modbusTCP(w want) want {
	w.kind = KindIP
	w.src, w.dst = "10.0.0.10", "10.0.0.21"
	w.proto = layers.IPProtocolTCP
	w.sport, w.dport = 50000, 502
	w.payload = ipv4TCPPayload
	w.tcp = true
	return w
}

func udp4(w want) want {
	w.kind = KindIP
	w.src, w.dst = "192.168.1.1", "192.168.1.2"
	w.proto = layers.IPProtocolUDP
	w.sport, w.dport = 1234, 5678
	w.payload = ipv4UDPPayload
	w.udp = true
	return w
}

func udp6(w want) want {
	w.kind = KindIP
	w.src, w.dst = "fe80::1", "fe80::2"
	w.proto = layers.IPProtocolUDP
	w.sport, w.dport = 49153, 20000
	w.payload = ipv6UDPPayload
	w.udp = true
	return w
}

func tcp6(w want) want {
	w.kind = KindIP
	w.src, w.dst = "2001:db8::1", "2001:db8::2"
	w.proto = layers.IPProtocolTCP
	w.sport, w.dport = 50001, 1883
	w.payload = "01020304"
	w.tcp = true
	return w
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad test hex %q: %v", s, err)
	}
	return b
}

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func ciFor(data []byte, ts time.Time) gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}
}

// check compares p with w and reports every difference.
func check(t *testing.T, p *Packet, w want) {
	t.Helper()
	if p.Kind != w.kind {
		t.Errorf("Kind = %d, want %d (err %v)", p.Kind, w.kind, p.Err)
	}
	if (p.Kind == KindError) != (p.Err != nil) {
		t.Errorf("Kind %d with Err %v", p.Kind, p.Err)
	}
	checkMAC(t, "src", p.HasSrcMAC, p.SrcMAC, w.srcMAC)
	checkMAC(t, "dst", p.HasDstMAC, p.DstMAC, w.dstMAC)
	if p.EtherType != w.etherType {
		t.Errorf("EtherType = %v, want %v", p.EtherType, w.etherType)
	}
	if got := p.VLAN[:p.NVLAN]; !slices.Equal(got, w.vlan) {
		t.Errorf("VLAN = %v (NVLAN %d), want %v", got, p.NVLAN, w.vlan)
	}
	for i := int(p.NVLAN); i < len(p.VLAN); i++ {
		if p.VLAN[i] != 0 {
			t.Errorf("VLAN[%d] = %d beyond NVLAN %d", i, p.VLAN[i], p.NVLAN)
		}
	}
	checkAddr(t, "Src", p.Src, w.src)
	checkAddr(t, "Dst", p.Dst, w.dst)
	if p.Proto != w.proto {
		t.Errorf("Proto = %v, want %v", p.Proto, w.proto)
	}
	if p.SrcPort != w.sport || p.DstPort != w.dport {
		t.Errorf("ports %d→%d, want %d→%d", p.SrcPort, p.DstPort, w.sport, w.dport)
	}
	if got := hex.EncodeToString(p.Payload); got != w.payload {
		t.Errorf("Payload = %s, want %s", got, w.payload)
	}
	if p.Truncated != w.truncated {
		t.Errorf("Truncated = %v, want %v", p.Truncated, w.truncated)
	}
	if (p.TCP != nil) != w.tcp || (p.UDP != nil) != w.udp {
		t.Errorf("TCP set %v, UDP set %v; want %v, %v", p.TCP != nil, p.UDP != nil, w.tcp, w.udp)
	}
	if p.TCP != nil && (uint16(p.TCP.SrcPort) != p.SrcPort || uint16(p.TCP.DstPort) != p.DstPort || !bytes.Equal(p.TCP.Payload, p.Payload)) {
		t.Errorf("TCP layer %d→%d %x disagrees with the packet", p.TCP.SrcPort, p.TCP.DstPort, p.TCP.Payload)
	}
	if p.UDP != nil && (uint16(p.UDP.SrcPort) != p.SrcPort || uint16(p.UDP.DstPort) != p.DstPort || !bytes.Equal(p.UDP.Payload, p.Payload)) {
		t.Errorf("UDP layer %d→%d %x disagrees with the packet", p.UDP.SrcPort, p.UDP.DstPort, p.UDP.Payload)
	}
	if (p.Kind == KindARP) != (p.ARP != nil) {
		t.Errorf("Kind %d with ARP %v", p.Kind, p.ARP != nil)
	}
	if p.Kind == KindIP {
		src, dst := p.NetFlow.Endpoints()
		if src.String() != p.Src.String() || dst.String() != p.Dst.String() {
			t.Errorf("NetFlow %v, want %v→%v", p.NetFlow, p.Src, p.Dst)
		}
	}
}

func checkMAC(t *testing.T, side string, has bool, got [6]byte, w string) {
	t.Helper()
	if w == "" {
		if has || got != ([6]byte{}) {
			t.Errorf("%s MAC %x (has %v), want none", side, got, has)
		}
		return
	}
	if !has {
		t.Errorf("%s MAC missing, want %s", side, w)
		return
	}
	want := mustHex(t, strings.ReplaceAll(w, ":", ""))
	if !bytes.Equal(got[:], want) {
		t.Errorf("%s MAC %x, want %s", side, got, w)
	}
}

func checkAddr(t *testing.T, name string, got netip.Addr, w string) {
	t.Helper()
	if w == "" {
		if got.IsValid() {
			t.Errorf("%s = %v, want none", name, got)
		}
		return
	}
	if got != netip.MustParseAddr(w) {
		t.Errorf("%s = %v, want %s", name, got, w)
	}
}

// checkStats checks the counters after one Decode of a frame of wireLen
// bytes: exactly one class counter moved, the one matching the kind.
func checkStats(t *testing.T, s *Stats, k Kind, wireLen int) {
	t.Helper()
	if s.Packets != 1 || s.Bytes != uint64(wireLen) {
		t.Errorf("Packets %d Bytes %d, want 1 and %d", s.Packets, s.Bytes, wireLen)
	}
	var want [4]uint64 // IP, NonIP, DecodeErrors, Unsupported
	switch k {
	case KindIP, KindFragment:
		want[0] = 1
	case KindARP, KindL2:
		want[1] = 1
	case KindError:
		want[2] = 1
	case KindUnsupported:
		want[3] = 1
	}
	if got := [4]uint64{s.IP, s.NonIP, s.DecodeErrors, s.Unsupported}; got != want {
		t.Errorf("IP/NonIP/DecodeErrors/Unsupported = %v, want %v", got, want)
	}
}

func TestDecodeTable(t *testing.T) {
	eth := func(typ layers.EthernetType) want {
		return want{srcMAC: macA, dstMAC: macB, etherType: typ}
	}
	tests := []struct {
		name  string
		lt    layers.LinkType
		frame string
		want  want
	}{
		{"ethernet ipv4 tcp", layers.LinkTypeEthernet,
			ethMACs + "0800" + ipv4TCP, modbusTCP(eth(layers.EthernetTypeIPv4))},
		{"ethernet ipv4 with options, udp", layers.LinkTypeEthernet,
			ethMACs + "0800" + ipv4OptUDP, want{kind: KindIP, srcMAC: macA, dstMAC: macB,
				etherType: layers.EthernetTypeIPv4, src: "192.168.1.1", dst: "224.0.0.251",
				proto: layers.IPProtocolUDP, sport: 1234, dport: 5678, payload: ipv4UDPPayload, udp: true}},
		{"ethernet ipv6 udp", layers.LinkTypeEthernet,
			ethMACs + "86dd" + ipv6UDP, udp6(eth(layers.EthernetTypeIPv6))},
		{"ethernet ipv6 hop-by-hop, destination options, tcp", layers.LinkTypeEthernet,
			ethMACs + "86dd" + ipv6ExtTCP, tcp6(eth(layers.EthernetTypeIPv6))},
		{"ethernet ipv6 hop-by-hop icmpv6 (MLDv2 report)", layers.LinkTypeEthernet,
			ethMACs + "86dd" + ipv6HBHICMP, want{kind: KindIP, srcMAC: macA, dstMAC: macB,
				etherType: layers.EthernetTypeIPv6, src: "fe80::1", dst: "ff02::16",
				proto: layers.IPProtocolICMPv6, payload: ipv6HBHICMPPayload}},
		{"ethernet ipv6 atomic fragment tcp", layers.LinkTypeEthernet,
			ethMACs + "86dd" + ipv6AtomicTCP, tcp6(eth(layers.EthernetTypeIPv6))},
		{"ethernet ipv6 atomic fragment icmpv6", layers.LinkTypeEthernet,
			ethMACs + "86dd" + ipv6AtomicICMP, want{kind: KindIP, srcMAC: macA, dstMAC: macB,
				etherType: layers.EthernetTypeIPv6, src: "2001:db8::1", dst: "2001:db8::2",
				proto: layers.IPProtocolICMPv6, payload: ipv6AtomicICMPPayload}},
		// 802.1Q tag: TCI a064 = priority 5, DEI 0, VLAN 100; then IPv4.
		{"802.1Q", layers.LinkTypeEthernet,
			ethMACs + "8100" + "a064" + "0800" + ipv4UDP,
			func() want { w := udp4(eth(layers.EthernetTypeIPv4)); w.vlan = []uint16{100}; return w }()},
		// 802.1ad S-tag VLAN 200, then 802.1Q C-tag VLAN 100, then IPv4.
		{"QinQ", layers.LinkTypeEthernet,
			ethMACs + "88a8" + "00c8" + "8100" + "0064" + "0800" + ipv4UDP,
			func() want { w := udp4(eth(layers.EthernetTypeIPv4)); w.vlan = []uint16{200, 100}; return w }()},
		// Three tags: 802.1ad VLAN 10, 802.1Q VLAN 20, 802.1Q VLAN 30
		// (TCI f01e: priority 7, DEI 1, VLAN 30); the outer two are kept.
		{"three tags", layers.LinkTypeEthernet,
			ethMACs + "88a8" + "000a" + "8100" + "0014" + "8100" + "f01e" + "0800" + ipv4UDP,
			func() want { w := udp4(eth(layers.EthernetTypeIPv4)); w.vlan = []uint16{10, 20}; return w }()},
		// Linux cooked v1: packet type 0 (to us) | ARPHRD 1 (Ethernet) |
		// address length 6 | address 00:14:22:04:05:06 + 2 pad bytes |
		// protocol 0x0800.
		{"linux sll", layers.LinkTypeLinuxSLL,
			"0000" + "0001" + "0006" + "001422040506" + "0000" + "0800" + ipv4TCP,
			modbusTCP(want{srcMAC: macA, etherType: layers.EthernetTypeIPv4})},
		// Linux cooked v2: protocol 0x86dd | reserved 0 | ifindex 2 |
		// ARPHRD 1 | packet type 4 (outgoing) | address length 6 |
		// address 00:14:22:04:05:06 + 2 pad bytes.
		{"linux sll2", layers.LinkTypeLinuxSLL2,
			"86dd" + "0000" + "00000002" + "0001" + "04" + "06" + "001422040506" + "0000" + ipv6UDP,
			udp6(want{srcMAC: macA, etherType: layers.EthernetTypeIPv6})},
		{"raw 101 ipv4", layers.LinkTypeRaw, ipv4TCP, modbusTCP(want{})},
		{"raw 101 ipv6", layers.LinkTypeRaw, ipv6UDP, udp6(want{})},
		{"raw 228 ipv4", layers.LinkTypeIPv4, ipv4UDP, udp4(want{})},
		{"raw 229 ipv6", layers.LinkTypeIPv6, ipv6UDP, udp6(want{})},
		{"raw 12 ipv4", 12, ipv4TCP, modbusTCP(want{})},
		{"raw 12 ipv6", 12, ipv6ExtTCP, tcp6(want{})},
		{"raw 14 ipv4", 14, ipv4UDP, udp4(want{})},
		{"raw 14 ipv6", 14, ipv6UDP, udp6(want{})},
		// BSD loopback: a 4-byte address family in the writer's byte order
		// (DLT_NULL) or in network order (DLT_LOOP); AF_INET is 2, AF_INET6
		// 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
		{"null, little-endian AF_INET", layers.LinkTypeNull, "02000000" + ipv4TCP, modbusTCP(want{})},
		{"null, big-endian AF_INET", layers.LinkTypeNull, "00000002" + ipv4UDP, udp4(want{})},
		{"null, little-endian AF_INET6 (macOS)", layers.LinkTypeNull, "1e000000" + ipv6UDP, udp6(want{})},
		{"null, big-endian AF_INET6 (FreeBSD)", layers.LinkTypeNull, "0000001c" + ipv6UDP, udp6(want{})},
		{"loop, big-endian AF_INET", layers.LinkTypeLoop, "00000002" + ipv4TCP, modbusTCP(want{})},
		{"loop, little-endian AF_INET", layers.LinkTypeLoop, "02000000" + ipv4UDP, udp4(want{})},
		{"loop, big-endian AF_INET6 (OpenBSD)", layers.LinkTypeLoop, "00000018" + ipv6ExtTCP, tcp6(want{})},
		{"loop, little-endian AF_INET6 (NetBSD)", layers.LinkTypeLoop, "18000000" + ipv6UDP, udp6(want{})},
		{"arp request", layers.LinkTypeEthernet, arpRequest,
			want{kind: KindARP, srcMAC: macA, dstMAC: "ff:ff:ff:ff:ff:ff", etherType: layers.EthernetTypeARP}},
		{"arp reply", layers.LinkTypeEthernet, arpReply,
			want{kind: KindARP, srcMAC: macB, dstMAC: macA, etherType: layers.EthernetTypeARP}},
		{"lldp", layers.LinkTypeEthernet, lldp,
			want{kind: KindL2, srcMAC: macA, dstMAC: "01:80:c2:00:00:0e", etherType: layers.EthernetTypeLinkLayerDiscovery}},
		// Linux cooked capture of an ARP request (no destination MAC).
		{"linux sll arp", layers.LinkTypeLinuxSLL,
			"0000" + "0001" + "0006" + "001422040506" + "0000" + "0806" + arpRequest[28:],
			want{kind: KindARP, srcMAC: macA, etherType: layers.EthernetTypeARP}},
		// Loopback with family 7 (not IP): nothing to learn from.
		{"null, unknown family", layers.LinkTypeNull, "07000000" + ipv4UDP, want{kind: KindError}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frame := mustHex(t, tc.frame)
			d := New()
			p := d.Decode(frame, ciFor(frame, t0), tc.lt)
			check(t, p, tc.want)
			checkStats(t, &d.Stats, tc.want.kind, len(frame))
			if !p.Time.Equal(t0) || p.WireLen != len(frame) {
				t.Errorf("Time %v WireLen %d, want %v %d", p.Time, p.WireLen, t0, len(frame))
			}
			if d.Stats.Fragments != 0 || d.Stats.Truncated != 0 {
				t.Errorf("stats %+v", d.Stats)
			}
		})
	}
}

func TestDecodeARPFields(t *testing.T) {
	for _, tc := range []struct {
		frame              string
		op                 uint16
		sha, spa, tha, tpa string
	}{
		{arpRequest, layers.ARPRequest, "001422040506", "0a00000a", "000000000000", "0a000015"},
		{arpReply, layers.ARPReply, "0080f4010203", "0a000015", "001422040506", "0a00000a"},
	} {
		frame := mustHex(t, tc.frame)
		p := New().Decode(frame, ciFor(frame, t0), layers.LinkTypeEthernet)
		if p.ARP == nil {
			t.Fatalf("no ARP in %s", tc.frame)
		}
		a := p.ARP
		got := [4]string{hex.EncodeToString(a.SourceHwAddress), hex.EncodeToString(a.SourceProtAddress),
			hex.EncodeToString(a.DstHwAddress), hex.EncodeToString(a.DstProtAddress)}
		if a.Operation != tc.op || got != [4]string{tc.sha, tc.spa, tc.tha, tc.tpa} {
			t.Errorf("ARP op %d %v, want op %d %v", a.Operation, got, tc.op, [4]string{tc.sha, tc.spa, tc.tha, tc.tpa})
		}
		if a.AddrType != layers.LinkTypeEthernet || a.Protocol != layers.EthernetTypeIPv4 {
			t.Errorf("ARP types %v %v", a.AddrType, a.Protocol)
		}
	}
}

func TestDecodeUnsupportedLink(t *testing.T) {
	d := New()
	frame := mustHex(t, ethMACs+"0800"+ipv4TCP)
	for _, lt := range []layers.LinkType{layers.LinkTypeIEEE80211Radio, layers.LinkTypeIEEE802_11, layers.LinkTypeIEEE80211Radio} {
		p := d.Decode(frame, ciFor(frame, t0), lt)
		check(t, p, want{kind: KindUnsupported})
	}
	if d.Stats.Unsupported != 3 || d.Stats.Packets != 3 || d.Stats.IP+d.Stats.NonIP+d.Stats.DecodeErrors != 0 {
		t.Errorf("stats %+v", d.Stats)
	}
	wantLinks := map[layers.LinkType]uint64{layers.LinkTypeIEEE80211Radio: 2, layers.LinkTypeIEEE802_11: 1}
	if len(d.Stats.UnsupportedLinks) != len(wantLinks) {
		t.Errorf("UnsupportedLinks %v, want %v", d.Stats.UnsupportedLinks, wantLinks)
	}
	for lt, n := range wantLinks {
		if d.Stats.UnsupportedLinks[lt] != n {
			t.Errorf("UnsupportedLinks %v, want %v", d.Stats.UnsupportedLinks, wantLinks)
		}
	}
	// A supported frame afterwards decodes normally.
	if p := d.Decode(frame, ciFor(frame, t0), layers.LinkTypeEthernet); p.Kind != KindIP {
		t.Errorf("Kind %d after unsupported frames", p.Kind)
	}
}

// TestDecodeCut feeds frames cut at several points, each captured whole
// (CaptureLength == Length): malformed frames, not a snap length. Truncated
// says that a header announced more bytes than the frame holds.
func TestDecodeCut(t *testing.T) {
	ethTCP := ethMACs + "0800" + ipv4TCP
	ip4 := want{kind: KindError, srcMAC: macA, dstMAC: macB, etherType: layers.EthernetTypeIPv4}
	ipHdr := ip4
	ipHdr.src, ipHdr.dst, ipHdr.proto, ipHdr.payload = "10.0.0.10", "10.0.0.21", layers.IPProtocolTCP, ipv4TCP[40:60]
	ipHdr.truncated = true
	// TCP header with data offset 15 (60 bytes) in a 32-byte segment.
	const badOffsetTCP = "c35001f6" + "00000001" + "00000001" + "f018" + "ffff" + "0000" + "0000" + ipv4TCPPayload
	tests := []struct {
		name  string
		lt    layers.LinkType
		frame string
		want  want
	}{
		{"empty", layers.LinkTypeEthernet, "", want{kind: KindError}},
		{"ethernet header cut at 10 bytes", layers.LinkTypeEthernet, ethTCP[:20], want{kind: KindError}},
		{"ethernet header cut at 13 bytes", layers.LinkTypeEthernet, ethTCP[:26], want{kind: KindError}},
		// An Ethernet header announcing IPv4 and nothing after it: gopacket
		// stops at the empty payload; the source MAC is still worth having.
		{"ethernet header only", layers.LinkTypeEthernet, ethTCP[:28],
			want{kind: KindL2, srcMAC: macA, dstMAC: macB, etherType: layers.EthernetTypeIPv4}},
		{"ipv4 header cut at 12 bytes", layers.LinkTypeEthernet, ethTCP[:28+24],
			func() want { w := ip4; w.truncated = true; return w }()},
		{"ipv4 header cut at 19 bytes", layers.LinkTypeEthernet, ethTCP[:28+38],
			func() want { w := ip4; w.truncated = true; return w }()},
		// The IPv4 header is whole (it announces 52 bytes), then 10 bytes of TCP.
		{"tcp header cut at 10 bytes", layers.LinkTypeEthernet, ethTCP[:28+40+20], ipHdr},
		{"tcp header cut at 19 bytes", layers.LinkTypeEthernet, ethTCP[:28+40+38],
			func() want { w := ipHdr; w.payload = ipv4TCP[40:78]; return w }()},
		{"tcp data offset beyond the segment", layers.LinkTypeRaw,
			"45000034" + "12340000" + "4006" + "0000" + "0a00000a" + "0a000015" + badOffsetTCP,
			want{kind: KindError, src: "10.0.0.10", dst: "10.0.0.21", proto: layers.IPProtocolTCP,
				payload: badOffsetTCP, truncated: true}},
		{"802.1Q tag cut", layers.LinkTypeEthernet, ethMACs + "8100" + "00",
			want{kind: KindError, srcMAC: macA, dstMAC: macB, etherType: layers.EthernetTypeDot1Q, truncated: true}},
		{"ipv6 header cut at 30 bytes", layers.LinkTypeEthernet, ethMACs + "86dd" + ipv6UDP[:60],
			want{kind: KindError, srcMAC: macA, dstMAC: macB, etherType: layers.EthernetTypeIPv6, truncated: true}},
		// IPv6 header whole (payload length 16), 4 bytes of UDP.
		{"udp header cut", layers.LinkTypeRaw, ipv6UDP[:80+8],
			want{kind: KindError, src: "fe80::1", dst: "fe80::2", proto: layers.IPProtocolUDP,
				payload: ipv6UDP[80:88], truncated: true}},
		// IPv6 header whole, announces a hop-by-hop header, 4 of its 8 bytes.
		{"hop-by-hop header cut", layers.LinkTypeRaw, ipv6ExtTCP[:80+8],
			want{kind: KindError, truncated: true}},
		{"linux sll header cut", layers.LinkTypeLinuxSLL, "000000010006001422040506", want{kind: KindError}},
		{"linux sll2 header cut", layers.LinkTypeLinuxSLL2, "86dd000000000002000104060014", want{kind: KindError}},
		{"loopback header cut", layers.LinkTypeNull, "0200", want{kind: KindError}},
		{"raw ipv4 cut", layers.LinkTypeRaw, ipv4TCP[:20], want{kind: KindError, truncated: true}},
		{"arp cut", layers.LinkTypeEthernet, arpRequest[:28+20],
			want{kind: KindError, srcMAC: macA, dstMAC: "ff:ff:ff:ff:ff:ff", etherType: layers.EthernetTypeARP, truncated: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frame := mustHex(t, tc.frame)
			d := New()
			p := d.Decode(frame, ciFor(frame, t0), tc.lt)
			check(t, p, tc.want)
			checkStats(t, &d.Stats, tc.want.kind, len(frame))
		})
	}
}

// TestDecodeSnapLength: a frame captured with a snap length shorter than
// the frame keeps what was captured and says it is truncated.
func TestDecodeSnapLength(t *testing.T) {
	whole := mustHex(t, ethMACs+"0800"+ipv4TCP)
	frame := whole[:60] // headers and 6 of the 12 Modbus bytes
	d := New()
	ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(frame), Length: len(whole)}
	p := d.Decode(frame, ci, layers.LinkTypeEthernet)
	w := modbusTCP(want{srcMAC: macA, dstMAC: macB, etherType: layers.EthernetTypeIPv4})
	w.payload, w.truncated = ipv4TCPPayload[:12], true
	check(t, p, w)
	if p.WireLen != len(whole) || d.Stats.Truncated != 1 || d.Stats.Bytes != uint64(len(whole)) || d.Stats.IP != 1 {
		t.Errorf("WireLen %d stats %+v", p.WireLen, d.Stats)
	}

	// The next, whole frame is not marked.
	p = d.Decode(whole, ciFor(whole, t0), layers.LinkTypeEthernet)
	if p.Truncated || d.Stats.Truncated != 1 {
		t.Errorf("whole frame: Truncated %v, stats %+v", p.Truncated, d.Stats)
	}
}

// TestDecodeTrailer: Ethernet padding after a short IP datagram is not
// payload.
func TestDecodeTrailer(t *testing.T) {
	// ipv4UDP (36 bytes) in a minimum-size frame: 10 bytes of padding.
	frame := mustHex(t, ethMACs+"0800"+ipv4UDP+"00000000000000000000")
	p := New().Decode(frame, ciFor(frame, t0), layers.LinkTypeEthernet)
	check(t, p, udp4(want{srcMAC: macA, dstMAC: macB, etherType: layers.EthernetTypeIPv4}))
}

// TestDecodeReuse: a Packet is overwritten by the next Decode, and nothing
// of a previous frame (VLAN tags, ports, MACs) leaks into it.
func TestDecodeReuse(t *testing.T) {
	d := New()
	qinq := mustHex(t, ethMACs+"88a8"+"00c8"+"8100"+"0064"+"0800"+ipv4UDP)
	raw := mustHex(t, ipv6UDP)
	lldpFrame := mustHex(t, lldp)
	p := d.Decode(qinq, ciFor(qinq, t0), layers.LinkTypeEthernet)
	if p.NVLAN != 2 {
		t.Fatalf("NVLAN %d", p.NVLAN)
	}
	p = d.Decode(raw, ciFor(raw, t0), layers.LinkTypeRaw)
	check(t, p, udp6(want{}))
	p = d.Decode(lldpFrame, ciFor(lldpFrame, t0), layers.LinkTypeEthernet)
	check(t, p, want{kind: KindL2, srcMAC: macA, dstMAC: "01:80:c2:00:00:0e", etherType: layers.EthernetTypeLinkLayerDiscovery})
	if d.Stats.Packets != 3 || d.Stats.IP != 2 || d.Stats.NonIP != 1 {
		t.Errorf("stats %+v", d.Stats)
	}
}

func TestDecodeBasicFrameIsModbusBenchFrame(t *testing.T) {
	if ethMACs+"0800"+ipv4TCP != modbusRequestFrame {
		t.Error("the benchmark frame and the table's Ethernet/IPv4/TCP frame differ")
	}
}
