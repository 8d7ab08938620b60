package inventory

import (
	"net/netip"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// maxServices caps the services remembered per host (a scanned host
// answers on many ports).
const maxServices = 64

// maxHostMACs caps the MACs remembered per IP (an IP behind several
// routers, or one that moves).
const maxHostMACs = 16

// Inventory is the in-memory model. It implements flow.Observer and is
// used from one goroutine; Store persists it.
type Inventory struct {
	hosts map[netip.Addr]*Host
	macs  map[MAC]*MACInfo
	links map[LinkKey]*Link

	// per live flow, the records it touches (flowrefs.go): events find
	// them by flow id instead of hashing addresses
	flows map[uint64]*flowRefs
	// a direct-mapped cache in front of flows: an event's lookup is then
	// an index, not a hash
	recent [recentFlows]struct {
		id   uint64
		refs *flowRefs
	}
	roles   map[string]*[2]string // app protocol → its client and server role names
	scratch flowRefs              // see refsForUpdate
}

// recentFlows is the size of Inventory.recent, a power of two.
const recentFlows = 1 << 12

var _ flow.Observer = (*Inventory)(nil)

// New returns an empty Inventory.
func New() *Inventory {
	return &Inventory{
		hosts: map[netip.Addr]*Host{},
		macs:  map[MAC]*MACInfo{},
		links: map[LinkKey]*Link{},
		flows: map[uint64]*flowRefs{},
		roles: map[string]*[2]string{},
	}
}

// hostable reports whether a is one station's address.
func hostable(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsUnspecified() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

func (inv *Inventory) host(a netip.Addr) *Host {
	a = a.Unmap()
	h := inv.hosts[a]
	if h == nil {
		h = &Host{V: SchemaVersion, IP: a}
		inv.hosts[a] = h
	}
	h.dirty = true
	return h
}

func (inv *Inventory) mac(m MAC) *MACInfo {
	mi := inv.macs[m]
	if mi == nil {
		mi = &MACInfo{V: SchemaVersion, MAC: m}
		inv.macs[m] = mi
	}
	mi.dirty = true
	return mi
}

func (inv *Inventory) link(f *dissectors.Flow) *Link {
	k := LinkKey{Client: f.Client.Addr().Unmap(), Server: f.Server.Addr().Unmap(), Transport: uint8(f.Transport), Port: f.Server.Port()}
	l := inv.links[k]
	if l == nil {
		l = &Link{V: SchemaVersion, Client: k.Client, Server: k.Server, Transport: f.Transport.String(), Port: k.Port}
		inv.links[k] = l
	}
	l.dirty = true
	return l
}

// Neighbor implements flow.Observer.
func (inv *Inventory) Neighbor(n *flow.Neighbor) {
	m := MAC(n.MAC)
	if !m.Identifies() {
		return
	}
	mi := inv.mac(m)
	seen(&mi.First, &mi.Last, n.Time)
	for _, v := range n.VLAN[:n.NVLAN] {
		mi.VLANs = addSorted(mi.VLANs, v)
	}
	if !n.HasIP {
		mi.EtherTypes = addSorted(mi.EtherTypes, uint16(n.EtherType))
		return
	}
	a := netip.AddrFrom4(n.IP)
	if !hostable(a) {
		return
	}
	mi.ARPIPs = addAddr(mi.ARPIPs, a, maxMACIPs)
	h := inv.host(a)
	seen(&h.First, &h.Last, n.Time)
	for _, v := range n.VLAN[:n.NVLAN] {
		h.VLANs = addSorted(h.VLANs, v)
	}
	inv.bindMAC(h, m, n.Time)
}

// Event implements flow.Observer.
func (inv *Inventory) Event(ev *dissectors.Event) {
	if ev.Flow == nil {
		return
	}
	r := inv.refs(ev.Flow)
	if ev.Anomaly != nil {
		r.anomalies++
		return
	}
	r.events++
	inv.protocolEvent(ev, r)
}
