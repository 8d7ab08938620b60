// Package decode turns captured frames into the few fields the flow layer
// needs, with gopacket's DecodingLayerParser and no allocation per packet.
// IPv4 and IPv6 fragments are reassembled (ip4defrag, ip6defrag); only
// reassembled datagrams allocate.
package decode

import (
	"errors"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/ip6defrag"
	"github.com/gopacket/gopacket/layers"
)

// Kind says what a frame turned out to be.
type Kind uint8

// Frame kinds.
const (
	KindIP          Kind = iota // an IPv4/IPv6 datagram (maybe reassembled)
	KindARP                     // an ARP packet: ARP is set
	KindL2                      // another non-IP frame with a source MAC
	KindFragment                // an IP fragment held until its datagram is complete
	KindUnsupported             // a link type this decoder does not handle
	KindError                   // truncated or malformed headers
)

// Packet is the decoded view of one frame. It points into the frame's
// bytes and into the Decoder, and is valid until the next Decode call.
type Packet struct {
	Kind      Kind
	Time      time.Time
	WireLen   int  // original length on the wire
	Truncated bool // the capture holds fewer bytes than the headers announce

	HasSrcMAC, HasDstMAC bool
	SrcMAC, DstMAC       [6]byte
	EtherType            layers.EthernetType
	VLAN                 [maxVLANs]uint16 // outer first
	NVLAN                uint8

	Src, Dst netip.Addr
	Proto    layers.IPProtocol
	NetFlow  gopacket.Flow // for the TCP reassembler
	TCP      *layers.TCP   // set when Proto is TCP
	UDP      *layers.UDP   // set when Proto is UDP
	SrcPort  uint16
	DstPort  uint16
	Payload  []byte // transport payload (TCP/UDP), or the IP payload for other protocols

	ARP *layers.ARP
	Err error // for KindError
}

// Stats counts what the decoder saw. The owner of the Decoder reads it.
type Stats struct {
	Packets          uint64
	Bytes            uint64 // wire bytes
	IP               uint64
	NonIP            uint64
	DecodeErrors     uint64
	Truncated        uint64
	Unsupported      uint64
	UnsupportedLinks map[layers.LinkType]uint64 // link type → frames
	Fragments        uint64                     // IP fragments seen
	Reassembled      uint64                     // datagrams rebuilt from fragments
	FragmentErrors   uint64                     // fragments the defragmenters rejected
}

var errNoNetworkLayer = errors.New("decode: frame carries neither IP nor ARP")

// fragmentTimeout is how long, in packet time, fragments wait for the rest
// of their datagram.
const fragmentTimeout = 30 * time.Second

// fragmentSweep is how often, in packet time, expired fragments are looked
// for: a fragment is dropped at most this long after it expired.
const fragmentSweep = time.Second

// Decoder decodes frames of any supported link type. Not safe for
// concurrent use: one per worker.
type Decoder struct {
	Stats Stats

	eth   layers.Ethernet
	sll   layers.LinuxSLL
	sll2  layers.LinuxSLL2
	loop  layers.Loopback
	vlan  vlanStack
	ip4   layers.IPv4
	ip6   layers.IPv6
	ext6  layers.IPv6ExtensionSkipper
	frag6 layers.IPv6Fragment
	tcp   transport[layers.TCP, *layers.TCP]
	udp   transport[layers.UDP, *layers.UDP]
	arp   layers.ARP

	ethParser, sllParser, sll2Parser, loopParser, ip4Parser, ip6Parser *gopacket.DecodingLayerParser
	decoded                                                            []gopacket.LayerType

	defrag4     *ip4defrag.IPv4Defragmenter
	defrag6     *ip6defrag.IPv6Defragmenter
	frag6Since  time.Time // packet time of the first fragment given to defrag6 since it was made
	nextExpire  int64     // packet time (Unix ns) of the next fragment sweep
	pkt         Packet
	reassembled bool
}

// New returns a Decoder.
func New() *Decoder {
	d := &Decoder{
		decoded: make([]gopacket.LayerType, 0, 16),
		defrag4: ip4defrag.NewIPv4Defragmenter(),
		defrag6: ip6defrag.NewIPv6Defragmenter(),
	}
	d.Stats.UnsupportedLinks = map[layers.LinkType]uint64{}
	all := []gopacket.DecodingLayer{&d.eth, &d.sll, &d.sll2, &d.loop, &d.vlan, &d.ip4, &d.ip6, &d.ext6, &d.frag6, &d.tcp, &d.udp, &d.arp}
	mk := func(first gopacket.LayerType) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first)
		// A slice indexed by layer type: faster than the default map.
		var dlc gopacket.DecodingLayerContainer = gopacket.DecodingLayerSparse(nil)
		for _, l := range all {
			dlc = dlc.Put(l)
		}
		p.SetDecodingLayerContainer(dlc)
		p.IgnoreUnsupported = true
		return p
	}
	d.ethParser = mk(layers.LayerTypeEthernet)
	d.sllParser = mk(layers.LayerTypeLinuxSLL)
	d.sll2Parser = mk(layers.LayerTypeLinuxSLL2)
	d.loopParser = mk(layers.LayerTypeLoopback)
	d.ip4Parser = mk(layers.LayerTypeIPv4)
	d.ip6Parser = mk(layers.LayerTypeIPv6)
	return d
}

// parserFor picks the parser for a link type; raw IP is told apart by the
// version nibble.
func (d *Decoder) parserFor(lt layers.LinkType, data []byte) *gopacket.DecodingLayerParser {
	switch lt {
	case layers.LinkTypeEthernet:
		return d.ethParser
	case layers.LinkTypeLinuxSLL:
		return d.sllParser
	case layers.LinkTypeLinuxSLL2:
		return d.sll2Parser
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return d.loopParser
	case layers.LinkTypeIPv4:
		return d.ip4Parser
	case layers.LinkTypeIPv6:
		return d.ip6Parser
	case layers.LinkTypeRaw, 12, 14: // DLT_RAW; 12 and 14 are DLT_RAW on some BSDs
		if len(data) > 0 && data[0]>>4 == 6 {
			return d.ip6Parser
		}
		return d.ip4Parser
	}
	return nil
}

// Decode decodes one frame captured at ci.Timestamp.
func (d *Decoder) Decode(data []byte, ci gopacket.CaptureInfo, lt layers.LinkType) *Packet {
	d.Stats.Packets++
	d.Stats.Bytes += uint64(ci.Length)
	d.expireFragments(ci.Timestamp)

	p := &d.pkt
	*p = Packet{Time: ci.Timestamp, WireLen: ci.Length, Truncated: ci.CaptureLength < ci.Length}
	if p.Truncated {
		d.Stats.Truncated++
	}
	parser := d.parserFor(lt, data)
	if parser == nil {
		d.Stats.Unsupported++
		d.Stats.UnsupportedLinks[lt]++
		p.Kind = KindUnsupported
		return p
	}
	d.vlan.reset()
	d.reassembled = false
	err := parser.DecodeLayers(data, &d.decoded)
	p.Kind = KindL2
	for _, t := range d.decoded {
		d.take(p, t)
	}
	p.VLAN, p.NVLAN = d.vlan.tags()
	if parser.Truncated {
		p.Truncated = true
	}
	if err != nil && p.Kind != KindFragment {
		p.Kind, p.Err = KindError, err
	}
	switch p.Kind {
	case KindError:
		d.Stats.DecodeErrors++
	case KindIP, KindFragment:
		d.Stats.IP++
	default:
		if p.Kind == KindL2 && !p.HasSrcMAC {
			// Nothing we can learn from: a raw or loopback frame that
			// carried neither IP nor ARP.
			p.Kind, p.Err = KindError, errNoNetworkLayer
			d.Stats.DecodeErrors++
		} else {
			d.Stats.NonIP++
		}
	}
	return p
}

// take copies what the flow layer needs out of one decoded layer.
func (d *Decoder) take(p *Packet, t gopacket.LayerType) {
	switch t {
	case layers.LayerTypeEthernet:
		p.HasSrcMAC, p.HasDstMAC = copyMAC(&p.SrcMAC, d.eth.SrcMAC), copyMAC(&p.DstMAC, d.eth.DstMAC)
		p.EtherType = d.eth.EthernetType
	case layers.LayerTypeLinuxSLL:
		p.HasSrcMAC = copyMAC(&p.SrcMAC, d.sll.Addr)
		p.EtherType = d.sll.EthernetType
	case layers.LayerTypeLinuxSLL2:
		p.HasSrcMAC = copyMAC(&p.SrcMAC, d.sll2.Addr)
		p.EtherType = d.sll2.ProtocolType
	case layers.LayerTypeDot1Q:
		p.EtherType = d.vlan.Type
	case layers.LayerTypeIPv4:
		d.takeIPv4(p, &d.ip4)
	case layers.LayerTypeIPv6:
		d.takeIPv6(p, &d.ip6)
	case layers.LayerTypeIPv6Fragment:
		d.takeIPv6Fragment(p)
	case layers.LayerTypeTCP:
		if !d.reassembled {
			d.takeTCP(p)
		}
	case layers.LayerTypeUDP:
		if !d.reassembled {
			d.takeUDP(p)
		}
	case layers.LayerTypeARP:
		p.Kind = KindARP
		p.ARP = &d.arp
	default:
		if layers.LayerClassIPv6Extension.Contains(t) {
			p.Proto = d.ext6.NextHeader
			p.Payload = d.ext6.Payload
		}
	}
}

func (d *Decoder) takeIPv4(p *Packet, ip *layers.IPv4) {
	p.Kind = KindIP
	p.Src = netip.AddrFrom4([4]byte(ip.SrcIP.To4()))
	p.Dst = netip.AddrFrom4([4]byte(ip.DstIP.To4()))
	p.Proto = ip.Protocol
	p.NetFlow = ip.NetworkFlow()
	p.Payload = ip.Payload
	if ip.Flags&layers.IPv4MoreFragments == 0 && ip.FragOffset == 0 {
		return
	}
	d.Stats.Fragments++
	p.Kind = KindFragment
	whole, err := d.defrag4.DefragIPv4WithTimestamp(copyIPv4(ip), p.Time)
	if err != nil {
		d.Stats.FragmentErrors++
		return
	}
	if whole != nil {
		d.takeReassembled(p, whole.Protocol, whole.Payload)
	}
}

func (d *Decoder) takeIPv6(p *Packet, ip *layers.IPv6) {
	p.Kind = KindIP
	p.Src = netip.AddrFrom16([16]byte(ip.SrcIP.To16()))
	p.Dst = netip.AddrFrom16([16]byte(ip.DstIP.To16()))
	p.Proto = ip.NextHeader
	if ip.HopByHop != nil {
		// layers.IPv6 decodes a hop-by-hop header itself; Payload is
		// what follows it.
		p.Proto = ip.HopByHop.NextHeader
	}
	p.NetFlow = ip.NetworkFlow()
	p.Payload = ip.Payload
}

func (d *Decoder) takeIPv6Fragment(p *Packet) {
	if d.frag6.FragmentOffset == 0 && !d.frag6.MoreFragments {
		p.Proto = d.frag6.NextHeader // atomic fragment: the header follows
		p.Payload = d.frag6.Payload
		return
	}
	d.Stats.Fragments++
	p.Kind = KindFragment
	if d.frag6Since.IsZero() {
		d.frag6Since = p.Time
	}
	ip, frag := copyIPv6Fragment(&d.ip6, &d.frag6)
	if whole := d.defrag6.DefragIPv6(ip, frag); whole != nil {
		d.takeReassembled(p, whole.NextHeader, whole.Payload)
	}
}

// takeReassembled makes p the datagram rebuilt from fragments.
func (d *Decoder) takeReassembled(p *Packet, proto layers.IPProtocol, payload []byte) {
	d.Stats.Reassembled++
	d.reassembled = true
	p.Kind = KindIP
	p.Proto = proto
	p.Payload = payload
	d.takeTransport(p, proto, payload)
}

// takeTransport decodes the TCP or UDP header of a reassembled datagram.
func (d *Decoder) takeTransport(p *Packet, proto layers.IPProtocol, data []byte) {
	p.Proto = proto
	var err error
	switch proto {
	case layers.IPProtocolTCP:
		if err = d.tcp.layer.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err == nil {
			d.takeTCP(p)
		}
	case layers.IPProtocolUDP:
		if err = d.udp.layer.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err == nil {
			d.takeUDP(p)
		}
	}
	if err != nil {
		p.Kind, p.Err = KindError, err
	}
}

func (d *Decoder) takeTCP(p *Packet) {
	t := &d.tcp.layer
	p.Proto = layers.IPProtocolTCP
	p.TCP = t
	p.SrcPort, p.DstPort = uint16(t.SrcPort), uint16(t.DstPort)
	p.Payload = t.Payload
}

func (d *Decoder) takeUDP(p *Packet) {
	u := &d.udp.layer
	p.Proto = layers.IPProtocolUDP
	p.UDP = u
	p.SrcPort, p.DstPort = uint16(u.SrcPort), uint16(u.DstPort)
	p.Payload = u.Payload
}

// expireFragments drops fragments that waited longer than fragmentTimeout
// in packet time, looking once per fragmentSweep of it (and at once when
// time went backwards, so that one bad timestamp can't stop expiry).
// ip6defrag stamps fragments with the wall clock, so its state is dropped
// whole instead: once the first fragment it was given is fragmentTimeout
// old (or that far in the future), it is replaced. A datagram whose
// fragments straddle that moment is lost; the counters say so.
func (d *Decoder) expireFragments(ts time.Time) {
	now := ts.UnixNano()
	if now < d.nextExpire && now >= d.nextExpire-int64(fragmentSweep) {
		return
	}
	d.nextExpire = now + int64(fragmentSweep)
	d.defrag4.DiscardOlderThan(ts.Add(-fragmentTimeout))
	if age := ts.Sub(d.frag6Since); !d.frag6Since.IsZero() && (age >= fragmentTimeout || age <= -fragmentTimeout) {
		d.defrag6 = ip6defrag.NewIPv6Defragmenter()
		d.frag6Since = time.Time{}
	}
}

func copyMAC(dst *[6]byte, src []byte) bool {
	if len(src) != 6 {
		return false
	}
	copy(dst[:], src)
	return true
}

// copyIPv4 copies a fragment for ip4defrag, which keeps the layer (and its
// payload) until the datagram is complete, while the decoder reuses both.
func copyIPv4(ip *layers.IPv4) *layers.IPv4 {
	c := *ip
	c.SrcIP = append([]byte(nil), ip.SrcIP...)
	c.DstIP = append([]byte(nil), ip.DstIP...)
	c.Options = nil
	c.Contents = nil
	c.Payload = append([]byte(nil), ip.Payload...)
	return &c
}

// copyIPv6Fragment copies a fragment for ip6defrag, for the same reason.
func copyIPv6Fragment(ip *layers.IPv6, frag *layers.IPv6Fragment) (*layers.IPv6, *layers.IPv6Fragment) {
	c := *ip
	c.SrcIP = append([]byte(nil), ip.SrcIP...)
	c.DstIP = append([]byte(nil), ip.DstIP...)
	c.HopByHop = nil
	c.Contents, c.Payload = nil, nil
	f := *frag
	f.Contents = nil
	f.Payload = append([]byte(nil), frag.Payload...)
	return &c, &f
}
