package flow

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

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
		k := keyOf(p)
		if f := w.ended[k]; f != nil {
			dir := dissectors.ToServer
			if netip.AddrPortFrom(p.Src, p.SrcPort) != f.info.Client {
				dir = dissectors.ToClient
			}
			w.touch(f, dir, p.WireLen)
			w.lingering.pushBack(f)
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
	s.info.Handshake = tcp.SYN
	return s
}

// tcpStream is a TCP connection: a flow plus the reassembler's callbacks.
type tcpStream struct {
	flowState
	firstFromClient bool // the reassembler's "client to server" is the direction of the first packet
	// Per direction, a hole: where the missing bytes start and when the
	// first segment after them arrived.
	holeStart [2]reassembly.Sequence
	holeSince [2]time.Time
}

func (s *tcpStream) dir(d reassembly.TCPFlowDirection) dissectors.Direction {
	if (d == reassembly.TCPDirClientToServer) == (s.firstFromClient != s.flipped) {
		return dissectors.ToServer
	}
	return dissectors.ToClient
}

// Accept counts every packet of the connection and starts reassembly even
// without a SYN: on a SPAN port most connections began before the capture.
//
// It also spots holes that will never be filled: when one side ACKs bytes
// the sensor never saw, the receiver got them and nobody will send them
// again, so waiting ReorderWait for them only delays the stream (and makes
// the responses behind the hole arrive before their requests). Such a
// packet is refused; the worker skips the holes and hands it in again.
func (s *tcpStream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, d reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	*start = true
	w := s.w
	dir := s.dir(d)
	if !w.reinjecting {
		w.touch(&s.flowState, dir, ci.Length)
	}
	if len(tcp.Payload) > 0 && nextSeq != invalidSequence && s.holeSince[dir].IsZero() &&
		nextSeq.Difference(reassembly.Sequence(tcp.Seq)) > 0 {
		s.holeStart[dir], s.holeSince[dir] = nextSeq, ci.Timestamp
	}
	if rev := dir.Reverse(); tcp.ACK && !s.holeSince[rev].IsZero() &&
		s.holeStart[rev].Difference(reassembly.Sequence(tcp.Ack)) > 0 && w.mayFlushHoles() {
		w.holeFlush = s.holeSince[rev]
		s.holeSince[rev] = time.Time{}
		return false
	}
	return true
}

// invalidSequence is the reassembler's nextSeq before a half has started.
const invalidSequence = reassembly.Sequence(-1)

// ReassembledSG hands in-order bytes to the flow's dissector, and reports
// holes.
func (s *tcpStream) ReassembledSG(sg reassembly.ScatterGather, _ reassembly.AssemblerContext) {
	w := s.w
	rd, _, _, skip := sg.Info()
	dir := s.dir(rd)
	s.holeSince[dir] = time.Time{}
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
	if w := s.w; w.flushing {
		w.flushEnded = append(w.flushEnded, s)
		return true
	}
	s.complete()
	return true
}

// complete ends the flow and remembers it for its trailing packets.
func (s *tcpStream) complete() {
	w := s.w
	w.end(&s.flowState)
	k := s.key()
	if old := w.ended[k]; old != nil {
		w.lingering.remove(old)
	}
	w.ended[k] = &s.flowState
	w.lingering.pushBack(&s.flowState)
}

// flush runs a flush of the reassembler, then ends the connections it
// completed in the order they started (flow id breaking ties).
func (w *Worker) flush(run func()) {
	w.flushing = true
	run()
	w.flushing = false
	ended := w.flushEnded
	slices.SortFunc(ended, func(a, b *tcpStream) int {
		if c := a.info.Start.Compare(b.info.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.info.ID, b.info.ID)
	})
	for i, s := range ended {
		s.complete()
		ended[i] = nil
	}
	w.flushEnded = ended[:0]
}
