package inventory

import (
	"net/netip"

	"github.com/otsensor/otsensor/dissectors"
)

// flowRefs is the inventory's per-flow cache: the records a flow touches,
// and what its events taught since the last fold.
type flowRefs struct {
	flow *dissectors.Flow // the flow layer's, valid until the flow ends
	link *Link
	ends [2]flowEnd // by the direction that end sends in: client, server
	// What events taught since the last fold: events only touch this
	// (hot in cache), and fold moves it into the link and hosts.
	events, anomalies uint64
	modbus            flowModbus
	dnp3              flowDNP3
}

// flowEnd caches one end of a flow and what was already learnt from it.
// Its host and MAC records are made only once the end shows it exists
// (it sends, or a protocol gives it a role): a scan of unused addresses
// leaves nothing behind.
type flowEnd struct {
	resolved bool
	station  bool // the address is one station's
	addr     netip.Addr
	macAddr  MAC
	host     *Host
	mac      *MACInfo // nil until the end sends, or when its MAC identifies nothing
	app      string   // the app protocol already recorded on the host
	sent     bool     // the end's MAC binding and service are recorded
}

// refs returns f's cached records, made on first use, and keeps them in
// the recent cache for the events that follow.
func (inv *Inventory) refs(f *dissectors.Flow) *flowRefs {
	r := inv.cached(f.ID)
	if r == nil {
		r = &flowRefs{flow: f, link: inv.link(f)}
		inv.flows[f.ID] = r
	}
	c := &inv.recent[f.ID&(recentFlows-1)]
	c.id, c.refs = f.ID, r
	return r
}

// refsForUpdate is refs for a flow update. It leaves the recent cache to
// events, and a flow seen once, at its end (most UDP and short TCP),
// costs no allocation and no cache entry: it uses inv.scratch.
func (inv *Inventory) refsForUpdate(f *dissectors.Flow, ended bool) *flowRefs {
	if r := inv.cached(f.ID); r != nil {
		return r
	}
	if ended {
		inv.scratch = flowRefs{flow: f, link: inv.link(f)}
		return &inv.scratch
	}
	r := &flowRefs{flow: f, link: inv.link(f)}
	inv.flows[f.ID] = r
	return r
}

// cached returns the records of flow id, if any.
func (inv *Inventory) cached(id uint64) *flowRefs {
	if c := &inv.recent[id&(recentFlows-1)]; c.refs != nil && c.id == id {
		return c.refs
	}
	return inv.flows[id]
}

// fold moves what a flow's events taught into its link and hosts.
func (inv *Inventory) fold(r *flowRefs) {
	if r.events == 0 && r.anomalies == 0 {
		return
	}
	l := r.link
	l.dirty = true
	l.Events += r.events
	l.Anomalies += r.anomalies
	r.events, r.anomalies = 0, 0
	if r.modbus.used {
		inv.foldModbus(r)
	}
	if r.dnp3.used {
		inv.foldDNP3(r)
	}
}

// foldAll folds every live flow: before the inventory is read or saved.
func (inv *Inventory) foldAll() {
	for _, r := range inv.flows {
		inv.fold(r)
	}
}

// forget drops an ended flow's cached references.
func (inv *Inventory) forget(id uint64) {
	delete(inv.flows, id)
	if c := &inv.recent[id&(recentFlows-1)]; c.id == id {
		c.refs = nil
	}
}

// end returns the cached state of one end of r's flow; sent is the
// direction that end sends in.
func (r *flowRefs) end(sent dissectors.Direction) *flowEnd {
	e := &r.ends[sent]
	if !e.resolved {
		f := r.flow
		e.resolved = true
		e.addr, e.macAddr = f.Client.Addr(), MAC(f.ClientMAC)
		if sent == dissectors.ToClient {
			e.addr, e.macAddr = f.Server.Addr(), MAC(f.ServerMAC)
		}
		e.station = hostable(e.addr)
	}
	return e
}

// hostOf returns the end's host, made on first use; nil when the address
// is not one station's.
func (inv *Inventory) hostOf(e *flowEnd) *Host {
	if e.host == nil && e.station {
		e.host = inv.host(e.addr)
	}
	return e.host
}
