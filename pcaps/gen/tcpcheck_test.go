package main

import (
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/layers"
)

// tcpReport counts how a capture's TCP segments relate to what each
// direction sent before, as seen from the capture point.
type tcpReport struct {
	segments   int
	retrans    int // payload entirely seen before
	overlap    int // payload partly seen before, partly new
	gaps       int // starts beyond the next expected byte: a hole opens
	fills      int // new bytes inside an open hole (out-of-order delivery)
	ackUnseen  int // acknowledges bytes the peer was never seen sending
	badISN     int // SYN/ACK whose ack is not the SYN's sequence + 1
	fragmented int // TCP segments reassembled from IPv4 fragments
}

type half struct {
	started bool
	next    uint32 // highest sequence number seen + 1 (wrapping)
	holes   [][2]uint32
	synSeq  uint32
	sawSyn  bool
}

type tcpKey struct {
	src, dst     netip.Addr
	sport, dport uint16
}

func seqLT(a, b uint32) bool { return int32(a-b) < 0 }

// checkTCP follows every TCP connection in fs.
func checkTCP(fs []frame) (tcpReport, error) {
	var r tcpReport
	halves := map[tcpKey]*half{}
	defrag := ip4defrag.NewIPv4Defragmenter()
	for i, f := range fs {
		p := gopacket.NewPacket(f.data, f.link, gopacket.Default)
		if el := p.ErrorLayer(); el != nil {
			return r, fmt.Errorf("packet %d: %v", i+1, el.Error())
		}
		var tcp *layers.TCP
		var src, dst netip.Addr
		if ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
			if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
				whole, err := defrag.DefragIPv4(ip)
				if err != nil {
					return r, fmt.Errorf("packet %d: %v", i+1, err)
				}
				if whole == nil {
					continue
				}
				r.fragmented++
				tp := gopacket.NewPacket(whole.Payload, layers.LayerTypeTCP, gopacket.Default)
				tcp, _ = tp.Layer(layers.LayerTypeTCP).(*layers.TCP)
			} else {
				tcp, _ = p.Layer(layers.LayerTypeTCP).(*layers.TCP)
			}
		} else if ip6, ok := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
			src, _ = netip.AddrFromSlice(ip6.SrcIP)
			dst, _ = netip.AddrFromSlice(ip6.DstIP)
			tcp, _ = p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		}
		if tcp == nil {
			continue
		}
		r.segments++
		k := tcpKey{src, dst, uint16(tcp.SrcPort), uint16(tcp.DstPort)}
		peerKey := tcpKey{dst, src, k.dport, k.sport}
		h := halves[k]
		if h == nil || tcp.SYN && !tcp.ACK {
			h = &half{}
			halves[k] = h
			if tcp.SYN && !tcp.ACK {
				delete(halves, peerKey)
			}
		}
		peer := halves[peerKey]
		n := uint32(len(tcp.Payload))
		if tcp.SYN || tcp.FIN {
			n++
		}
		if tcp.SYN {
			h.sawSyn, h.synSeq = true, tcp.Seq
			if tcp.ACK && peer != nil && peer.sawSyn && tcp.Ack != peer.synSeq+1 {
				r.badISN++
			}
		}
		if tcp.ACK && peer != nil && peer.started && seqLT(peer.next, tcp.Ack) {
			r.ackUnseen++
		}
		seq, end := tcp.Seq, tcp.Seq+n
		switch {
		case !h.started:
			h.started, h.next = true, end
		case n == 0:
		case seq == h.next:
			h.next = end
		case seqLT(h.next, seq):
			r.gaps++
			h.holes = append(h.holes, [2]uint32{h.next, seq})
			h.next = end
		default: // starts before next: old bytes, or a hole being filled
			if filled := h.fill(seq, end); filled {
				r.fills++
			} else if seqLT(h.next, end) {
				r.overlap++
				h.next = end
			} else {
				r.retrans++
			}
		}
	}
	return r, nil
}

// fill reports whether [seq, end) covers bytes of an open hole, and
// closes what it covers.
func (h *half) fill(seq, end uint32) bool {
	hit := false
	kept := h.holes[:0]
	for _, hole := range h.holes {
		if seqLT(seq, hole[1]) && seqLT(hole[0], end) {
			hit = true
			if seqLT(hole[0], seq) {
				kept = append(kept, [2]uint32{hole[0], seq})
			}
			if seqLT(end, hole[1]) {
				kept = append(kept, [2]uint32{end, hole[1]})
			}
			continue
		}
		kept = append(kept, hole)
	}
	h.holes = kept
	return hit
}
