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
//
// With Config.Merge the sockets belong to no interface: Packets, Bytes,
// Quiet and LastPacket are still the interface's own (each frame in a
// ring names the interface it came in on), but the socket counters
// (KernelPackets, KernelDrops, QueueFreezes, ReadErrors) and Workers
// are the whole group's and are reported once, on the first interface
// of the group; the other interfaces have zero there and no Workers.
// The kernel does not say on which interface a dropped frame came in,
// so drops are not split. Group names the group on every member, so a
// reader can say "dropped by the kernel (eth1+eth2)". Summed over the
// group's entries, Packets + KernelDrops = KernelPackets, as per entry
// without Merge.
type IfaceStats struct {
	Name          string
	Group         string // with Merge: the merged interfaces joined by "+", e.g. "eth1+eth2"; else empty
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
		KernelPackets: k.Packets, KernelDrops: k.Drops, QueueFreezes: k.Freezes,
		ReadErrors: w.readErrors.Load(),
	}
	for i := range w.slots {
		s.Packets += w.slots[i].packets.Load()
		s.Bytes += w.slots[i].bytes.Load()
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
		st := IfaceStats{Name: ifc.name, Group: s.group, Quiet: ifc.quiet.Load()}
		if ifc.sockets {
			st.Workers = make([]WorkerStats, len(ifc.workers))
			for j, w := range ifc.workers {
				ws := w.stats()
				st.Workers[j] = ws
				st.KernelPackets += ws.KernelPackets
				st.KernelDrops += ws.KernelDrops
				st.QueueFreezes += ws.QueueFreezes
				st.ReadErrors += ws.ReadErrors
			}
		}
		for j, w := range ifc.workers {
			if s.group == "" {
				// The interface's own workers: the same reads as theirs.
				st.Packets += st.Workers[j].Packets
				st.Bytes += st.Workers[j].Bytes
				continue
			}
			c := &w.slots[ifc.slot]
			st.Packets += c.packets.Load()
			st.Bytes += c.bytes.Load()
		}
		if ns := ifc.lastNs(); ns != 0 {
			st.LastPacket = time.Unix(0, ns)
		}
		out.Interfaces[i] = st
	}
	return out
}
