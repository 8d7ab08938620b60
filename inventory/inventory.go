package inventory

import (
	"net/netip"
	"time"

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

	// per live flow, its link and server host: events look them up
	// by flow id instead of hashing addresses
	flows map[uint64]*flowRefs
	// a direct-mapped cache in front of flows: an event's lookup is then
	// an index, not a hash
	recent [recentFlows]struct {
		id   uint64
		refs *flowRefs
	}
	roles map[string]*[2]string // app protocol → its client and server role names
}

// recentFlows is the size of Inventory.recent, a power of two.
const recentFlows = 1 << 12

type flowRefs struct {
	flow *dissectors.Flow // the flow layer's, valid until the flow ends
	link *Link
	ends [2]flowEnd // by the direction that end sends in: client, server
	// What events taught since the last fold: events only touch this
	// (hot in cache), and fold moves it into the link and hosts.
	events, anomalies uint64
	modbus            *flowModbus
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

// Len returns the number of hosts, MACs and links known.
func (inv *Inventory) Len() (hosts, macs, links int) {
	return len(inv.hosts), len(inv.macs), len(inv.links)
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

// refs returns f's cached link (marked dirty) and server host.
func (inv *Inventory) refs(f *dissectors.Flow) *flowRefs {
	c := &inv.recent[f.ID&(recentFlows-1)]
	if c.refs != nil && c.id == f.ID {
		return c.refs
	}
	r := inv.flows[f.ID]
	if r == nil {
		r = &flowRefs{flow: f, link: inv.link(f)}
		inv.flows[f.ID] = r
	}
	c.id, c.refs = f.ID, r
	return r
}

// fold moves what a flow's events taught into its link and hosts.
func (inv *Inventory) fold(f *dissectors.Flow, r *flowRefs) {
	if r.events == 0 && r.anomalies == 0 {
		return
	}
	l := r.link
	l.dirty = true
	l.Events += r.events
	l.Anomalies += r.anomalies
	r.events, r.anomalies = 0, 0
	if r.modbus != nil {
		inv.foldModbus(f, r)
	}
}

// foldAll folds every live flow: before the inventory is read or saved.
func (inv *Inventory) foldAll() {
	for _, r := range inv.flows {
		inv.fold(r.flow, r)
	}
}

// forget drops an ended flow's cached references.
func (inv *Inventory) forget(id uint64) {
	delete(inv.flows, id)
	if c := &inv.recent[id&(recentFlows-1)]; c.id == id {
		c.refs = nil
	}
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

// end returns the cached state of one end of f; sent is the direction
// that end sends in.
func (inv *Inventory) end(f *dissectors.Flow, r *flowRefs, sent dissectors.Direction) *flowEnd {
	e := &r.ends[sent]
	if !e.resolved {
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

// role returns app's client or server role name without allocating.
func (inv *Inventory) role(app string, client bool) string {
	names := inv.roles[app]
	if names == nil {
		names = &[2]string{app + "_client", app + "_server"}
		inv.roles[app] = names
	}
	if client {
		return names[0]
	}
	return names[1]
}

// Flow implements flow.Observer.
func (inv *Inventory) Flow(u *flow.Update) {
	f := u.Flow
	r := inv.refs(f)
	inv.fold(f, r)
	l := r.link
	l.dirty = true
	seen(&l.First, &l.Last, u.First)
	seen(&l.First, &l.Last, u.Last)
	for d := range 2 {
		l.Packets[d] += u.Packets[d]
		l.Bytes[d] += u.Bytes[d]
	}
	if u.New {
		l.Flows++
	}
	if f.AppProto != "" {
		l.AppProto = f.AppProto
	}
	inv.updateEnd(u, inv.end(f, r, dissectors.ToServer), dissectors.ToServer)
	inv.updateEnd(u, inv.end(f, r, dissectors.ToClient), dissectors.ToClient)
	if u.Ended {
		inv.forget(f.ID)
	}
}

// updateEnd updates the host at one end of a flow; sent is the direction
// that end sends in. What needs doing once per flow is done once.
func (inv *Inventory) updateEnd(u *flow.Update, e *flowEnd, sent dissectors.Direction) {
	f := u.Flow
	if e.host == nil && u.Packets[sent] == 0 && f.AppProto == "" {
		if e.host = inv.hosts[e.addr.Unmap()]; e.host == nil {
			return // nothing shows this end exists yet
		}
	}
	h := inv.hostOf(e)
	if h == nil {
		return
	}
	h.dirty = true
	seen(&h.First, &h.Last, u.First)
	seen(&h.First, &h.Last, u.Last)
	recv := sent.Reverse()
	h.Counters.PacketsSent += u.Packets[sent]
	h.Counters.PacketsReceived += u.Packets[recv]
	h.Counters.BytesSent += u.Bytes[sent]
	h.Counters.BytesReceived += u.Bytes[recv]
	client := sent == dissectors.ToServer
	if u.New {
		if client {
			h.Counters.FlowsInitiated++
		} else {
			h.Counters.FlowsAccepted++
		}
		for _, v := range f.VLANs() {
			h.VLANs = addSorted(h.VLANs, v)
		}
	}
	if f.AppProto != e.app {
		e.app = f.AppProto
		e.sent = false // the service gets the app protocol
		h.Protocols = addSorted(h.Protocols, f.AppProto)
		h.Roles = addSorted(h.Roles, inv.role(f.AppProto, client))
	}
	if u.Packets[sent] == 0 {
		return
	}
	fresh := !e.sent
	if fresh {
		e.sent = true
		if !client && (f.Transport == dissectors.TCP || f.Transport == dissectors.UDP) {
			h.addService(Service{Transport: f.Transport.String(), Port: f.Server.Port(), AppProto: f.AppProto})
		}
		if e.macAddr.Identifies() {
			e.mac = inv.mac(e.macAddr)
		}
		if mi := e.mac; mi != nil {
			mi.IPs = addAddr(mi.IPs, h.IP, maxMACIPs)
			for _, v := range f.VLANs() {
				mi.VLANs = addSorted(mi.VLANs, v)
			}
		}
	}
	// The MAC's times move when the flow starts and ends: for long flows,
	// the host's last seen (every update) keeps the device's fresh.
	if mi := e.mac; mi != nil && (fresh || u.Ended) {
		mi.dirty = true
		inv.bindMAC(h, mi.MAC, u.First)
		inv.bindMAC(h, mi.MAC, u.Last)
		seen(&mi.First, &mi.Last, u.First)
		seen(&mi.First, &mi.Last, u.Last)
	}
}

// bindMAC records that m carried h's address at t.
func (inv *Inventory) bindMAC(h *Host, m MAC, t time.Time) {
	for i := range h.MACs {
		if h.MACs[i].MAC == m {
			seen(&h.MACs[i].First, &h.MACs[i].Last, t)
			return
		}
	}
	if len(h.MACs) < maxHostMACs {
		h.MACs = append(h.MACs, MACSeen{MAC: m, First: t, Last: t})
	}
}

func (h *Host) addService(s Service) {
	for i := range h.Services {
		if h.Services[i].Transport == s.Transport && h.Services[i].Port == s.Port {
			if s.AppProto != "" {
				h.Services[i].AppProto = s.AppProto
			}
			return
		}
	}
	if len(h.Services) < maxServices {
		h.Services = append(h.Services, s)
	}
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
