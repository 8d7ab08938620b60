package live

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/sensor/flow"
)

// snapshotEvery is how many packets pass between copies of a worker's
// flow and decoder counters for Stats.
const snapshotEvery = 4096

// clockLag, in block timeouts, is how far behind the wall clock an idle
// worker sets its flow clock: the kernel hands a partly filled block over
// within two block timeouts.
const clockLag = 3

// worker reads one socket into one flow.Worker, on one goroutine.
type worker struct {
	iface string // for logs: the interface, or the merged group
	sock  *socket
	fw    *flow.Worker
	link  layers.LinkType
	cfg   *Config
	buf   []byte // frames with their VLAN tag put back

	// slots count frames per interface: one slot on an interface's own
	// socket; with Merge one per configured interface, in Config order,
	// then one for frames of any other interface (none get past the
	// filter, but a frame is never counted nowhere).
	slots      []ifCounters
	readErrors atomic.Uint64

	snapMu sync.Mutex
	snap   PipelineStats
}

// ifCounters are a worker's counts of one interface's frames.
type ifCounters struct {
	ifindex        int
	packets, bytes atomic.Uint64
	lastNs         atomic.Int64 // the last packet's kernel timestamp, Unix ns
}

// newSlots returns counters for the interfaces ifindexes of a merged
// group and a last one for any other; for nil, the one slot of a socket
// bound to its interface.
func newSlots(ifindexes []int) []ifCounters {
	if ifindexes == nil {
		return make([]ifCounters, 1)
	}
	slots := make([]ifCounters, len(ifindexes)+1)
	for i, idx := range ifindexes {
		slots[i].ifindex = idx
	}
	slots[len(ifindexes)].ifindex = -1
	return slots
}

// slot returns the counters of the frame's interface.
func (w *worker) slot(ifindex int) *ifCounters {
	last := len(w.slots) - 1
	for i := range last {
		if w.slots[i].ifindex == ifindex {
			return &w.slots[i]
		}
	}
	return &w.slots[last]
}

// run captures until stop is set, then drains the socket, closes it and
// ends the worker's flows.
func (w *worker) run(stop *atomic.Bool) {
	n := 0
	for !stop.Load() {
		data, ci, err := w.sock.tp.ZeroCopyReadPacketData()
		if err != nil {
			// No block for a while: move the flow clock on, so that
			// the flows of a quiet link end. Frames still in the
			// ring's open block are at most clockLag old.
			w.readFailed(err)
			w.fw.Advance(w.cfg.Now().Add(-clockLag * w.cfg.BlockTimeout))
			w.snapshot()
			continue
		}
		w.handle(data, ci)
		if n++; n == snapshotEvery {
			n = 0
			w.snapshot()
		}
	}
	w.drain()
	w.fw.Close()
	w.snapshot()
}

// handle passes one frame to the flow worker and counts it.
func (w *worker) handle(data []byte, ci gopacket.CaptureInfo) {
	if vlan, ok := vlanOf(&ci); ok && w.link == layers.LinkTypeEthernet {
		data = retag(&w.buf, data, vlan, &ci)
	}
	c := &w.slots[0]
	if len(w.slots) > 1 {
		c = w.slot(ci.InterfaceIndex)
	}
	w.fw.Handle(data, ci, w.link)
	c.packets.Add(1)
	c.bytes.Add(uint64(ci.Length))
	c.lastNs.Store(ci.Timestamp.UnixNano())
}

// readFailed counts a failed read; timeouts are normal.
func (w *worker) readFailed(err error) {
	if errors.Is(err, afpacket.ErrTimeout) {
		return
	}
	if w.readErrors.Add(1) == 1 {
		w.cfg.Log.Warn("capture read failed", zap.String("iface", w.iface), zap.Error(err))
	}
	// A socket in error (interface down) would fail again at once.
	time.Sleep(w.cfg.BlockTimeout)
}

// drain stops new frames from entering the ring, handles those already
// in it and closes the socket: every frame the kernel counted was then
// either read or dropped.
func (w *worker) drain() {
	if err := w.sock.tp.SetBPF(dropAll); err != nil {
		w.cfg.Log.Warn("cannot stop capture before draining", zap.String("iface", w.iface), zap.Error(err))
	}
	quietFor := 2*w.cfg.BlockTimeout + 10*time.Millisecond
	deadline := time.Now().Add(5 * time.Second)
	last := time.Now()
	for time.Now().Before(deadline) {
		data, ci, err := w.sock.tp.ZeroCopyReadPacketData()
		if err != nil {
			if time.Since(last) > quietFor {
				break
			}
			continue
		}
		last = time.Now()
		w.handle(data, ci)
	}
	w.sock.close()
}
