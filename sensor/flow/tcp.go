package flow

import (
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/decode"
)

// packetContext carries the decoded packet through the reassembler to
// New and Accept. The reassembler keeps it with out-of-order pages, so
// what it reports later is the newest packet's capture info.
type packetContext struct {
	pkt *decode.Packet
}

func (c *packetContext) GetCaptureInfo() gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: c.pkt.Time, Length: c.pkt.WireLen}
}

// streamFactory makes tcpStreams for the worker's reassembler.
type streamFactory Worker

// New starts a connection on its first packet. A packet without SYN of a
// connection that just ended (a trailing ACK, a retransmission) is counted
// in that flow and starts nothing; one with neither SYN nor payload for an
// unknown connection starts nothing either.
func (sf *streamFactory) New(_, _ gopacket.Flow, tcp *layers.TCP, ac reassembly.AssemblerContext) reassembly.Stream {
	w := (*Worker)(sf)
	p := ac.(*packetContext).pkt
	if !tcp.SYN {
		k, _ := keyOf(p)
		if f := w.ended[k]; f != nil {
			dir := dissectors.ToServer
			if netip.AddrPortFrom(p.Src, p.SrcPort) != f.info.Client {
				dir = dissectors.ToClient
			}
			w.touch(f, dir, p.WireLen, p.Time)
			return nil
		}
		if len(tcp.Payload) == 0 {
			w.Stats.OrphanTCP++
			return nil
		}
	}
	if w.tcpFlows >= w.cfg.MaxFlows {
		w.Stats.FlowTableFull++
		return nil
	}
	w.tcpFlows++
	w.Stats.FlowsTCP++
	var fromClient bool
	switch {
	case tcp.SYN && !tcp.ACK:
		fromClient = true
	case tcp.SYN && tcp.ACK:
		fromClient = false
	default:
		fromClient = w.srcIsClient(dissectors.TCP, p.SrcPort, p.DstPort)
	}
	s := &tcpStream{firstFromClient: fromClient}
	w.initFlow(&s.flowState, dissectors.TCP, p, fromClient)
	return s
}

// tcpStream is a TCP connection: a flow plus the reassembler's callbacks.
type tcpStream struct {
	flowState
	firstFromClient bool // the reassembler's "client to server" is the direction of the first packet
}

func (s *tcpStream) dir(d reassembly.TCPFlowDirection) dissectors.Direction {
	if (d == reassembly.TCPDirClientToServer) == s.firstFromClient {
		return dissectors.ToServer
	}
	return dissectors.ToClient
}

// Accept counts every packet of the connection and starts reassembly even
// without a SYN: on a SPAN port most connections began before the capture.
func (s *tcpStream) Accept(_ *layers.TCP, ci gopacket.CaptureInfo, d reassembly.TCPFlowDirection, _ reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	*start = true
	s.w.touch(&s.flowState, s.dir(d), ci.Length, ci.Timestamp)
	return true
}

// ReassembledSG hands in-order bytes to the flow's dissector, and reports
// holes.
func (s *tcpStream) ReassembledSG(sg reassembly.ScatterGather, _ reassembly.AssemblerContext) {
	w := s.w
	rd, _, _, skip := sg.Info()
	dir := s.dir(rd)
	if skip > 0 && s.state != stateNone {
		if s.state == stateParsing {
			w.Stats.Gaps++
			w.emitAnomaly(&s.flowState, dir, "stream", "stream.gap", "bytes missing from the TCP stream")
		}
		w.gap(&s.flowState, dir)
	}
	n, _ := sg.Lengths()
	if n == 0 || s.state == stateNone {
		return
	}
	w.payload(&s.flowState, dir, sg.Fetch(n))
}

// ReassemblyComplete ends the flow. The connection is then dropped from
// the reassembler; its trailing ACKs start nothing (see New).
func (s *tcpStream) ReassemblyComplete(reassembly.AssemblerContext) bool {
	w := s.w
	w.end(&s.flowState)
	w.ended[tableKey{a: s.info.Client, b: s.info.Server, proto: uint8(dissectors.TCP)}.canonical()] = &s.flowState
	return true
}
