package live

import (
	"time"

	"github.com/otsensor/otsensor/sensor/flow"
)

// Stats is what the capture did so far, per interface.
type Stats struct {
	Interfaces []IfaceStats
}

// IfaceStats sums an interface's workers.
type IfaceStats struct {
	Name          string
	Packets       uint64 // frames read from the rings
	Bytes         uint64 // their length on the wire
	KernelPackets uint64 // frames the kernel passed to the sockets, dropped ones included
	KernelDrops   uint64 // frames the kernel dropped: a ring was full
	QueueFreezes  uint64 // times a ring filled up
	ReadErrors    uint64 // failed reads other than timeouts (interface down ...)
	Workers       []WorkerStats
	Quiet         bool      // no packets for QuietAfter
	LastPacket    time.Time // kernel time of the newest packet; zero before the first
}

// WorkerStats is one socket and its flow worker. Packets and Bytes are
// live; the pipeline counters are copied every few thousand packets and
// whenever the worker waits.
type WorkerStats struct {
	Packets, Bytes                           uint64
	KernelPackets, KernelDrops, QueueFreezes uint64
	ReadErrors                               uint64
	PipelineStats
}

// PipelineStats are a worker's decoder and flow layer counters.
type PipelineStats struct {
	DecodeErrors   uint64 // malformed or truncated headers
	Truncated      uint64 // frames shorter than their headers say (snap length)
	Unsupported    uint64 // frames of a link type the decoder does not handle
	Fragments      uint64 // IP fragments seen (IPv6: IPv4 ones are reassembled by the kernel's fanout)
	FragmentErrors uint64 // fragments the defragmenters rejected
	Flow           flow.Stats
}

// snapshot copies the worker's pipeline counters for Stats.
func (w *worker) snapshot() {
	d := &w.fw.Decoder.Stats
	c := PipelineStats{
		DecodeErrors: d.DecodeErrors, Truncated: d.Truncated, Unsupported: d.Unsupported,
		Fragments: d.Fragments, FragmentErrors: d.FragmentErrors, Flow: w.fw.Stats,
	}
	w.snapMu.Lock()
	w.snap = c
	w.snapMu.Unlock()
}

// stats reads the worker's counters; any goroutine may call it.
func (w *worker) stats() WorkerStats {
	k := w.sock.counts()
	s := WorkerStats{
		Packets: w.packets.Load(), Bytes: w.bytes.Load(),
		KernelPackets: k.Packets, KernelDrops: k.Drops, QueueFreezes: k.Freezes,
		ReadErrors: w.readErrors.Load(),
	}
	w.snapMu.Lock()
	s.PipelineStats = w.snap
	w.snapMu.Unlock()
	return s
}

// Stats returns the counters so far. It is safe to call at any time, from
// any goroutine, before, during and after Run.
func (s *Sensor) Stats() Stats {
	out := Stats{Interfaces: make([]IfaceStats, len(s.ifaces))}
	for i, ifc := range s.ifaces {
		st := IfaceStats{Name: ifc.name, Quiet: ifc.quiet.Load(), Workers: make([]WorkerStats, len(ifc.workers))}
		for j, w := range ifc.workers {
			ws := w.stats()
			st.Workers[j] = ws
			st.Packets += ws.Packets
			st.Bytes += ws.Bytes
			st.KernelPackets += ws.KernelPackets
			st.KernelDrops += ws.KernelDrops
			st.QueueFreezes += ws.QueueFreezes
			st.ReadErrors += ws.ReadErrors
		}
		if ns := ifc.lastNs(); ns != 0 {
			st.LastPacket = time.Unix(0, ns)
		}
		out.Interfaces[i] = st
	}
	return out
}
