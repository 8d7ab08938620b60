// Package flow tracks flows, reassembles TCP with gopacket/reassembly,
// picks a dissector for each flow and feeds it, all on packet time.
//
// A Worker owns every piece of per-flow state it creates; all of its methods
// are called from one goroutine. Several workers may run side by side as
// long as both directions of a flow reach the same one.
package flow

import (
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/decode"
)

// Observer receives what a Worker learns. All arguments are borrowed: they
// are valid only during the call.
type Observer interface {
	// Event is a dissector event or a flow-layer anomaly.
	Event(ev *dissectors.Event)
	// Flow reports a flow's counters since its previous update: when it
	// ends, and for long flows at every checkpoint.
	Flow(u *Update)
	// Neighbor reports a non-IP frame: an ARP packet or another frame
	// with a source MAC (LLDP, GOOSE, PROFINET, ...).
	Neighbor(n *Neighbor)
}

// Update is a flow's activity since its previous Update.
type Update struct {
	Flow        *dissectors.Flow
	First, Last time.Time // of the whole flow so far
	Packets     [2]uint64 // since the previous update, by dissectors.Direction
	Bytes       [2]uint64 // wire bytes, likewise
	New         bool      // the flow's first update
	Ended       bool      // the flow is over (FIN/RST, idle, end of input)
}

// Neighbor is a non-IP frame's source: a MAC, with an IP when ARP says
// which one the MAC answers for.
type Neighbor struct {
	Time      time.Time
	MAC       [6]byte
	IP        [4]byte // valid when HasIP (ARP is IPv4 only)
	HasIP     bool
	EtherType layers.EthernetType
	VLAN      [dissectors.MaxVLANs]uint16
	NVLAN     uint8
}

// Config sets a Worker's timeouts and caps. Durations are packet time.
type Config struct {
	TCPIdle         time.Duration // a TCP connection without packets for this long ends
	UDPIdle         time.Duration // likewise for UDP and other IP flows
	ReorderWait     time.Duration // how long a hole in a TCP stream is waited for before it is skipped
	Checkpoint      time.Duration // long flows are reported this often
	MaxFlows        int           // TCP connections, and UDP/other flows, tracked at once (each)
	MaxParserBuffer int           // unconsumed bytes kept for a parser, per direction
	MaxProbeBytes   int           // bytes per direction offered to probes before giving up
	// Pages (1900 bytes each) of out-of-order TCP data buffered per
	// connection and in total; beyond them the oldest hole is skipped.
	MaxPagesPerConn int
	MaxPagesTotal   int
}

// DefaultConfig returns the defaults, sized for a small appliance.
func DefaultConfig() Config {
	return Config{
		TCPIdle:         10 * time.Minute,
		UDPIdle:         2 * time.Minute,
		ReorderWait:     5 * time.Second,
		Checkpoint:      time.Minute,
		MaxFlows:        1 << 18,
		MaxParserBuffer: 64 << 10,
		MaxProbeBytes:   4 << 10,
		MaxPagesPerConn: 64,
		MaxPagesTotal:   16384,
	}
}

// Stats counts what the flow layer did.
type Stats struct {
	TCPPackets, UDPPackets, OtherPackets uint64
	FlowsTCP, FlowsUDP, FlowsOther       uint64 // flows created
	Events, Anomalies                    uint64
	Gaps                                 uint64 // holes in TCP streams that had a parser
	BufferOverflows                      uint64
	ParserPanics, ParserGaveUp           uint64
	OrphanTCP                            uint64 // packets without payload or SYN for an unknown connection
	FlowTableFull                        uint64 // packets not tracked because a flow table was full
}

// Worker is one pipeline lane: decode, flows, reassembly, dissection.
type Worker struct {
	Stats   Stats
	Decoder *decode.Decoder

	cfg        Config
	obs        Observer
	dissectors []dissectors.Dissector
	ports      map[dissectors.Port]uint64 // server port → bitmask of dissectors claiming it

	asm       *reassembly.Assembler
	ctx       packetContext
	tcpFlows  int
	table     map[tableKey]*flowState
	ended     map[tableKey]*flowState // TCP connections that ended lately
	idle      lru                     // table flows, least recently seen first
	lingering lru                     // ended TCP connections, likewise
	active    []*flowState            // flows with unreported activity or still open

	// now is the newest packet time seen, which drives timers; pktTime is
	// the current packet's, which stamps what it completes. The ns forms
	// (Unix nanoseconds) are what the per-packet path compares.
	now, pktTime, nextFlush, nextCheckpoint time.Time
	nowNs, pktNs, nextTickNs                int64
	holeFlush, nextHoleFlush                time.Time // see skipLostHoles
	reinjecting                             bool

	update  Update
	nb      Neighbor
	ev      dissectors.Event
	anomaly dissectors.Anomaly
}

// tickInterval is how often, in packet time, idle flows are expired;
// flushInterval how often the reassembler skips holes older than
// ReorderWait and closes idle connections.
const (
	tickInterval     = time.Second
	flushInterval    = 5 * time.Second
	lostHoleInterval = 100 * time.Millisecond
)

// NewWorker returns a Worker feeding obs, with the dissectors in ds
// (at most 64).
func NewWorker(cfg Config, ds []dissectors.Dissector, obs Observer) *Worker {
	w := &Worker{
		Decoder:    decode.New(),
		cfg:        cfg,
		obs:        obs,
		dissectors: ds,
		ports:      map[dissectors.Port]uint64{},
		table:      map[tableKey]*flowState{},
		ended:      map[tableKey]*flowState{},
	}
	for i, d := range ds {
		for _, p := range d.Ports() {
			w.ports[p] |= 1 << i
		}
	}
	w.idle.init()
	w.lingering.init()
	pool := reassembly.NewStreamPool((*streamFactory)(w))
	w.asm = reassembly.NewAssembler(pool)
	w.asm.MaxBufferedPagesPerConnection = cfg.MaxPagesPerConn
	w.asm.MaxBufferedPagesTotal = cfg.MaxPagesTotal
	return w
}

// Handle processes one captured frame.
func (w *Worker) Handle(data []byte, ci gopacket.CaptureInfo, lt layers.LinkType) {
	w.pktTime, w.pktNs = ci.Timestamp, ci.Timestamp.UnixNano()
	w.advance()
	p := w.Decoder.Decode(data, ci, lt)
	switch p.Kind {
	case decode.KindIP:
		switch {
		case p.TCP != nil:
			w.Stats.TCPPackets++
			w.ctx.pkt = p
			w.asm.AssembleWithContext(p.NetFlow, p.TCP, &w.ctx)
			if !w.holeFlush.IsZero() {
				w.skipLostHoles(p)
			}
		case p.UDP != nil:
			w.Stats.UDPPackets++
			w.datagram(p)
		default:
			w.Stats.OtherPackets++
			w.datagram(p)
		}
	case decode.KindARP:
		w.arp(p)
	case decode.KindL2:
		w.neighbor(p)
	}
}

// Close ends every flow (end of input or shutdown) and reports it.
func (w *Worker) Close() {
	w.asm.FlushAll()
	for f := w.idle.oldest(); f != nil; f = w.idle.oldest() {
		w.idle.remove(f)
		delete(w.table, f.key())
		w.end(f)
	}
	w.checkpoint()
}

// advance moves packet time forward and runs the timers due.
func (w *Worker) advance() {
	if w.pktNs > w.nowNs || w.now.IsZero() {
		w.now, w.nowNs = w.pktTime, w.pktNs
	}
	if w.nowNs < w.nextTickNs {
		return
	}
	w.nextTickNs = w.nowNs + int64(tickInterval)
	if !w.now.Before(w.nextFlush) {
		// The reassembler looks at every connection: not every tick.
		w.nextFlush = w.now.Add(flushInterval)
		w.asm.FlushWithOptions(reassembly.FlushOptions{
			T:  w.now.Add(-w.cfg.ReorderWait),
			TC: w.now.Add(-w.cfg.TCPIdle),
		})
	}
	w.expireTable()
	if !w.now.Before(w.nextCheckpoint) {
		if !w.nextCheckpoint.IsZero() {
			w.checkpoint()
		}
		w.nextCheckpoint = w.now.Add(w.cfg.Checkpoint)
	}
}

// mayFlushHoles says whether a lost hole may be skipped now: each skip
// looks at every connection, so they are lostHoleInterval apart in packet
// time at least. A hole not skipped waits for the next chance, or
// ReorderWait.
func (w *Worker) mayFlushHoles() bool {
	return !w.reinjecting && !w.pktTime.Before(w.nextHoleFlush)
}

// skipLostHoles skips the holes of every connection waiting since
// w.holeFlush or earlier, then hands in again the packet that proved them
// lost (see tcpStream.Accept). The reassembler cannot flush during
// Assemble: the connection is locked.
func (w *Worker) skipLostHoles(p *decode.Packet) {
	w.asm.FlushWithOptions(reassembly.FlushOptions{T: w.holeFlush.Add(time.Nanosecond)})
	w.holeFlush = time.Time{}
	w.nextHoleFlush = w.pktTime.Add(lostHoleInterval)
	w.reinjecting = true
	w.asm.AssembleWithContext(p.NetFlow, p.TCP, &w.ctx)
	w.reinjecting = false
}

// checkpoint reports every flow with unreported activity and forgets the
// ended ones.
func (w *Worker) checkpoint() {
	for i := 0; i < len(w.active); {
		f := w.active[i]
		w.report(f, false)
		if f.ended {
			w.deactivate(f) // moves the last flow to i
			continue
		}
		i++
	}
}

// nsTime turns Unix nanoseconds back into a UTC time.
func nsTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// deactivate removes f from the active list.
func (w *Worker) deactivate(f *flowState) {
	i, last := f.activeIdx, len(w.active)-1
	w.active[i] = w.active[last]
	w.active[i].activeIdx = i
	w.active[last] = nil
	w.active = w.active[:last]
	f.activeIdx = -1
}

// report sends f's activity since its previous report to the observer;
// final reports even when there was none (the flow ended).
func (w *Worker) report(f *flowState, final bool) {
	u := &w.update
	*u = Update{Flow: &f.info, First: nsTime(f.first), Last: nsTime(f.last), New: !f.reported, Ended: f.ended}
	for d := range 2 {
		u.Packets[d] = f.pkts[d] - f.repPkts[d]
		u.Bytes[d] = f.bytes[d] - f.repBytes[d]
	}
	if !u.New && !final && u.Packets == [2]uint64{} {
		return
	}
	w.obs.Flow(u)
	f.reported, f.repPkts, f.repBytes = true, f.pkts, f.bytes
}

// end closes f's parser and reports the flow's last activity. Packets that
// come later (trailing ACKs) are reported at the next checkpoint.
func (w *Worker) end(f *flowState) {
	if f.ended {
		return
	}
	w.closeParser(f)
	f.ended = true
	w.report(f, true)
	if f.activeIdx >= 0 {
		w.deactivate(f)
	}
	if f.info.Transport == dissectors.TCP {
		w.tcpFlows--
	}
}

// emitAnomaly sends a flow-layer anomaly for f.
func (w *Worker) emitAnomaly(f *flowState, dir dissectors.Direction, appProto, name, detail string) {
	w.anomaly = dissectors.Anomaly{AppProto: appProto, Name: name, Detail: detail}
	w.ev = dissectors.Event{Time: w.pktTime, Dir: dir, Anomaly: &w.anomaly}
	f.Emit(&w.ev)
}

// arp reports an ARP packet's sender: the MAC and the IPv4 address it
// claims.
func (w *Worker) arp(p *decode.Packet) {
	a := p.ARP
	if len(a.SourceHwAddress) != 6 || len(a.SourceProtAddress) != 4 {
		return
	}
	w.nb = Neighbor{Time: p.Time, EtherType: layers.EthernetTypeARP, VLAN: p.VLAN, NVLAN: p.NVLAN}
	copy(w.nb.MAC[:], a.SourceHwAddress)
	copy(w.nb.IP[:], a.SourceProtAddress)
	w.nb.HasIP = w.nb.IP != [4]byte{}
	w.obs.Neighbor(&w.nb)
}

// neighbor reports the source of another non-IP frame.
func (w *Worker) neighbor(p *decode.Packet) {
	if !p.HasSrcMAC {
		return
	}
	w.nb = Neighbor{Time: p.Time, MAC: p.SrcMAC, EtherType: p.EtherType, VLAN: p.VLAN, NVLAN: p.NVLAN}
	w.obs.Neighbor(&w.nb)
}
