package flow

import "github.com/otsensor/otsensor/dissectors"

// Tee is an Observer that passes everything to each of its Observers in
// order.
type Tee []Observer

func (t Tee) Event(ev *dissectors.Event) {
	for _, o := range t {
		o.Event(ev)
	}
}

func (t Tee) Flow(u *Update) {
	for _, o := range t {
		o.Flow(u)
	}
}

func (t Tee) Neighbor(n *Neighbor) {
	for _, o := range t {
		o.Neighbor(n)
	}
}
