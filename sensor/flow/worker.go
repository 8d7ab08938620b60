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

	asm *reassembly.Assembler
	ctx packetContext
	// flushEnded collects the connections a flush of the reassembler
	// completes: it visits them in map order, and they are ended in start
	// order afterwards so that a replay gives the same updates and events
	// in the same order every time.
	flushing   bool
	flushEnded []*tcpStream
	tcpFlows   int
	table      map[tableKey]*flowState
	ended      map[tableKey]*flowState // TCP connections that ended lately
	idle       lru                     // table flows, least recently seen first
	lingering  lru                     // ended TCP connections, likewise
	active     []*flowState            // flows with unreported activity or still open

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
	w.flush(func() { w.asm.FlushAll() })
	for f := w.idle.oldest(); f != nil; f = w.idle.oldest() {
		w.idle.remove(f)
		delete(w.table, f.key())
		w.end(f)
	}
	w.checkpoint()
}

// emitAnomaly sends a flow-layer anomaly for f.
func (w *Worker) emitAnomaly(f *flowState, dir dissectors.Direction, appProto, name, detail string) {
	w.anomaly = dissectors.Anomaly{AppProto: appProto, Name: name, Detail: detail}
	w.ev = dissectors.Event{Time: w.pktTime, Dir: dir, Anomaly: &w.anomaly}
	f.Emit(&w.ev)
}
