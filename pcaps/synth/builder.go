package synth

import (
	"bytes"
	"errors"
	"fmt"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TCPFlags is a set of TCP header flags.
type TCPFlags uint8

// TCP flags.
const (
	FIN TCPFlags = 1 << iota
	SYN
	RST
	PSH
	ACK
)

// L2 says how a conversation's frames are tagged on an Ethernet link.
type L2 struct {
	// VLANs are 802.1Q ids, outer first; at most two.
	VLANs []uint16
	// QinQ marks the outer tag of a double-tagged frame as an 802.1ad
	// service tag (TPID 0x88a8) instead of 0x8100.
	QinQ bool
}

// Builder serialises frames of one link type. The returned bytes are valid
// until the next call; a Builder is not safe for concurrent use.
type Builder struct {
	link Link
	// Local is the capturing host's MAC on cooked (SLL) links: frames it
	// sent are marked outgoing.
	Local net.HardwareAddr

	buf    gopacket.SerializeBuffer
	opts   gopacket.SerializeOptions
	eth    layers.Ethernet
	vlan   [2]layers.Dot1Q
	loop   layers.Loopback
	ip4    layers.IPv4
	ip6    layers.IPv6
	tcp    layers.TCP
	udp    layers.UDP
	arp    layers.ARP
	pay    gopacket.Payload
	stack  []gopacket.SerializableLayer
	synOpt []layers.TCPOption
	ipID   uint16
	frag   []byte
}

// NewBuilder returns a Builder for link.
func NewBuilder(link Link) *Builder {
	b := &Builder{
		link:  link,
		buf:   gopacket.NewSerializeBufferExpectedSize(64, 1600),
		opts:  gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		stack: make([]gopacket.SerializableLayer, 0, 8),
		ipID:  0x1c46,
		synOpt: []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
			{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
		},
	}
	b.ip4.Version = 4
	b.ip6.Version = 6
	return b
}

// Link returns the builder's link type.
func (b *Builder) Link() Link { return b.link }

// errNoARP is returned for ARP on links without an Ethernet-like header.
var errNoARP = errors.New("synth: ARP needs an Ethernet or SLL link")

// TCP returns a TCP segment from src to dst.
func (b *Builder) TCP(l2 *L2, src, dst Host, sport, dport uint16, seq, ack uint32, flags TCPFlags, win uint16, payload []byte) ([]byte, error) {
	t := &b.tcp
	*t = layers.TCP{
		SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport),
		Seq: seq, Window: win,
		FIN: flags&FIN != 0, SYN: flags&SYN != 0, RST: flags&RST != 0,
		PSH: flags&PSH != 0, ACK: flags&ACK != 0,
	}
	if t.ACK {
		t.Ack = ack
	}
	if t.SYN {
		t.Options = b.synOpt
	}
	b.pay = payload
	return b.ip(l2, src, dst, layers.IPProtocolTCP, t, true)
}

// UDP returns a UDP datagram from src to dst.
func (b *Builder) UDP(l2 *L2, src, dst Host, sport, dport uint16, payload []byte) ([]byte, error) {
	b.udp = layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	b.pay = payload
	return b.ip(l2, src, dst, layers.IPProtocolUDP, &b.udp, false)
}

// ip serialises link + IP + l4 + b.pay. df sets IPv4 Don't Fragment.
func (b *Builder) ip(l2 *L2, src, dst Host, proto layers.IPProtocol, l4 interface {
	gopacket.SerializableLayer
	SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
}, df bool) ([]byte, error) {
	b.stack = b.stack[:0]
	var netl gopacket.NetworkLayer
	if src.is6() != dst.is6() {
		return nil, fmt.Errorf("synth: mixed IPv4/IPv6 endpoints %v -> %v", src.IP, dst.IP)
	}
	var etype layers.EthernetType
	if src.is6() {
		b.ip6 = layers.IPv6{Version: 6, NextHeader: proto, HopLimit: src.ttl(), SrcIP: src.IP, DstIP: dst.IP}
		netl = &b.ip6
		etype = layers.EthernetTypeIPv6
	} else {
		b.ipID++
		b.ip4 = layers.IPv4{Version: 4, IHL: 5, TTL: src.ttl(), Protocol: proto, Id: b.ipID, SrcIP: src.IP, DstIP: dst.IP}
		if df {
			b.ip4.Flags = layers.IPv4DontFragment
		}
		netl = &b.ip4
		etype = layers.EthernetTypeIPv4
	}
	if err := l4.SetNetworkLayerForChecksum(netl); err != nil {
		return nil, err
	}
	if err := b.pushLink(l2, src.MAC, dst.MAC, etype, src.is6()); err != nil {
		return nil, err
	}
	b.stack = append(b.stack, netl.(gopacket.SerializableLayer), l4, &b.pay)
	return b.serialize(src.MAC, dst.MAC, etype)
}

// pushLink appends the link-layer layers gopacket can serialise.
func (b *Builder) pushLink(l2 *L2, src, dst net.HardwareAddr, etype layers.EthernetType, v6 bool) error {
	switch b.link {
	case LinkEthernet:
		b.eth = layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: etype}
		b.stack = append(b.stack, &b.eth)
		if l2 == nil || len(l2.VLANs) == 0 {
			return nil
		}
		n := len(l2.VLANs)
		if n > 2 {
			return fmt.Errorf("synth: %d VLAN tags, at most 2", n)
		}
		b.eth.EthernetType = layers.EthernetTypeDot1Q
		if n == 2 && l2.QinQ {
			b.eth.EthernetType = layers.EthernetTypeQinQ
		}
		for i, id := range l2.VLANs {
			next := etype
			if i+1 < n {
				next = layers.EthernetTypeDot1Q
			}
			b.vlan[i] = layers.Dot1Q{VLANIdentifier: id, Type: next}
			b.stack = append(b.stack, &b.vlan[i])
		}
	case LinkNull:
		b.loop.Family = layers.ProtocolFamilyIPv4
		if v6 {
			b.loop.Family = layers.ProtocolFamilyIPv6BSD
		}
		b.stack = append(b.stack, &b.loop)
	case LinkRaw, LinkSLL, LinkSLL2:
	default:
		return fmt.Errorf("synth: unsupported link type %v", b.link)
	}
	return nil
}

func (b *Builder) serialize(src, dst net.HardwareAddr, etype layers.EthernetType) ([]byte, error) {
	if err := gopacket.SerializeLayers(b.buf, b.opts, b.stack...); err != nil {
		return nil, err
	}
	if b.link == LinkSLL || b.link == LinkSLL2 {
		out := b.Local != nil && bytes.Equal(src, b.Local)
		if err := prependCooked(b.buf, b.link, src, dst, etype, out); err != nil {
			return nil, err
		}
	}
	return b.buf.Bytes(), nil
}

// ARP returns an ARP packet: op is layers.ARPRequest or layers.ARPReply.
// The frame goes from ethSrc to ethDst (Broadcast for a request).
func (b *Builder) ARP(l2 *L2, op uint16, ethDst net.HardwareAddr, sender Host, targetMAC net.HardwareAddr, targetIP net.IP) ([]byte, error) {
	if b.link != LinkEthernet && b.link != LinkSLL && b.link != LinkSLL2 {
		return nil, errNoARP
	}
	if targetMAC == nil {
		targetMAC = zeroMAC
	}
	b.arp = layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: op,
		SourceHwAddress: sender.MAC, SourceProtAddress: sender.IP.To4(),
		DstHwAddress: targetMAC, DstProtAddress: targetIP.To4(),
	}
	b.stack = b.stack[:0]
	if err := b.pushLink(l2, sender.MAC, ethDst, layers.EthernetTypeARP, false); err != nil {
		return nil, err
	}
	b.stack = append(b.stack, &b.arp)
	return b.serialize(sender.MAC, ethDst, layers.EthernetTypeARP)
}

var zeroMAC = net.HardwareAddr{0, 0, 0, 0, 0, 0}

// IPv4Fragments serialises an IPv4 datagram (the transport header and
// payload l4, already complete with checksum) as fragments whose payloads
// hold at most maxData bytes (rounded down to a multiple of 8). It calls
// emit once per fragment, in order; emit must not keep the slice.
func (b *Builder) IPv4Fragments(l2 *L2, src, dst Host, proto layers.IPProtocol, l4 []byte, maxData int, emit func([]byte) error) error {
	if src.is6() || dst.is6() {
		return errors.New("synth: IPv4Fragments needs IPv4 hosts")
	}
	maxData &^= 7
	if maxData <= 0 {
		return errors.New("synth: fragment size below 8 bytes")
	}
	b.ipID++
	id := b.ipID
	for off := 0; off < len(l4); off += maxData {
		end := min(off+maxData, len(l4))
		b.ip4 = layers.IPv4{Version: 4, IHL: 5, TTL: src.ttl(), Protocol: proto, Id: id,
			SrcIP: src.IP, DstIP: dst.IP, FragOffset: uint16(off / 8)}
		if end < len(l4) {
			b.ip4.Flags = layers.IPv4MoreFragments
		}
		b.pay = l4[off:end]
		b.stack = b.stack[:0]
		if err := b.pushLink(l2, src.MAC, dst.MAC, layers.EthernetTypeIPv4, false); err != nil {
			return err
		}
		b.stack = append(b.stack, &b.ip4, &b.pay)
		frame, err := b.serialize(src.MAC, dst.MAC, layers.EthernetTypeIPv4)
		if err != nil {
			return err
		}
		if err := emit(frame); err != nil {
			return err
		}
	}
	return nil
}

// TCPBytes returns the TCP header and payload of a segment (checksum
// computed for src/dst) without any IP or link header, in a slice that the
// Builder reuses on the next TCPBytes call.
func (b *Builder) TCPBytes(src, dst Host, sport, dport uint16, seq, ack uint32, flags TCPFlags, win uint16, payload []byte) ([]byte, error) {
	saved := b.link
	b.link = LinkRaw
	frame, err := b.TCP(nil, src, dst, sport, dport, seq, ack, flags, win, payload)
	b.link = saved
	if err != nil {
		return nil, err
	}
	hl := 20
	if src.is6() {
		hl = 40
	}
	b.frag = append(b.frag[:0], frame[hl:]...)
	return b.frag, nil
}
