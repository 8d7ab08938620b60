package live

import (
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// synthFrame builds an Ethernet frame from a to b: UDP or TCP (a SYN
// when syn, else an ACK with payload), over IPv4 or IPv6, optionally
// 802.1Q-tagged.
func synthFrame(t testing.TB, v6, tcp, syn bool, vlan uint16, srcIP, dstIP net.IP, sport, dport uint16, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, srcIP[len(srcIP)-1]}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, dstIP[len(dstIP)-1]}}
	var ls []gopacket.SerializableLayer
	ls = append(ls, eth)
	etype := layers.EthernetTypeIPv4
	if v6 {
		etype = layers.EthernetTypeIPv6
	}
	if vlan != 0 {
		eth.EthernetType = layers.EthernetTypeDot1Q
		ls = append(ls, &layers.Dot1Q{VLANIdentifier: vlan, Type: etype})
	} else {
		eth.EthernetType = etype
	}
	proto := layers.IPProtocolUDP
	if tcp {
		proto = layers.IPProtocolTCP
	}
	var netl gopacket.NetworkLayer
	if v6 {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: srcIP, DstIP: dstIP}
		ls, netl = append(ls, ip), ip
	} else {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: srcIP, DstIP: dstIP}
		ls, netl = append(ls, ip), ip
	}
	if tcp {
		l := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: 1000, Window: 8192, SYN: syn, ACK: !syn}
		l.SetNetworkLayerForChecksum(netl)
		ls = append(ls, l)
	} else {
		l := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
		l.SetNetworkLayerForChecksum(netl)
		ls = append(ls, l)
	}
	ls = append(ls, gopacket.Payload(payload))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// flowMix returns n flows of each kind (UDP and TCP, IPv4 and IPv6,
// untagged and on VLAN 7), each a request and an answer; n < 256.
func flowMix(t testing.TB, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for _, v6 := range []bool{false, true} {
		for _, tcp := range []bool{false, true} {
			for _, vlan := range []uint16{0, 7} {
				for i := range n {
					// The flow layer keys flows by addresses and
					// ports, not VLANs: each kind gets its own clients.
					k := byte(len(out) / (2 * n))
					c := net.IP{10, 1, k, byte(i)}
					s := net.IP{10, 2, 0, byte(1 + i%7)}
					if v6 {
						c = net.ParseIP("fd00::1:0:0").To16()
						c[14], c[15] = k, byte(i)
						s = net.ParseIP("fd00::2:0:1").To16()
						s[15] = byte(1 + i%7)
					}
					sport, dport := uint16(40000+i), uint16(502+i%3)
					out = append(out,
						synthFrame(t, v6, tcp, tcp, vlan, c, s, sport, dport, []byte("request")),
						synthFrame(t, v6, tcp, false, vlan, s, c, dport, sport, []byte("answer")))
				}
			}
		}
	}
	return out
}
