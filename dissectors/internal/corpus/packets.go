package corpus

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Packet is one TCP segment or UDP datagram over IPv4 or IPv6.
type Packet struct {
	Link     layers.LinkType // the capture's link type
	Time     time.Time
	Src, Dst netip.AddrPort
	TCP      *layers.TCP // nil for UDP
	Payload  []byte
}

// UDP reports whether p is a UDP datagram.
func (p *Packet) UDP() bool { return p.TCP == nil }

// Packets returns the TCP and UDP packets of a pcap or pcapng capture, in
// file order, raw IP link types included.
func Packets(tb testing.TB, path string) []Packet {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var r interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
		LinkType() layers.LinkType
	}
	if r, err = pcapgo.NewReader(f); err != nil {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			tb.Fatal(err)
		}
		if r, err = pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
	}
	var out []Packet
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if p, ok := decode(data, firstLayer(r.LinkType())); ok {
			p.Link, p.Time = r.LinkType(), ci.Timestamp
			out = append(out, p)
		}
	}
}

// decode extracts the addresses, ports and payload of an IP packet.
func decode(data []byte, first gopacket.Decoder) (Packet, bool) {
	pkt := gopacket.NewPacket(data, first, gopacket.Default)
	var src, dst netip.Addr
	switch ip := pkt.NetworkLayer().(type) {
	case *layers.IPv4:
		src, _ = netip.AddrFromSlice(ip.SrcIP)
		dst, _ = netip.AddrFromSlice(ip.DstIP)
	case *layers.IPv6:
		src, _ = netip.AddrFromSlice(ip.SrcIP)
		dst, _ = netip.AddrFromSlice(ip.DstIP)
	default:
		return Packet{}, false
	}
	switch l4 := pkt.TransportLayer().(type) {
	case *layers.TCP:
		return Packet{
			Src: netip.AddrPortFrom(src, uint16(l4.SrcPort)), Dst: netip.AddrPortFrom(dst, uint16(l4.DstPort)),
			TCP: l4, Payload: l4.Payload,
		}, true
	case *layers.UDP:
		return Packet{
			Src: netip.AddrPortFrom(src, uint16(l4.SrcPort)), Dst: netip.AddrPortFrom(dst, uint16(l4.DstPort)),
			Payload: l4.Payload,
		}, true
	}
	return Packet{}, false
}

// IPLink reports whether lt is LINKTYPE_IPV4 (228) or LINKTYPE_IPV6 (229),
// link types gopacket has no decoder for (Packets decodes them as IP).
func IPLink(lt layers.LinkType) bool { return lt == 228 || lt == 229 }

// firstLayer is the decoder of a link type, raw IP ones included
// (arkime's mqtt_synthetic.pcap and suricata-verify's dnp3-flood are
// LINKTYPE_IPV4).
func firstLayer(lt layers.LinkType) gopacket.Decoder {
	switch lt {
	case 12, 14: // DLT_RAW on some systems
		return layers.LinkTypeRaw
	case 228:
		return layers.LayerTypeIPv4
	case 229:
		return layers.LayerTypeIPv6
	}
	return lt
}
