package alerts

import (
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

// protoSilent reports whether a cause seen on f at t is learnt without an
// alert: the baseline is learning (or Config.Learn is set), or an end of f
// is inside its own learning window. An end the baseline does not hold
// counts as inside: flow updates, which learn new devices (and raise
// policy.new_device), come after the flow's first events, and a new
// device's own behaviour is learnt during its window.
func (e *Engine) protoSilent(f *dissectors.Flow, t time.Time) bool {
	b := e.cfg.Baseline
	if e.cfg.Learn || b.mode != ModeOperational {
		return true
	}
	return newOrInWindow(b.hosts[f.Client.Addr().Unmap()], t) || newOrInWindow(b.hosts[f.Server.Addr().Unmap()], t)
}

func newOrInWindow(h *blHost, t time.Time) bool { return h == nil || h.inWindow(t) }

// swapEnds makes the alert's Source the flow's server and Destination its
// client (the cause was sent by the server).
func swapEnds(a *Alert) { a.Source, a.Destination = a.Destination, a.Source }
