package live

import (
	"errors"
	"io"
	"net/netip"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// tcpConn is one TCP connection of a capture: the payload bytes the
// client sent (up) and the server sent (down), in capture order.
type tcpConn struct {
	client, server netip.AddrPort
	up, down       []byte
}

// capturedConns reads the pcap at path with gopacket and returns the
// IPv4 TCP connections to the server ports, in the order of their first
// packet, with the number of frames in the file and of SYNs (without
// ACK) to a server port. It does no reassembly: the capture must be
// clean (no loss, no reordering: what lo gives).
func capturedConns(path string, ports ...uint16) (conns []*tcpConn, packets, syns int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, 0, 0, err
	}
	type key struct{ client, server netip.AddrPort }
	byKey := map[key]*tcpConn{}
	isServer := func(p layers.TCPPort) bool {
		for _, x := range ports {
			if uint16(p) == x {
				return true
			}
		}
		return false
	}
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return conns, packets, syns, nil
		}
		if err != nil {
			return nil, packets, syns, err
		}
		packets++
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.NoCopy)
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if ip == nil || tcp == nil {
			continue
		}
		src, _ := netip.AddrFromSlice(ip.SrcIP)
		dst, _ := netip.AddrFromSlice(ip.DstIP)
		a, b := netip.AddrPortFrom(src, uint16(tcp.SrcPort)), netip.AddrPortFrom(dst, uint16(tcp.DstPort))
		var k key
		up := true
		switch {
		case isServer(tcp.DstPort):
			k = key{a, b}
			if tcp.SYN && !tcp.ACK {
				syns++
			}
		case isServer(tcp.SrcPort):
			k, up = key{b, a}, false
		default:
			continue
		}
		c := byKey[k]
		if c == nil {
			c = &tcpConn{client: k.client, server: k.server}
			byKey[k] = c
			conns = append(conns, c)
		}
		if up {
			c.up = append(c.up, tcp.Payload...)
		} else {
			c.down = append(c.down, tcp.Payload...)
		}
	}
}
