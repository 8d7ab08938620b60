package flow

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/decode"
)

// tableKey identifies a UDP or other-IP flow regardless of direction: the
// lower endpoint first.
type tableKey struct {
	a, b  netip.AddrPort
	proto uint8
}

func keyOf(p *decode.Packet) tableKey {
	return tableKey{netip.AddrPortFrom(p.Src, p.SrcPort), netip.AddrPortFrom(p.Dst, p.DstPort), uint8(p.Proto)}.canonical()
}

// canonical orders the endpoints, lower first.
func (k tableKey) canonical() tableKey {
	if k.a.Compare(k.b) > 0 {
		k.a, k.b = k.b, k.a
	}
	return k
}

// datagram handles a UDP or other-IP packet.
func (w *Worker) datagram(p *decode.Packet) {
	k := keyOf(p)
	f := w.table[k]
	if f == nil {
		if len(w.table) >= w.cfg.MaxFlows {
			w.Stats.FlowTableFull++
			return
		}
		transport := dissectors.Transport(p.Proto)
		if p.UDP != nil {
			w.Stats.FlowsUDP++
		} else {
			w.Stats.FlowsOther++
		}
		f = &flowState{}
		w.initFlow(f, transport, p, w.srcIsClient(transport, p.SrcPort, p.DstPort))
		if p.UDP == nil {
			f.state = stateNone // no dissector for other IP protocols
		}
		w.table[k] = f
	}
	dir := dissectors.ToServer
	if netip.AddrPortFrom(p.Src, p.SrcPort) != f.info.Client {
		dir = dissectors.ToClient
	}
	w.touch(f, dir, p.WireLen)
	w.idle.pushBack(f)
	if f.state != stateNone && len(p.Payload) > 0 {
		w.payload(f, dir, p.Payload)
	}
}

// expireTable ends UDP and other flows idle for longer than UDPIdle, and
// forgets TCP connections that ended more than endedLinger ago.
func (w *Worker) expireTable() {
	limit := w.nowNs - int64(w.cfg.UDPIdle)
	for f := w.idle.oldest(); f != nil && f.last < limit; f = w.idle.oldest() {
		w.idle.remove(f)
		delete(w.table, f.key())
		w.end(f)
	}
	limit = w.nowNs - int64(endedLinger)
	for f := w.lingering.oldest(); f != nil && f.last < limit; f = w.lingering.oldest() {
		w.lingering.remove(f)
		delete(w.ended, f.key())
	}
}

// key is the flow's table key.
func (f *flowState) key() tableKey {
	return tableKey{a: f.info.Client, b: f.info.Server, proto: uint8(f.info.Transport)}.canonical()
}

// endedLinger is how long, in packet time, packets of a TCP connection
// that ended (trailing ACKs, retransmitted FINs) are still counted in it.
const endedLinger = 30 * time.Second

// initFlow fills in a new flow from its first packet p.
func (w *Worker) initFlow(f *flowState, t dissectors.Transport, p *decode.Packet, srcIsClient bool) {
	f.w = w
	f.activeIdx = -1
	src := netip.AddrPortFrom(p.Src, p.SrcPort)
	dst := netip.AddrPortFrom(p.Dst, p.DstPort)
	i := &f.info
	i.Transport = t
	i.Start = p.Time
	i.VLAN, i.NVLAN = p.VLAN, p.NVLAN
	if srcIsClient {
		i.Client, i.Server = src, dst
		i.ClientMAC, i.ServerMAC = p.SrcMAC, p.DstMAC
	} else {
		i.Client, i.Server = dst, src
		i.ClientMAC, i.ServerMAC = p.DstMAC, p.SrcMAC
	}
	i.ID = flowID(i)
	f.portMatch = w.ports[dissectors.Port{Transport: t, Port: i.Server.Port()}]
	f.clientPort = w.ports[dissectors.Port{Transport: t, Port: i.Client.Port()}]
	if len(w.dissectors) == 0 {
		f.state = stateNone
	}
}

// srcIsClient guesses a flow's direction from its ports when no SYN tells:
// a port some dissector serves on is the server's; otherwise the lower port
// is (services listen on low or registered ports, clients use ephemeral
// ones).
func (w *Worker) srcIsClient(t dissectors.Transport, src, dst uint16) bool {
	srcKnown := w.ports[dissectors.Port{Transport: t, Port: src}] != 0
	dstKnown := w.ports[dissectors.Port{Transport: t, Port: dst}] != 0
	if srcKnown != dstKnown {
		return dstKnown
	}
	return src >= dst
}

// flowID hashes what identifies a flow, including its start time, so the
// same traffic always gets the same id. It is kept below 2^53 so that
// JSON consumers that read numbers as doubles keep it exact.
func flowID(f *dissectors.Flow) uint64 {
	var b [2*18 + 1 + 2*dissectors.MaxVLANs + 8]byte
	n := 0
	put := func(ap netip.AddrPort) {
		a := ap.Addr().As16()
		n += copy(b[n:], a[:])
		binary.BigEndian.PutUint16(b[n:], ap.Port())
		n += 2
	}
	put(f.Client)
	put(f.Server)
	b[n] = byte(f.Transport)
	n++
	for i := range dissectors.MaxVLANs {
		if i < int(f.NVLAN) { // only the tags the packet had
			binary.BigEndian.PutUint16(b[n:], f.VLAN[i])
		}
		n += 2
	}
	binary.BigEndian.PutUint64(b[n:], uint64(f.Start.UnixNano()))
	h := uint64(14695981039346656037) // FNV-1a
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h & (1<<53 - 1)
}
