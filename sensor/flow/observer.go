package flow

import (
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/otsensor/otsensor/dissectors"
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
