package live

import (
	"sync"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// lockedObserver serialises the workers' calls into the shared Observer:
// the lock is taken per call, not per packet, so workers only contend
// when they have something to report.
type lockedObserver struct {
	mu  sync.Locker
	obs flow.Observer
}

var _ flow.Observer = (*lockedObserver)(nil)

func (o *lockedObserver) Event(ev *dissectors.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.obs.Event(ev)
}

func (o *lockedObserver) Flow(u *flow.Update) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.obs.Flow(u)
}

func (o *lockedObserver) Neighbor(n *flow.Neighbor) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.obs.Neighbor(n)
}
