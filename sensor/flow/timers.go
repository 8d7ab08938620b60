package flow

import (
	"time"

	"github.com/gopacket/gopacket/reassembly"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/decode"
)

// tickInterval is how often, in packet time, idle flows are expired;
// flushInterval how often the reassembler skips holes older than
// ReorderWait and closes idle connections.
const (
	tickInterval     = time.Second
	flushInterval    = 5 * time.Second
	lostHoleInterval = 100 * time.Millisecond
)

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
		opts := reassembly.FlushOptions{T: w.now.Add(-w.cfg.ReorderWait), TC: w.now.Add(-w.cfg.TCPIdle)}
		w.flush(func() { w.asm.FlushWithOptions(opts) })
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
	opts := reassembly.FlushOptions{T: w.holeFlush.Add(time.Nanosecond)}
	w.flush(func() { w.asm.FlushWithOptions(opts) })
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
