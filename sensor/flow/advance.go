package flow

import "time"

// Advance moves the worker's clock to t, as a packet stamped t would,
// without a packet: timers due by t run (idle flows end, holes are
// skipped, long flows are reported). A live capture calls it with the wall
// clock when no packet came for a while, so that the flows of a quiet
// link still end. A t not after the newest packet time is ignored.
func (w *Worker) Advance(t time.Time) {
	if !t.After(w.now) {
		return
	}
	w.pktTime, w.pktNs = t, t.UnixNano()
	w.advance()
}
